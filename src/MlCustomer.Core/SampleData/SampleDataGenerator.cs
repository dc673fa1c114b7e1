using System.Globalization;
using System.Text;
using MlCustomer.Core.Data;

namespace MlCustomer.Core.SampleData;

/// <summary>
/// Writes the sample retailer: customers.csv, transactions.csv (the data contract) and ground-truth.csv
/// (the latent truth, for judging models; never a feature). Deterministic: the same options write
/// byte-identical files. The generative process is described in training-data/README.md.
/// </summary>
public static class SampleDataGenerator
{
    /// <summary>File name of the customers file.</summary>
    public const string CustomersFile = "customers.csv";

    /// <summary>File name of the order lines file.</summary>
    public const string TransactionsFile = "transactions.csv";

    /// <summary>File name of the dated service events.</summary>
    public const string ServiceEventsFile = "service-events.csv";

    /// <summary>File name of the latent truth.</summary>
    public const string GroundTruthFile = "ground-truth.csv";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Simulates the customers and writes the three files into <paramref name="outputDirectory"/> (created if
    /// missing, existing files overwritten). Returns the counts and totals of what was written.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static SampleDataSummary Write(SampleDataOptions options, string outputDirectory, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        Validate(options);

        var lastDay = options.EndDate;
        var truthEnd = options.AsOfDate.AddDays(Math.Max(options.ChurnHorizonDays, options.ValueHorizonDays));
        var calendar = new RetailCalendar(options.StartDate, truthEnd > lastDay ? truthEnd : lastDay);
        var last = calendar.IndexOf(lastDay);
        var asOf = calendar.IndexOf(options.AsOfDate);

        progress?.Report($"Simulating {options.Customers:N0} customers from {options.StartDate:yyyy-MM-dd} to {options.EndDate:yyyy-MM-dd} (seed {options.Seed})");
        var signupDays = DrawSignupDays(options, calendar, last);
        var customerIdWidth = Math.Max(5, Digits(options.Customers));
        var customers = new SimulatedCustomer[options.Customers];
        var orders = new List<OrderRecord>(options.Customers * 10);
        var lines = new List<LineRecord>(options.Customers * 20);
        for (var i = 0; i < customers.Length; i++)
        {
            var random = new SampleRandom(options.Seed, i + 1);
            var id = "C" + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(customerIdWidth, '0');
            var customer = CustomerSimulation.Create(options, calendar, id, signupDays[i], random);
            CustomerSimulation.SimulatePurchases(customer, i, calendar, last, random, orders, lines);
            CustomerSimulation.SimulateService(options, customer, last, random);
            customers[i] = customer;
        }

        Directory.CreateDirectory(outputDirectory);
        var customersPath = Path.GetFullPath(Path.Combine(outputDirectory, CustomersFile));
        var transactionsPath = Path.GetFullPath(Path.Combine(outputDirectory, TransactionsFile));
        var truthPath = Path.GetFullPath(Path.Combine(outputDirectory, GroundTruthFile));
        var serviceEventsPath = Path.GetFullPath(Path.Combine(outputDirectory, ServiceEventsFile));

        WriteCustomers(customersPath, customers, calendar);
        progress?.Report($"Wrote {CustomersFile}: {customers.Length:N0} customers");

        var serviceDays = WriteServiceEvents(serviceEventsPath, customers, calendar);
        progress?.Report($"Wrote {ServiceEventsFile}: {serviceDays:N0} customer-days of service history");

        var (orderLines, revenueCents, profitCents) = WriteTransactions(transactionsPath, customers, orders, lines, calendar);
        progress?.Report($"Wrote {TransactionsFile}: {orderLines:N0} order lines in {orders.Count:N0} orders");

        WriteGroundTruth(truthPath, customers, calendar, asOf, options);
        progress?.Report($"Wrote {GroundTruthFile}: latent truth at {options.AsOfDate:yyyy-MM-dd} (never use it as a feature)");

        return new SampleDataSummary(
            customers.Length,
            orderLines,
            orders.Count,
            revenueCents / 100.0,
            profitCents / 100.0,
            [customersPath, transactionsPath, serviceEventsPath, truthPath]);
    }

