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
        var plan = Plan(data, options);
        var rows = new List<CustomerFeatures>(plan.Rows(0, plan.Count));
        plan.Report.CustomersWithFeatures = rows.Count;
        return new FeatureTable(
            options.AsOfDate, options.ChurnHorizonDays, options.ValueHorizonDays, data.AttributeNames, rows, plan.Report);
    }

    /// <summary>
    /// The same rows as <see cref="Build"/>, in the same order, made <paramref name="chunkSize"/> customers at a time
    /// as the returned chunks are enumerated: a scoring run holds one chunk's features, not the whole base's. The
    /// report's counts are complete before the first chunk (it is one pass over the customers, in id order).
    /// </summary>
    /// <exception cref="ArgumentException">The as-of date or horizons do not fit the data, or the chunk size is below 1.</exception>
    public static FeatureChunks BuildInChunks(CustomerDataSet data, FeatureOptions options, int chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        var plan = Plan(data, options);
        plan.Report.CustomersWithFeatures = plan.Count;
        return new FeatureChunks(data.AttributeNames, plan.Count, plan.Report, Chunks(plan, chunkSize)) { RowsBetween = plan.Rows };

        static IEnumerable<CustomerFeatures[]> Chunks(RowPlan plan, int chunkSize)
        {
            for (var from = 0; from < plan.Count; from += chunkSize)
            {
                yield return plan.Rows(from, Math.Min(from + chunkSize, plan.Count));
            }
        }
    }

    // The report's counts in one pass, in id order, and the customers included with their histories; each customer's
    // row is then a pure function of their history, made on every core (a million customers' features in half the time on two).
    private static RowPlan Plan(CustomerDataSet data, FeatureOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        Validate(data, options);

        // Grouped by the loader's customer numbers when the data set has them for these very rows.
        var historyByCustomer = data.Numbering is { } numbering && ReferenceEquals(numbering.NumberedTransactions, data.Transactions)
            ? Grouped<Transaction>.ByNumber(data.Transactions, numbering.TransactionCustomers, numbering)
            : Grouped<Transaction>.ByCustomer(data.Transactions, t => t.CustomerId);
        var customers = data.Customers ?? historyByCustomer.Customers
            .Select(id => new Customer(id, null, [], null, null, null, null))
            .ToList();
        var report = new FeatureReport();
        var service = ChooseServiceSource(data, options, report);
        var eventsByCustomer = service != ServiceSource.Events ? null
            : data.Numbering is { } numbered && ReferenceEquals(numbered.NumberedServiceEvents, data.ServiceEvents)
                ? Grouped<ServiceEvent>.ByNumber(data.ServiceEvents!, numbered.ServiceEventCustomers, numbered)
                : Grouped<ServiceEvent>.ByCustomer(data.ServiceEvents!, e => e.CustomerId);
        // Each customer's exclusion and unused order lines worked out on every core, then counted in id order, so the report's
        // counts (and the order their reasons are listed in) are what one pass in id order gives.
        var ordered = InIdOrder(customers);
        var verdicts = new (ArraySegment<Transaction> History, string? Exclusion, string? UnusedReason, int Unused)[ordered.Length];
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, ordered.Length, 16_384), range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                var history = historyByCustomer.Of(ordered[i].CustomerId);
                var exclusion = ExclusionReason(ordered[i], history, options.AsOfDate);
                var (reason, unused) = Unused(history, options, exclusion is null ? null : "customer left out of the table");
                verdicts[i] = (history, exclusion, reason, unused);
            }
        });
        var included = new List<(Customer Customer, ArraySegment<Transaction> History)>(customers.Count);
        for (var i = 0; i < ordered.Length; i++)
        {
            var (history, exclusion, reason, unused) = verdicts[i];
            if (exclusion is not null)
            {
                report.CustomersExcluded[exclusion] = report.CustomersExcluded.GetValueOrDefault(exclusion) + 1;
            }

            if (reason is not null)
            {
                report.TransactionsNotUsed[reason] = report.TransactionsNotUsed.GetValueOrDefault(reason) + unused;
            }

            if (exclusion is null)
            {
                included.Add((ordered[i], history));
            }
        }

        return new RowPlan(included, service, eventsByCustomer, data.ServiceEventMeasures, options, report);
    }

    private sealed record RowPlan(
        List<(Customer Customer, ArraySegment<Transaction> History)> Included, ServiceSource Service, Grouped<ServiceEvent>? EventsByCustomer,
        IReadOnlySet<string> Measures, FeatureOptions Options, FeatureReport Report)
    {
        public int Count => Included.Count;

        // The rows of included customers [from, to), on every core.
        public CustomerFeatures[] Rows(int from, int to)
        {
            var built = new CustomerFeatures[to - from];
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(from, to, 1_024), () => new RowScratch(), (range, _, scratch) =>
            {
                for (var i = range.Item1; i < range.Item2; i++)
                {
                    var (customer, history) = Included[i];
                    var serviceAtAsOf = Service switch
                    {
                        ServiceSource.Events => ServiceAtAsOf.FromEvents(EventsByCustomer!.Of(customer.CustomerId), Measures, Options.AsOfDate),
                        ServiceSource.Snapshot => ServiceAtAsOf.FromTotals(customer),
                        _ => ServiceAtAsOf.Unknown,
                    };
                    built[i - from] = BuildRow(customer, history, serviceAtAsOf, Options, scratch);
                }

                return scratch;
            }, _ => { });
            return built;
        }
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

    private static string? ExclusionReason(Customer customer, ArraySegment<Transaction> history, DateOnly asOf)
    {
        if (customer.SignupDate is { } signup)
        {
            return signup > asOf ? "signed up after the as-of date" : null;
        }

        foreach (var t in history)
        {
            if (t.OrderDate <= asOf)
            {
                return null;
            }
        }

        return "first order after the as-of date and no signup date";
    }

    // The order lines of one customer the features do not use, and why: all of them for a customer left out, else those
    // after the as-of date without labels or after the label window with them (one reason per customer either way).
    private static (string? Reason, int Count) Unused(ArraySegment<Transaction> history, FeatureOptions options, string? reasonForExcluded)
    {
        if (reasonForExcluded is not null)
        {
            return history.Count > 0 ? (reasonForExcluded, history.Count) : (null, 0);
        }

        var labelEnd = options.AsOfDate.AddDays(options.LabelWindowDays);
        var count = 0;
        foreach (var transaction in history)
        {
            if (transaction.OrderDate > options.AsOfDate && (!options.IncludeLabels || transaction.OrderDate > labelEnd))
            {
                count++;
            }
        }

        return count > 0 ? (options.IncludeLabels ? "after the label window" : "after the as-of date (no labels requested)", count) : (null, 0);
    }

    // The customers in ordinal id order, as a stable sort gives them (ties keep their order): two halves sorted on two
    // cores and merged.
    private static Customer[] InIdOrder(IReadOnlyList<Customer> customers)
    {
        // Customers files are usually exported in id order already: one pass says so, and a stable sort would change nothing.
        var sorted = true;
        for (var i = 1; i < customers.Count && sorted; i++)
        {
            sorted = string.CompareOrdinal(customers[i - 1].CustomerId, customers[i].CustomerId) <= 0;
        }

        if (sorted)
        {
            return [.. customers];
        }

        var indexes = new int[customers.Count];
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = i;
        }

        Comparison<int> byId = (x, y) =>
        {
            var order = string.CompareOrdinal(customers[x].CustomerId, customers[y].CustomerId);
            return order != 0 ? order : x.CompareTo(y);
        };
        var half = indexes.Length / 2;
        Parallel.Invoke(() => indexes.AsSpan(0, half).Sort(byId), () => indexes.AsSpan(half).Sort(byId));
        var ordered = new Customer[indexes.Length];
        var (left, right) = (0, half);
        for (var o = 0; o < ordered.Length; o++)
        {
            ordered[o] = customers[right >= indexes.Length || (left < half && byId(indexes[left], indexes[right]) <= 0) ? indexes[left++] : indexes[right++]];
        }

        return ordered;
    }

    // One thread's working sets, cleared for each customer: a million customers' rows without a million sets each.
    private sealed class RowScratch
    {
        public List<int> PurchaseDays { get; } = [];
        public HashSet<string> PurchaseOrders { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Categories { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, double> RevenueByChannel { get; } = new(StringComparer.Ordinal);
        public List<double> Gaps { get; } = [];

        public void Clear()
        {
            PurchaseDays.Clear();
            PurchaseOrders.Clear();
            Categories.Clear();
            RevenueByChannel.Clear();
            Gaps.Clear();
        }
    }

    private static CustomerFeatures BuildRow(
        Customer customer, ArraySegment<Transaction> history, ServiceAtAsOf service, FeatureOptions options, RowScratch scratch)
    {
        var asOf = options.AsOfDate;
        var trailingStart = asOf.AddDays(-TrailingWindowDays);
        var trendStart = asOf.AddDays(-TrendWindowDays);
        var priorTrendStart = trendStart.AddDays(-TrendWindowDays);

        scratch.Clear();
        // Day numbers of the purchase lines, sorted and made distinct after the loop (the distinct purchase days).
        var purchaseDays = scratch.PurchaseDays;
        var purchaseOrders = scratch.PurchaseOrders;
        var categories = scratch.Categories;
        var revenueByChannel = scratch.RevenueByChannel;
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

            purchaseDays.Add(t.OrderDate.DayNumber);
            purchaseOrders.Add(t.OrderId);
            categories.Add(t.Category);
            purchaseRevenue += t.Revenue;
            discount += t.Discount;
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(revenueByChannel, t.Channel, out _) += t.Revenue;
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
        var dayCount = DistinctSorted(purchaseDays);
        var (meanGap, sdGap) = GapStatistics(purchaseDays, dayCount, scratch.Gaps);
        var firstPurchaseDay = dayCount > 0 ? purchaseDays[0] : 0;
        var lastPurchaseDay = dayCount > 0 ? purchaseDays[dayCount - 1] : 0;
        var daysSinceFirstPurchase = dayCount > 0 ? asOf.DayNumber - firstPurchaseDay : double.NaN;
        // Unknown cost counts as 0: nothing is charged that is not known.
        var serviceCost = double.IsFinite(service.CostToDate) ? service.CostToDate : 0;
        var trailingServiceCost = service.CostLast365Days ?? Profit.TrailingCostToServe(serviceCost, tenureDays);

        return new CustomerFeatures
        {
            CustomerId = customer.CustomerId,
            RecencyDays = dayCount > 0 ? asOf.DayNumber - lastPurchaseDay : tenureDays,
            PurchaseDays = dayCount,
            OrderCount = purchaseOrders.Count,
            RevenueTotal = revenue,
            AverageOrderValue = purchaseOrders.Count > 0 ? purchaseRevenue / purchaseOrders.Count : 0,
            GrossProfitTotal = grossProfit,
            ProfitTotal = Profit.Net(grossProfit, serviceCost, revenue, RuleSet.Default.CostToServe),
            GrossProfitPerPurchaseDay = dayCount > 0 ? grossProfit / dayCount : 0,
            MarginRate = revenue >= MinimumRevenueForMargin ? grossProfit / revenue : double.NaN,
            RevenueLast365Days = revenueTrailing,
            ProfitLast365Days = Profit.Net(grossProfitTrailing, trailingServiceCost, revenueTrailing, RuleSet.Default.CostToServe),
            GrossProfitLast365Days = grossProfitTrailing,
            CostToServeLast365Days = trailingServiceCost,
            TenureDays = tenureDays,
            DaysSinceFirstPurchase = daysSinceFirstPurchase,
            RecencyShareOfAge = dayCount == 0 ? double.NaN : (asOf.DayNumber - lastPurchaseDay) / Math.Max(daysSinceFirstPurchase, 1),
            PurchaseDaysPerYear = dayCount == 0 ? 0 : dayCount * 365.0 / Math.Max(daysSinceFirstPurchase, MinimumDaysForRate),
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

    // Sorts the day numbers and keeps each day once at the front; returns how many distinct days there are.
    private static int DistinctSorted(List<int> days)
    {
        if (days.Count < 2)
        {
            return days.Count;
        }

        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(days);
        span.Sort();
        var distinct = 1;
        for (var i = 1; i < span.Length; i++)
        {
            if (span[i] != span[distinct - 1])
            {
                span[distinct++] = span[i];
            }
        }

        return distinct;
    }

    private static (double Mean, double Sd) GapStatistics(List<int> purchaseDays, int dayCount, List<double> gaps)
    {
        if (dayCount < 2)
        {
            return (double.NaN, double.NaN);
        }

        for (var i = 1; i < dayCount; i++)
        {
            gaps.Add(purchaseDays[i] - purchaseDays[i - 1]);
        }

        var mean = gaps.Average();
        if (gaps.Count < 2)
        {
            return (mean, double.NaN);
        }

        double squares = 0;
        foreach (var g in gaps)
        {
            squares += (g - mean) * (g - mean);
        }

        var variance = squares / (gaps.Count - 1);
        return (mean, Math.Sqrt(variance));
    }

    // The channel with the most purchase revenue; a tie goes to the first name in ordinal order.
    private static string MainChannel(Dictionary<string, double> revenueByChannel)
    {
        string? main = null;
        var most = 0.0;
        foreach (var (channel, revenue) in revenueByChannel)
        {
            if (main is null || revenue > most || (revenue == most && string.CompareOrdinal(channel, main) < 0))
            {
                (main, most) = (channel, revenue);
            }
        }

        return main ?? FeatureColumns.NoValue;
    }

    private static bool HasPurchaseIn(ArraySegment<Transaction> history, DateOnly asOf, int days)
    {
        var end = asOf.AddDays(days);
        foreach (var t in history)
        {
            if (t.OrderDate > asOf && t.OrderDate <= end && t.Revenue > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static double SumIn(ArraySegment<Transaction> history, DateOnly asOf, int days, Func<Transaction, double> amount)
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
    public static ServiceAtAsOf FromEvents(ArraySegment<ServiceEvent> events, IReadOnlySet<string> measures, DateOnly asOf)
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

/// <summary>
/// Rows (order lines, service events) grouped by customer, each customer's in file order: one array of all rows in
/// customer order and where each customer's run of them starts, instead of a growing list per customer.
/// </summary>
internal sealed class Grouped<T>
{
    private readonly IReadOnlyDictionary<string, int> ordinal;
    private readonly IEnumerable<string> customers;
    private readonly T[] rows;
    private readonly int[] starts;

    private Grouped(IReadOnlyDictionary<string, int> ordinal, IEnumerable<string> customers, T[] rows, int[] starts)
    {
        this.ordinal = ordinal;
        this.customers = customers;
        this.rows = rows;
        this.starts = starts;
    }

    /// <summary>The customers with at least one row, in order of their first row (of their number when grouped by number).</summary>
    public IEnumerable<string> Customers => customers;

    /// <summary>
    /// Groups <paramref name="source"/> by the loader's customer numbers (<paramref name="numbers"/>, one per row): a
    /// counting sort, each customer's rows in file order, without looking an id up. Numbers follow first rows when the
    /// order lines numbered the customers, so <see cref="Customers"/> is in the same order as <see cref="ByCustomer"/>'s.
    /// </summary>
    public static Grouped<T> ByNumber(IReadOnlyList<T> source, int[] numbers, CustomerNumbering numbering)
    {
        if (numbers.Length != source.Count)
        {
            throw new ArgumentException($"{numbers.Length} customer numbers for {source.Count} rows.", nameof(numbers));
        }

        var starts = new int[numbering.Count + 1];
        foreach (var number in numbers)
        {
            starts[number + 1]++;
        }

        for (var c = 0; c < numbering.Count; c++)
        {
            starts[c + 1] += starts[c];
        }

        var next = starts[..^1];
        var rows = new T[source.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[next[numbers[i]]++] = source[i];
        }

        var ids = numbering.Ids;
        return new Grouped<T>(numbering.Numbers, Enumerable.Range(0, numbering.Count).Where(c => starts[c + 1] > starts[c]).Select(c => ids[c]), rows, starts);
    }

    /// <summary>Groups <paramref name="source"/> by <paramref name="customerOf"/>, on every core.</summary>
    /// <remarks>
    /// Each core groups its own contiguous part of the rows (a dictionary per part: the 16.9 M order lines of a million
    /// customers are 16.9 M lookups, most of a run's serial time before its first chunk); the parts' customers are then
    /// merged in part order (a customer's first row is in the first part that has it, so the order of first rows is kept)
    /// and each part writes its rows to its own places, after the earlier parts' rows of the same customer: file order.
    /// </remarks>
    public static Grouped<T> ByCustomer(IReadOnlyList<T> source, Func<T, string> customerOf)
    {
        var total = source.Count;
        // Below this a second part costs more in merging than it saves.
        const int rowsPerPart = 1 << 16;
        var parts = Math.Clamp(total / rowsPerPart, 1, Environment.ProcessorCount);
        var owner = new int[total];
        var local = new (List<string> Keys, List<int> Counts)[parts];
        Parallel.For(0, parts, p =>
        {
            var (from, to) = Part(p);
            var ordinal = new Dictionary<string, int>(StringComparer.Ordinal);
            var keys = new List<string>();
            var counts = new List<int>();
            // Order-line files hold an order's lines one after the other: the same customer as the row before is no lookup.
            var (previous, previousAt) = ((string?)null, 0);
            for (var i = from; i < to; i++)
            {
                var customer = customerOf(source[i]);
                if (string.Equals(customer, previous, StringComparison.Ordinal))
                {
                    owner[i] = previousAt;
                    counts[previousAt]++;
                    continue;
                }

                ref var at = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(ordinal, customer, out var exists);
                if (!exists)
                {
                    at = counts.Count;
                    keys.Add(customer);
                    counts.Add(0);
                }

                owner[i] = at;
                counts[at]++;
                (previous, previousAt) = (customer, at);
            }

            local[p] = (keys, counts);
        });

        // The parts' customers in order of their first row, and each part's local numbers mapped to the merged ones.
        var merged = new Dictionary<string, int>(local[0].Keys.Count, StringComparer.Ordinal);
        var mergedCounts = new List<int>(local[0].Keys.Count);
        var toMerged = new int[parts][];
        for (var p = 0; p < parts; p++)
        {
            var (keys, counts) = local[p];
            toMerged[p] = new int[keys.Count];
            for (var k = 0; k < keys.Count; k++)
            {
                ref var at = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(merged, keys[k], out var exists);
                if (!exists)
                {
                    at = mergedCounts.Count;
                    mergedCounts.Add(0);
                }

                toMerged[p][k] = at;
                mergedCounts[at] += counts[k];
            }
        }

        var starts = new int[mergedCounts.Count + 1];
        for (var c = 0; c < mergedCounts.Count; c++)
        {
            starts[c + 1] = starts[c] + mergedCounts[c];
        }

        // Where each part writes a customer's next row: after the rows of the parts before it.
        var next = new int[parts][];
        var written = starts[..^1];
        for (var p = 0; p < parts; p++)
        {
            next[p] = (int[])written.Clone();
            var (_, counts) = local[p];
            for (var k = 0; k < counts.Count; k++)
            {
                written[toMerged[p][k]] += counts[k];
            }
        }

        var rows = new T[total];
        Parallel.For(0, parts, p =>
        {
            var (from, to) = Part(p);
            var (places, map) = (next[p], toMerged[p]);
            for (var i = from; i < to; i++)
            {
                rows[places[map[owner[i]]]++] = source[i];
            }
        });

        return new Grouped<T>(merged, merged.Keys, rows, starts);

        (int From, int To) Part(int p) => ((int)((long)total * p / parts), (int)((long)total * (p + 1) / parts));
    }

    /// <summary>The customer's rows in file order; empty when there are none.</summary>
    public ArraySegment<T> Of(string customerId) =>
        ordinal.TryGetValue(customerId, out var c) ? new ArraySegment<T>(rows, starts[c], starts[c + 1] - starts[c]) : ArraySegment<T>.Empty;
}

/// <summary>A feature table made chunk by chunk (<see cref="FeatureBuilder.BuildInChunks"/>).</summary>
/// <param name="AttributeNames">The customer attribute names, in the rows' order.</param>
/// <param name="Count">Rows in all the chunks together.</param>
/// <param name="Report">The build's counts (complete from the start).</param>
/// <param name="Chunks">The rows, in ordinal customer-id order; each chunk is made when it is enumerated (enumerate once).</param>
public sealed record FeatureChunks(IReadOnlyList<string> AttributeNames, int Count, FeatureReport Report, IEnumerable<CustomerFeatures[]> Chunks)
{
    /// <summary>
    /// The rows [from, to) of the same order, made when asked (one call at a time): replicas that share a run each build
    /// only the chunks they claimed.
    /// </summary>
    public required Func<int, int, CustomerFeatures[]> RowsBetween { get; init; }
}
