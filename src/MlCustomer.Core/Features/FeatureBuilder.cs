using MlCustomer.Core.Data;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Features;

/// <summary>Settings of one feature build.</summary>
public sealed record FeatureOptions
{
    /// <summary>The default churn label window: no purchase in this many days after the as-of date.</summary>
    public const int DefaultChurnHorizonDays = 180;

    /// <summary>The default value label window: profit in this many days after the as-of date.</summary>
    public const int DefaultValueHorizonDays = 365;

    /// <summary>Features use only events on or before this day.</summary>
    public required DateOnly AsOfDate { get; init; }

    /// <summary>Churn label window in days after the as-of date.</summary>
    public int ChurnHorizonDays { get; init; } = DefaultChurnHorizonDays;

    /// <summary>Value (profit, revenue) label window in days after the as-of date.</summary>
    public int ValueHorizonDays { get; init; } = DefaultValueHorizonDays;

    /// <summary>
    /// Compute labels from the horizon. False for scoring, where the future is unknown: then order
    /// lines after the as-of date are not used at all (and counted as such).
    /// </summary>
    public bool IncludeLabels { get; init; } = true;

    /// <summary>
    /// Use the customers file's service totals (tickets, complaints, cost, satisfaction) at an as-of date before the
    /// day they were taken. They count events after the as-of date, so the features leak the future: the feature
    /// report and the model card say so. Without it such totals are left out (unknown) at earlier as-of dates; dated
    /// service events never need it.
    /// </summary>
    public bool SnapshotAttributesBeforeExport { get; init; }

    /// <summary>The longer of the two label windows.</summary>
    public int LabelWindowDays => Math.Max(ChurnHorizonDays, ValueHorizonDays);
}

/// <summary>
/// The one feature builder: training and serving both call it, so the two cannot drift apart.
/// Features use only events on or before the as-of date; labels only events in the horizon after it.
/// </summary>
public static class FeatureBuilder
{
    /// <summary>Days in the trailing window that profit tiers are computed over.</summary>
    public const int TrailingWindowDays = 365;

    /// <summary>
    /// Below one cent of net revenue (e.g. purchases fully returned, which sum to ±1e-14 in floating
    /// point) a margin rate is meaningless, not a huge number: it is missing instead.
    /// </summary>
    public const double MinimumRevenueForMargin = 0.01;

    /// <summary>The shortest history a purchase rate is computed over, in days.</summary>
    public const double MinimumDaysForRate = 30;

    /// <summary>Days in each half of the revenue trend comparison.</summary>
    public const int TrendWindowDays = 90;

    /// <summary>
    /// The as-of date that leaves a full label window after it: the last order date in the data minus
    /// the longer horizon.
    /// </summary>
    public static DateOnly DefaultAsOfDate(CustomerDataSet data, int churnHorizonDays, int valueHorizonDays) =>
        data.LastOrderDate.AddDays(-Math.Max(churnHorizonDays, valueHorizonDays));