    private static void Validate(SampleDataOptions options)
    {
        var problems = new List<string>();
        Check(options.Customers >= 1, $"{nameof(options.Customers)} must be at least 1");
        Check(options.EndDate > options.StartDate, $"{nameof(options.EndDate)} must be after {nameof(options.StartDate)}");
        Check(options.ChurnHorizonDays >= 1, $"{nameof(options.ChurnHorizonDays)} must be at least 1");
        Check(options.ValueHorizonDays >= 1, $"{nameof(options.ValueHorizonDays)} must be at least 1");
        Check(options.AsOfDate >= options.StartDate, $"{nameof(options.ValueHorizonDays)} must leave an as-of date inside the period");
        Check(options.SignupGrowthPerYear > 0, $"{nameof(options.SignupGrowthPerYear)} must be positive");
        Check(options.MaxFirstPurchaseDelayDays >= 1, $"{nameof(options.MaxFirstPurchaseDelayDays)} must be at least 1");
        Check(options.PurchasesPerYearMean > 0, $"{nameof(options.PurchasesPerYearMean)} must be positive");
        Check(options.PurchaseRateShape > 0, $"{nameof(options.PurchaseRateShape)} must be positive");
        Check(options.DropoutBetaA > 0 && options.DropoutBetaB > 0, $"{nameof(options.DropoutBetaA)} and {nameof(options.DropoutBetaB)} must be positive");
        Check(options.PromotionLift > 0 && options.DealSeekerPromotionLift > 0 && options.DealSeekerOffPromotionFactor > 0, "promotion factors must be positive");
        foreach (var (name, share) in new[]
        {
            (nameof(options.NeverBuyShare), options.NeverBuyShare),
            (nameof(options.DelayedFirstPurchaseShare), options.DelayedFirstPurchaseShare),
            (nameof(options.TechEnthusiastShare), options.TechEnthusiastShare),
            (nameof(options.DealSeekerShare), options.DealSeekerShare),
            (nameof(options.SerialReturnerShare), options.SerialReturnerShare),
            (nameof(options.LoyaltyMemberShare), options.LoyaltyMemberShare),
            (nameof(options.SatisfactionMissingShare), options.SatisfactionMissingShare),
        })
        {
            Check(share is >= 0 and <= 1, $"{name} must be between 0 and 1, not {share.ToString(CultureInfo.InvariantCulture)}");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid sample data options: " + string.Join("; ", problems), nameof(options));
        }

        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }
    }

    /// <summary>Signup days from a growing, seasonal intensity, sorted so that customer ids follow signup order.</summary>
    private static int[] DrawSignupDays(SampleDataOptions options, RetailCalendar calendar, int lastDay)
    {
        var cumulative = new double[lastDay + 1];
        var total = 0.0;
        for (var day = 0; day <= lastDay; day++)
        {
            total += Math.Pow(options.SignupGrowthPerYear, day / 365.25) * RetailCalendar.SignupSeason(calendar.DateAt(day));
            cumulative[day] = total;
        }

        var random = new SampleRandom(options.Seed, 0);
        var days = new int[options.Customers];
        for (var i = 0; i < days.Length; i++)
        {
            var index = Array.BinarySearch(cumulative, random.NextDouble() * total);
            days[i] = Math.Min(index < 0 ? ~index : index, lastDay);
        }

        Array.Sort(days);
        return days;
    }

    private static void WriteCustomers(string path, SimulatedCustomer[] customers, RetailCalendar calendar)
    {
        using var writer = CreateWriter(path);
        writer.Write(string.Join(',',
            CustomerColumns.CustomerId, CustomerColumns.SignupDate, "region", "acquisition_channel", "loyalty_member", "age_band",
            CustomerColumns.SupportTickets, CustomerColumns.Complaints, CustomerColumns.ServiceCost, CustomerColumns.Satisfaction));
        writer.Write('\n');
        foreach (var c in customers)
        {
            writer.Write(c.Id);
            writer.Write(',');
            writer.Write(IsoDate(calendar, c.SignupDay));
            writer.Write(',');
            writer.Write(c.Region.Name);
            writer.Write(',');
            writer.Write(c.Acquisition.Name);
            writer.Write(',');
            writer.Write(c.LoyaltyMember ? "true" : "false");
            writer.Write(',');
            writer.Write(c.AgeBand.Name);
            writer.Write(',');
            writer.Write(c.SupportTickets.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(c.Complaints.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            WriteCents(writer, Baskets.Cents(c.ServiceCost));
            writer.Write(',');
            if (c.Satisfaction is { } satisfaction)
            {
                writer.Write(satisfaction.ToString(CultureInfo.InvariantCulture));
            }

            writer.Write('\n');
        }
    }

    /// <summary>Writes the dated service history: one row per customer and day with anything recorded, by customer then day.</summary>
    private static long WriteServiceEvents(string path, SimulatedCustomer[] customers, RetailCalendar calendar)
    {
        using var writer = CreateWriter(path);
        writer.Write(string.Join(',',
            ServiceEventColumns.CustomerId, ServiceEventColumns.EventDate, ServiceEventColumns.SupportTickets,
            ServiceEventColumns.Complaints, ServiceEventColumns.ServiceCost, ServiceEventColumns.Satisfaction));
        writer.Write('\n');
        var dates = new string[calendar.Days];
        long rows = 0;
        foreach (var c in customers)
        {
            foreach (var day in c.ServiceDays)
            {
                writer.Write(c.Id);
                writer.Write(',');
                writer.Write(dates[day.Day] ??= IsoDate(calendar, day.Day));
                writer.Write(',');
                writer.Write(day.Tickets.ToString(CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(day.Complaints.ToString(CultureInfo.InvariantCulture));
                writer.Write(',');
                WriteCents(writer, day.CostCents);
                writer.Write(',');
                if (day.Satisfaction is { } answer)
                {
                    writer.Write(answer.ToString(CultureInfo.InvariantCulture));
                }

                writer.Write('\n');
                rows++;
            }
        }

        return rows;
    }

    /// <summary>Writes order lines and returns sorted by date, order id, line; order ids follow order date.</summary>
    private static (long Lines, long RevenueCents, long ProfitCents) WriteTransactions(
        string path, SimulatedCustomer[] customers, List<OrderRecord> orders, List<LineRecord> lines, RetailCalendar calendar)
    {
        // Order ids in order of date, then customer, then the customer's own sequence (the list order).
        var orderKeys = new long[orders.Count];
        var orderIndex = new int[orders.Count];
        for (var i = 0; i < orders.Count; i++)
        {
            orderKeys[i] = ((long)orders[i].Day << 32) | (uint)i;
            orderIndex[i] = i;
        }

        Array.Sort(orderKeys, orderIndex);
        var orderNumber = new int[orders.Count];
        for (var rank = 0; rank < orderIndex.Length; rank++)
        {
            orderNumber[orderIndex[rank]] = rank + 1;
        }

        // Rows: one per purchase line and one per observed return, keyed (day, order number, line, return flag).
        var rowKeys = new List<long>(lines.Count + lines.Count / 8);
        var rowLines = new List<int>(rowKeys.Capacity);
        for (var o = 0; o < orders.Count; o++)
        {
            var order = orders[o];
            for (var l = 0; l < order.LineCount; l++)
            {
                var lineIndex = order.FirstLine + l;
                rowKeys.Add(RowKey(order.Day, orderNumber[o], l, isReturn: false));
                rowLines.Add(lineIndex);
                if (lines[lineIndex].ReturnDay != SimulatedCustomer.NoDay)
                {
                    rowKeys.Add(RowKey(lines[lineIndex].ReturnDay, orderNumber[o], l, isReturn: true));
                    rowLines.Add(lineIndex);
                }
            }
        }

        var keys = rowKeys.ToArray();
        var rows = rowLines.ToArray();
        Array.Sort(keys, rows);

        var lineOrder = new int[lines.Count];
        for (var o = 0; o < orders.Count; o++)
        {
            for (var l = 0; l < orders[o].LineCount; l++)
            {
                lineOrder[orders[o].FirstLine + l] = o;
            }
        }

        var orderIdWidth = Math.Max(7, Digits(orders.Count));
        var dates = new string[calendar.Days];
        long revenue = 0, profit = 0;
        using var writer = CreateWriter(path);
        writer.Write(string.Join(',',
            TransactionColumns.CustomerId, TransactionColumns.OrderId, TransactionColumns.OrderDate, TransactionColumns.Category,
            TransactionColumns.Quantity, TransactionColumns.Revenue, TransactionColumns.Cost, TransactionColumns.Discount,
            TransactionColumns.Channel));
        writer.Write('\n');
        for (var r = 0; r < keys.Length; r++)
        {
            var line = lines[rows[r]];
            var order = orders[lineOrder[rows[r]]];
            var isReturn = (keys[r] & 1) == 1;
            var day = isReturn ? line.ReturnDay : order.Day;
            var quantity = isReturn ? -line.Quantity : line.Quantity;
            var lineRevenue = isReturn ? -line.RevenueCents : line.RevenueCents;
            var lineCost = isReturn ? -line.ReturnCostCents : line.CostCents;

            // The refund is the net price paid, so a return line carries no discount of its own.
            var discount = isReturn ? 0 : line.DiscountCents;
            revenue += lineRevenue;
            profit += lineRevenue - lineCost;

            writer.Write(customers[order.Customer].Id);
            writer.Write(",O");
            writer.Write(orderNumber[lineOrder[rows[r]]].ToString(CultureInfo.InvariantCulture).PadLeft(orderIdWidth, '0'));
            writer.Write(',');
            writer.Write(dates[day] ??= IsoDate(calendar, day));
            writer.Write(',');
            writer.Write(Retailer.Categories[line.Category].Name);
            writer.Write(',');
            writer.Write(quantity.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            WriteCents(writer, lineRevenue);
            writer.Write(',');
            WriteCents(writer, lineCost);
            writer.Write(',');
            WriteCents(writer, discount);
            writer.Write(',');
            writer.Write(Retailer.SalesChannels[order.Channel].Name);
            writer.Write('\n');
        }

        return (keys.Length, revenue, profit);
    }

    private static void WriteGroundTruth(string path, SimulatedCustomer[] customers, RetailCalendar calendar, int asOf, SampleDataOptions options)
    {
        using var writer = CreateWriter(path);
        writer.Write("customer_id,signed_up_by_as_of,alive_at_as_of,true_churn_probability,true_expected_profit,true_expected_revenue,"
            + "purchase_rate_per_year,dropout_probability,mean_order_value,persona\n");
        foreach (var c in customers)
        {
            var truth = GroundTruth.At(c, calendar, asOf, options.ChurnHorizonDays, options.ValueHorizonDays);
            writer.Write(c.Id);
            writer.Write(truth.SignedUpByAsOf ? ",true" : ",false");
            writer.Write(truth.AliveAtAsOf ? ",true," : ",false,");
            writer.Write(Fixed(truth.ChurnProbability, 6));
            writer.Write(',');
            writer.Write(Fixed(truth.ExpectedProfit, 2));
            writer.Write(',');
            writer.Write(Fixed(truth.ExpectedRevenue, 2));
            writer.Write(',');
            writer.Write(Fixed(c.PurchaseRatePerYear, 4));
            writer.Write(',');
            writer.Write(Fixed(c.DropoutProbability, 4));
            writer.Write(',');
            writer.Write(Fixed(truth.MeanOrderValue, 2));
            writer.Write(',');
            writer.Write(c.Persona.Name);
            writer.Write('\n');
        }
    }

    private static long RowKey(int day, int orderNumber, int line, bool isReturn) =>
        ((long)day << 40) | ((long)orderNumber << 4) | ((long)line << 1) | (isReturn ? 1L : 0L);

    private static StreamWriter CreateWriter(string path) =>
        new(path, append: false, Utf8NoBom, bufferSize: 1 << 16) { NewLine = "\n" };

    private static string IsoDate(RetailCalendar calendar, int day) =>
        calendar.DateAt(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Fixed decimals, invariant culture, and never "-0.00".</summary>
    private static string Fixed(double value, int decimals)
    {
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        return (rounded == 0 ? 0.0 : rounded).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static void WriteCents(StreamWriter writer, long cents)
    {
        if (cents < 0)
        {
            writer.Write('-');
            cents = -cents;
        }

        writer.Write((cents / 100).ToString(CultureInfo.InvariantCulture));
        writer.Write('.');
        var fraction = (int)(cents % 100);
        writer.Write((char)('0' + fraction / 10));
        writer.Write((char)('0' + fraction % 10));
    }

    private static int Digits(int value) => value.ToString(CultureInfo.InvariantCulture).Length;
}