    /// <summary>Builds one row per customer who existed at the as-of date.</summary>
    /// <exception cref="ArgumentException">The as-of date or horizons do not fit the data.</exception>
    public static FeatureTable Build(CustomerDataSet data, FeatureOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        Validate(data, options);

        var attributeNames = data.AttributeNames;
        var historyByCustomer = GroupByCustomer(data.Transactions, t => t.CustomerId);
        var customers = data.Customers ?? historyByCustomer.Keys
            .Select(id => new Customer(id, null, [], null, null, null, null))
            .ToList();
        var emptyHistory = new List<Transaction>();
        var report = new FeatureReport();
        var service = ChooseServiceSource(data, options, report);
        var eventsByCustomer = service == ServiceSource.Events ? GroupByCustomer(data.ServiceEvents!, e => e.CustomerId) : null;
        var measures = data.ServiceEventMeasures;
        List<ServiceEvent> noEvents = [];
        var included = new List<(Customer Customer, List<Transaction> History)>(customers.Count);

        // The report's counts in one pass, in id order; then each customer's row on its own (a pure function of their
        // history), on every core: a million customers' features in half the time on two.
        foreach (var customer in customers.OrderBy(c => c.CustomerId, StringComparer.Ordinal))
        {
            var history = historyByCustomer.GetValueOrDefault(customer.CustomerId, emptyHistory);
            var exclusion = ExclusionReason(customer, history, options.AsOfDate);
            if (exclusion is not null)
            {
                report.CustomersExcluded[exclusion] = report.CustomersExcluded.GetValueOrDefault(exclusion) + 1;
                CountUnused(report, history, options, "customer left out of the table");
                continue;
            }

            CountUnused(report, history, options, reasonForIncluded: null);
            included.Add((customer, history));
        }

        var built = new CustomerFeatures[included.Count];
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, built.Length, 1_024), range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                var (customer, history) = included[i];
                var serviceAtAsOf = service switch
                {
                    ServiceSource.Events => ServiceAtAsOf.FromEvents(eventsByCustomer!.GetValueOrDefault(customer.CustomerId, noEvents), measures, options.AsOfDate),
                    ServiceSource.Snapshot => ServiceAtAsOf.FromTotals(customer),
                    _ => ServiceAtAsOf.Unknown,
                };
                built[i] = BuildRow(customer, history, serviceAtAsOf, options);
            }
        });
        var rows = new List<CustomerFeatures>(built);
        report.CustomersWithFeatures = rows.Count;
        return new FeatureTable(
            options.AsOfDate, options.ChurnHorizonDays, options.ValueHorizonDays, attributeNames, rows, report);
    }

    private static void Validate(CustomerDataSet data, FeatureOptions options)
    {
        if (options.ChurnHorizonDays <= 0 || options.ValueHorizonDays <= 0)
        {
            throw new ArgumentException(
                $"Horizons must be positive numbers of days (churn {options.ChurnHorizonDays}, value {options.ValueHorizonDays}).");
        }

        if (data.Transactions.Count == 0)
        {
            throw new ArgumentException("The data set has no transactions: there is nothing to compute features from.");
        }

        if (options.AsOfDate < data.FirstOrderDate)
        {
            throw new ArgumentException(
                $"The as-of date {options.AsOfDate:yyyy-MM-dd} is before the first order date {data.FirstOrderDate:yyyy-MM-dd}: no customer has any history.");
        }

        var labelEnd = options.AsOfDate.AddDays(options.LabelWindowDays);
        if (options.IncludeLabels && labelEnd > data.LastOrderDate)
        {
            var latest = data.LastOrderDate.AddDays(-options.LabelWindowDays);
            throw new ArgumentException(
                $"The as-of date {options.AsOfDate:yyyy-MM-dd} plus the {options.LabelWindowDays}-day horizon ends {labelEnd:yyyy-MM-dd}, " +
                $"after the last order date in the data ({data.LastOrderDate:yyyy-MM-dd}), so the labels would be incomplete. " +
                $"Use an as-of date on or before {latest:yyyy-MM-dd}, shorter horizons, or build features without labels.");
        }

        var clash = data.AttributeNames.FirstOrDefault(FeatureColumns.IsReserved);
        if (clash is not null)
        {
            throw new ArgumentException(
                $"The customer attribute '{clash}' has the same name as a feature column; rename it in the mapping (customers.columns).");
        }
    }

    // Order lines or service events by customer, each customer's in file order.
    private static Dictionary<string, List<T>> GroupByCustomer<T>(IReadOnlyList<T> rows, Func<T, string> customerOf)
    {
        var byCustomer = new Dictionary<string, List<T>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var id = customerOf(row);
            if (!byCustomer.TryGetValue(id, out var list))
            {
                list = [];
                byCustomer[id] = list;
            }

            list.Add(row);
        }

        return byCustomer;
    }

    private enum ServiceSource
    {
        None,
        Events,
        Snapshot,
    }

    // Where the service features come from at this as-of date. The customers file's totals were taken on one day
    // (its export, by default the end of the data): at an earlier as-of date they hold the tickets, complaints and
    // cost of the days after it, which a model must not learn from (a customer who stays collects more of them).
    private static ServiceSource ChooseServiceSource(CustomerDataSet data, FeatureOptions options, FeatureReport report)
    {
        var asOf = options.AsOfDate;
        if (data.ServiceEvents is not null)
        {
            var measures = ServiceEventColumns.Measures.Where(data.ServiceEventMeasures.Contains).ToList();
            report.ServiceHistory = $"dated service events on or before {CsvText.Date(asOf)} ({string.Join(", ", measures)})";
            if (data.HasServiceSnapshot)
            {
                report.Notes.Add("the customers file's service totals are not used: the dated service events replace them");
            }

            return ServiceSource.Events;
        }

        if (!data.HasServiceSnapshot)
        {
            report.ServiceHistory = "none: no service events file and no service columns in the customers file (cost-to-serve 0)";
            return ServiceSource.None;
        }

        var taken = data.ServiceSnapshotDate;
        if (asOf >= taken)
        {
            report.ServiceHistory = $"the customers file's service totals, taken {CsvText.Date(taken)}";
            return ServiceSource.Snapshot;
        }

        if (options.SnapshotAttributesBeforeExport)
        {
            report.ServiceHistory = $"the customers file's service totals, taken {CsvText.Date(taken)}, after the as-of date (opted in)";
            report.Leaks.Add(
                $"service features (support_tickets, complaints, service_cost, satisfaction, cost_to_serve_last_365_days) are the customers " +
                $"file's totals taken {CsvText.Date(taken)}, after the as-of date {CsvText.Date(asOf)}: they count events after the as-of " +
                "date, so they leak the future and held-out metrics overstate what the models will do (--snapshot-attributes)");
            return ServiceSource.Snapshot;
        }

        report.ServiceHistory =
            $"not used: the customers file's service totals were taken {CsvText.Date(taken)}, after the as-of date {CsvText.Date(asOf)}, " +
            "and would leak the events after it (features unknown, cost-to-serve 0); give dated service events or opt in with --snapshot-attributes";
        return ServiceSource.None;
    }

    private static string? ExclusionReason(Customer customer, List<Transaction> history, DateOnly asOf)
    {
        if (customer.SignupDate is { } signup)
        {
            return signup > asOf ? "signed up after the as-of date" : null;
        }

        return history.Exists(t => t.OrderDate <= asOf) ? null : "first order after the as-of date and no signup date";
    }

    private static void CountUnused(FeatureReport report, List<Transaction> history, FeatureOptions options, string? reasonForIncluded)
    {
        var labelEnd = options.AsOfDate.AddDays(options.LabelWindowDays);
        foreach (var transaction in history)
        {
            var reason = reasonForIncluded;
            if (reason is null && transaction.OrderDate > options.AsOfDate)
            {
                if (!options.IncludeLabels)
                {
                    reason = "after the as-of date (no labels requested)";
                }
                else if (transaction.OrderDate > labelEnd)
                {
                    reason = "after the label window";
                }
            }

            if (reason is not null)
            {
                report.TransactionsNotUsed[reason] = report.TransactionsNotUsed.GetValueOrDefault(reason) + 1;
            }
        }
    }

    private static CustomerFeatures BuildRow(Customer customer, List<Transaction> history, ServiceAtAsOf service, FeatureOptions options)
    {
        var asOf = options.AsOfDate;
        var trailingStart = asOf.AddDays(-TrailingWindowDays);
        var trendStart = asOf.AddDays(-TrendWindowDays);
        var priorTrendStart = trendStart.AddDays(-TrendWindowDays);

        var purchaseDays = new SortedSet<DateOnly>();
        var purchaseOrders = new HashSet<string>(StringComparer.Ordinal);
        var categories = new HashSet<string>(StringComparer.Ordinal);
        var revenueByChannel = new Dictionary<string, double>(StringComparer.Ordinal);
        double revenue = 0, grossProfit = 0, purchaseRevenue = 0, returnedRevenue = 0, discount = 0;
        double revenueTrailing = 0, grossProfitTrailing = 0, revenueLast90 = 0, revenuePrior90 = 0;
        DateOnly? firstEvent = customer.SignupDate;
        var hasReturns = false;

        foreach (var t in history)
        {
            if (t.OrderDate > asOf)
            {
                continue;
            }

            firstEvent = firstEvent is { } first && first <= t.OrderDate ? first : t.OrderDate;
            revenue += t.Revenue;
            grossProfit += t.GrossProfit;
            if (t.OrderDate > trailingStart)
            {
                revenueTrailing += t.Revenue;
                grossProfitTrailing += t.GrossProfit;
            }

            if (t.IsReturn)
            {
                hasReturns = true;
                returnedRevenue -= t.Revenue;
                continue;
            }

            if (t.Revenue <= 0)
            {
                // A zero-revenue line (a free item, a price correction) is neither a purchase nor a return.
                continue;
            }

            purchaseDays.Add(t.OrderDate);
            purchaseOrders.Add(t.OrderId);
            categories.Add(t.Category);
            purchaseRevenue += t.Revenue;
            discount += t.Discount;
            revenueByChannel[t.Channel] = revenueByChannel.GetValueOrDefault(t.Channel) + t.Revenue;
            if (t.OrderDate > trendStart)
            {
                revenueLast90 += t.Revenue;
            }
            else if (t.OrderDate > priorTrendStart)
            {
                revenuePrior90 += t.Revenue;
            }
        }

        // Included customers always have a first event on or before the as-of date (see ExclusionReason).
        var tenureDays = (double)(asOf.DayNumber - firstEvent!.Value.DayNumber);
        var (meanGap, sdGap) = GapStatistics(purchaseDays);
        var daysSinceFirstPurchase = purchaseDays.Count > 0 ? asOf.DayNumber - purchaseDays.Min.DayNumber : double.NaN;
        // Unknown cost counts as 0: nothing is charged that is not known.
        var serviceCost = double.IsFinite(service.CostToDate) ? service.CostToDate : 0;
        var trailingServiceCost = service.CostLast365Days ?? Profit.TrailingCostToServe(serviceCost, tenureDays);

        return new CustomerFeatures
        {
            CustomerId = customer.CustomerId,
            RecencyDays = purchaseDays.Count > 0 ? asOf.DayNumber - purchaseDays.Max.DayNumber : tenureDays,
            PurchaseDays = purchaseDays.Count,
            OrderCount = purchaseOrders.Count,
            RevenueTotal = revenue,
            AverageOrderValue = purchaseOrders.Count > 0 ? purchaseRevenue / purchaseOrders.Count : 0,
            GrossProfitTotal = grossProfit,
            ProfitTotal = Profit.Net(grossProfit, serviceCost, revenue, RuleSet.Default.CostToServe),
            GrossProfitPerPurchaseDay = purchaseDays.Count > 0 ? grossProfit / purchaseDays.Count : 0,
            MarginRate = revenue >= MinimumRevenueForMargin ? grossProfit / revenue : double.NaN,
            RevenueLast365Days = revenueTrailing,
            ProfitLast365Days = Profit.Net(grossProfitTrailing, trailingServiceCost, revenueTrailing, RuleSet.Default.CostToServe),
            GrossProfitLast365Days = grossProfitTrailing,
            CostToServeLast365Days = trailingServiceCost,
            TenureDays = tenureDays,
            DaysSinceFirstPurchase = daysSinceFirstPurchase,
            RecencyShareOfAge = purchaseDays.Count == 0 ? double.NaN : (asOf.DayNumber - purchaseDays.Max.DayNumber) / Math.Max(daysSinceFirstPurchase, 1),
            PurchaseDaysPerYear = purchaseDays.Count == 0 ? 0 : purchaseDays.Count * 365.0 / Math.Max(daysSinceFirstPurchase, MinimumDaysForRate),
            MeanDaysBetweenPurchases = meanGap,
            SdDaysBetweenPurchases = sdGap,
            RevenueLast90Days = revenueLast90,
            RevenuePrior90Days = revenuePrior90,
            RevenueTrend = revenueLast90 + revenuePrior90 > 0 ? (revenueLast90 - revenuePrior90) / (revenueLast90 + revenuePrior90) : 0,
            CategoriesBought = categories.Count,
            ReturnRate = purchaseRevenue > 0 ? Math.Min(1, returnedRevenue / purchaseRevenue) : hasReturns ? 1 : 0,
            DiscountShare = purchaseRevenue + discount > 0 ? discount / (purchaseRevenue + discount) : 0,
            SupportTickets = service.Tickets,
            Complaints = service.Complaints,
            Satisfaction = service.Satisfaction,
            ServiceCost = service.CostToDate,
            MainChannel = MainChannel(revenueByChannel),
            Attributes = customer.Attributes,
            Churned = options.IncludeLabels ? !HasPurchaseIn(history, asOf, options.ChurnHorizonDays) : null,
            ProfitInHorizon = options.IncludeLabels ? SumIn(history, asOf, options.ValueHorizonDays, t => t.GrossProfit) : null,
            RevenueInHorizon = options.IncludeLabels ? SumIn(history, asOf, options.ValueHorizonDays, t => t.Revenue) : null,
        };
    }

    private static (double Mean, double Sd) GapStatistics(SortedSet<DateOnly> purchaseDays)
    {
        if (purchaseDays.Count < 2)
        {
            return (double.NaN, double.NaN);
        }

        var gaps = new List<double>(purchaseDays.Count - 1);
        DateOnly? previous = null;
        foreach (var day in purchaseDays)
        {
            if (previous is { } p)
            {
                gaps.Add(day.DayNumber - p.DayNumber);
            }

            previous = day;
        }

        var mean = gaps.Average();
        if (gaps.Count < 2)
        {
            return (mean, double.NaN);
        }

        var variance = gaps.Sum(g => (g - mean) * (g - mean)) / (gaps.Count - 1);
        return (mean, Math.Sqrt(variance));
    }

    private static string MainChannel(Dictionary<string, double> revenueByChannel) =>
        revenueByChannel.Count == 0
            ? FeatureColumns.NoValue
            : revenueByChannel
                .OrderByDescending(c => c.Value)
                .ThenBy(c => c.Key, StringComparer.Ordinal)
                .First().Key;

    private static bool HasPurchaseIn(List<Transaction> history, DateOnly asOf, int days)
    {
        var end = asOf.AddDays(days);
        return history.Exists(t => t.OrderDate > asOf && t.OrderDate <= end && t.Revenue > 0);
    }

    private static double SumIn(List<Transaction> history, DateOnly asOf, int days, Func<Transaction, double> amount)
    {
        var end = asOf.AddDays(days);
        double sum = 0;
        foreach (var t in history)
        {
            if (t.OrderDate > asOf && t.OrderDate <= end)
            {
                sum += amount(t);
            }
        }

        return sum;
    }
}

/// <summary>A customer's service history at the as-of date; NaN where it is unknown.</summary>
/// <param name="Tickets">Support tickets to date.</param>
/// <param name="Complaints">Complaints to date.</param>
/// <param name="CostToDate">Cost to serve to date.</param>
/// <param name="CostLast365Days">Cost to serve in the trailing window when dated costs give it exactly; null to prorate the total.</param>
/// <param name="Satisfaction">The latest satisfaction answer on or before the as-of date.</param>
internal readonly record struct ServiceAtAsOf(double Tickets, double Complaints, double CostToDate, double? CostLast365Days, double Satisfaction)
{
    public static ServiceAtAsOf Unknown { get; } = new(double.NaN, double.NaN, double.NaN, null, double.NaN);

    public static ServiceAtAsOf FromTotals(Customer customer) => new(
        customer.SupportTickets ?? double.NaN,
        customer.Complaints ?? double.NaN,
        customer.ServiceCostAmount ?? double.NaN,
        null,
        customer.Satisfaction ?? double.NaN);

    /// <summary>
    /// Sums of the events on or before <paramref name="asOf"/>; a measure the file does not have is unknown, a
    /// customer without events has none (0) of the measures it has.
    /// </summary>
    public static ServiceAtAsOf FromEvents(List<ServiceEvent> events, IReadOnlySet<string> measures, DateOnly asOf)
    {
        double tickets = 0, complaints = 0, cost = 0, satisfaction = double.NaN;
        var answered = DateOnly.MinValue;
        foreach (var e in events)
        {
            if (e.EventDate > asOf)
            {
                continue;
            }

            tickets += e.SupportTickets ?? 0;
            complaints += e.Complaints ?? 0;
            cost += e.ServiceCost ?? 0;
            if (e.Satisfaction is { } answer && e.EventDate >= answered)
            {
                (satisfaction, answered) = (answer, e.EventDate);
            }
        }

        var hasCost = measures.Contains(ServiceEventColumns.ServiceCost);
        return new ServiceAtAsOf(
            measures.Contains(ServiceEventColumns.SupportTickets) ? tickets : double.NaN,
            measures.Contains(ServiceEventColumns.Complaints) ? complaints : double.NaN,
            hasCost ? cost : double.NaN,
            hasCost ? Profit.TrailingCostToServe(events, asOf) : 0,
            satisfaction);
    }
}
