using MlCustomer.Core.Data;
using MlCustomer.Core.Features;

namespace MlCustomer.Core.Tests.Features;

public sealed class FeatureBuilderTests
{
    private static readonly DateOnly AsOf = new(2024, 6, 30);

    private static readonly FeatureOptions Options = new() { AsOfDate = AsOf, ChurnHorizonDays = 30, ValueHorizonDays = 60 };

    private static Transaction Line(string customer, string order, string date, string category, double revenue, double cost, double discount = 0, string channel = "web") =>
        new(customer, order, DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), category, revenue < 0 ? -1 : 1, revenue, cost, discount, channel);

    private static Customer Person(string id, string? signup, string region, double? serviceCost = null) =>
        new(id, signup is null ? null : DateOnly.Parse(signup, System.Globalization.CultureInfo.InvariantCulture), [region], 1, 0, serviceCost, 4);

    /// <summary>The hand-computed example of the issue: numbers below are worked out in the comments.</summary>
    private static CustomerDataSet HandExample(IEnumerable<Transaction>? extra = null)
    {
        List<Transaction> lines =
        [
            Line("A", "O1", "2024-03-01", "Books", 100, 80, discount: 10),
            Line("A", "O1", "2024-03-01", "Toys", 50, 30),
            Line("A", "O2", "2024-05-01", "Books", 200, 150, channel: "store"),
            Line("A", "O2", "2024-05-10", "Books", -50, -40, channel: "store"),
            Line("A", "O3", "2024-06-15", "Home", 40, 10),
            Line("A", "O4", "2024-07-10", "Home", 60, 20),
            Line("A", "O5", "2024-08-20", "Toys", 30, 10),
            Line("A", "O6", "2024-12-01", "Toys", 999, 1),
            Line("B", "O7", "2024-06-30", "Books", 20, 15),
            Line("C", "O8", "2024-02-01", "Toys", -30, -20),
            Line("E", "O9", "2024-07-06", "Toys", 10, 5),
        ];
        lines.AddRange(extra ?? []);
        List<Customer> customers =
        [
            Person("A", "2024-01-01", "North", serviceCost: 15),
            Person("B", null, "South"),
            Person("C", "2024-01-15", "North"),
            Person("D", "2024-01-10", "East"),
            Person("E", "2024-07-05", "West"),
        ];
        // The customers file of this example was exported at the as-of date, so its service totals are point-in-time.
        return new CustomerDataSet(lines, customers, ["region"], false, new LoadReport()) { CustomersExportDate = AsOf };
    }

    private static CustomerFeatures Row(FeatureTable table, string id) => table.Rows.Single(r => r.CustomerId == id);

    [Fact]
    public void FeaturesMatchTheHandComputedExample()
    {
        var a = Row(FeatureBuilder.Build(HandExample(), Options), "A");

        Assert.Equal(15, a.RecencyDays);                 // 06-30 − 06-15
        Assert.Equal(3, a.PurchaseDays);                 // 03-01, 05-01, 06-15; the return day does not count
        Assert.Equal(3, a.OrderCount);
        Assert.Equal(340, a.RevenueTotal, 6);            // 100 + 50 + 200 − 50 + 40
        Assert.Equal(130, a.AverageOrderValue, 6);       // purchases 390 over 3 orders
        Assert.Equal(110, a.GrossProfitTotal, 6);        // 20 + 20 + 50 − 10 + 30
        Assert.Equal(95, a.ProfitTotal, 6);              // minus service cost 15
        Assert.Equal(110.0 / 340, a.MarginRate, 6);
        Assert.Equal(340, a.RevenueLast365Days, 6);
        Assert.Equal(95, a.ProfitLast365Days, 6);        // tenure 181 days < 365: the whole service cost
        Assert.Equal(181, a.TenureDays);                 // 2024-01-01 → 2024-06-30 (leap year)
        Assert.Equal(121, a.DaysSinceFirstPurchase);     // 2024-03-01 → 2024-06-30
        Assert.Equal(3 * 365.0 / 121, a.PurchaseDaysPerYear, 6);
        Assert.Equal(15.0 / 121, a.RecencyShareOfAge, 6);
        Assert.Equal(110.0 / 3, a.GrossProfitPerPurchaseDay, 6);
        Assert.Equal(53, a.MeanDaysBetweenPurchases, 6); // gaps 61 and 45
        Assert.Equal(Math.Sqrt(128), a.SdDaysBetweenPurchases, 6);
        Assert.Equal(240, a.RevenueLast90Days, 6);       // after 04-01: 200 + 40
        Assert.Equal(150, a.RevenuePrior90Days, 6);      // 03-01: 100 + 50
        Assert.Equal(90.0 / 390, a.RevenueTrend, 6);
        Assert.Equal(3, a.CategoriesBought);
        Assert.Equal(50.0 / 390, a.ReturnRate, 6);
        Assert.Equal(10.0 / 400, a.DiscountShare, 6);
        Assert.Equal(15, a.ServiceCost);
        Assert.Equal(4, a.Satisfaction);
        Assert.Equal("store", a.MainChannel);            // store 200 > web 190
        Assert.Equal(["North"], a.Attributes);
        Assert.False(a.Churned);                         // bought on 07-10, inside the 30-day horizon
        Assert.Equal(60, a.ProfitInHorizon!.Value, 6);   // 07-10 and 08-20; 12-01 is past the 60-day window
        Assert.Equal(90, a.RevenueInHorizon!.Value, 6);
    }

    [Fact]
    public void ACustomerWithOnePurchaseHasNoGapStatisticsAndZeroTenureOnTheDay()
    {
        var b = Row(FeatureBuilder.Build(HandExample(), Options), "B");

        Assert.Equal(0, b.RecencyDays);
        Assert.Equal(1, b.PurchaseDays);
        Assert.Equal(0, b.TenureDays);
        Assert.Equal(0, b.DaysSinceFirstPurchase);
        Assert.Equal(365.0 / 30, b.PurchaseDaysPerYear, 6); // a new buyer's rate is counted over at least 30 days
        Assert.Equal(0, b.RecencyShareOfAge);
        Assert.Equal(5, b.GrossProfitPerPurchaseDay, 6);
        Assert.True(double.IsNaN(b.MeanDaysBetweenPurchases));
        Assert.True(double.IsNaN(b.SdDaysBetweenPurchases));
        Assert.True(double.IsNaN(b.ServiceCost));
        Assert.Equal(0, b.ProfitTotal - b.GrossProfitTotal); // unknown service cost counts as none
        Assert.True(b.Churned);
    }

    [Fact]
    public void ACustomerWithOnlyReturnsHasNoPurchasesAndAFullReturnRate()
    {
        var c = Row(FeatureBuilder.Build(HandExample(), Options), "C");

        Assert.Equal(0, c.PurchaseDays);
        Assert.Equal(167, c.RecencyDays); // no purchase: days since signup
        Assert.Equal(167, c.TenureDays);
        Assert.Equal(-30, c.RevenueTotal);
        Assert.Equal(-10, c.GrossProfitTotal);
        Assert.Equal(1, c.ReturnRate);
        Assert.True(double.IsNaN(c.DaysSinceFirstPurchase));
        Assert.Equal(0, c.PurchaseDaysPerYear);
        Assert.True(double.IsNaN(c.RecencyShareOfAge));
        Assert.Equal(0, c.GrossProfitPerPurchaseDay);
        Assert.Equal(0, c.AverageOrderValue);
        Assert.True(double.IsNaN(c.MarginRate));
        Assert.Equal(FeatureColumns.NoValue, c.MainChannel);
        Assert.True(c.Churned);
    }

    [Fact]
    public void ACustomerWithNoPurchasesBeforeTheAsOfDateIsKeptWithZeroActivity()
    {
        var d = Row(FeatureBuilder.Build(HandExample(), Options), "D");

        Assert.Equal(0, d.PurchaseDays);
        Assert.Equal(172, d.RecencyDays);
        Assert.Equal(0, d.RevenueTotal);
        Assert.Equal(0, d.RevenueTrend);
        Assert.Equal(0, d.ReturnRate);
        Assert.True(d.Churned);
        Assert.Equal(0, d.ProfitInHorizon);
    }

    [Fact]
    public void ACustomerWhoSignedUpAfterTheAsOfDateIsLeftOutAndCounted()
    {
        var table = FeatureBuilder.Build(HandExample(), Options);

        Assert.DoesNotContain(table.Rows, r => r.CustomerId == "E");
        Assert.Equal(1, table.Report.CustomersExcluded["signed up after the as-of date"]);
        Assert.Equal(1, table.Report.TransactionsNotUsed["customer left out of the table"]);
        Assert.Equal(1, table.Report.TransactionsNotUsed["after the label window"]);
        Assert.Equal(4, table.Report.CustomersWithFeatures);
    }

    [Fact]
    public void WithoutACustomersFileACustomerWhoseFirstOrderIsAfterTheAsOfDateIsLeftOut()
    {
        var data = HandExample() with { Customers = null, AttributeNames = [] };

        var table = FeatureBuilder.Build(data, Options);

        Assert.Equal(["A", "B", "C"], table.Rows.Select(r => r.CustomerId));
        Assert.Equal(1, table.Report.CustomersExcluded["first order after the as-of date and no signup date"]);
        Assert.Equal(121, table.Rows[0].TenureDays); // no signup date: tenure starts at the first order, 2024-03-01
    }

    [Fact]
    public void NothingAfterTheAsOfDateLeaksIntoTheFeatures()
    {
        var before = FeatureBuilder.Build(HandExample(), Options);
        var random = new Random(7);
        var future = Enumerable.Range(0, 200).Select(i => Line(
            customer: new[] { "A", "B", "C", "D" }[random.Next(4)],
            order: $"F{i}",
            date: AsOf.AddDays(1 + random.Next(400)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            category: $"New{random.Next(5)}",
            revenue: random.Next(-500, 5000),
            cost: random.Next(0, 100),
            discount: random.Next(0, 50),
            channel: "phone"));

        var after = FeatureBuilder.Build(HandExample(future), Options);

        foreach (var (x, y) in before.Rows.Zip(after.Rows))
        {
            Assert.Equal(
                FeatureColumns.Numeric.Select(n => n.Value(x)),
                FeatureColumns.Numeric.Select(n => n.Value(y)));
            Assert.Equal(x.MainChannel, y.MainChannel);
        }
    }

    [Fact]
    public void WithoutLabelsOrderLinesAfterTheAsOfDateAreCountedAsNotUsed()
    {
        var table = FeatureBuilder.Build(HandExample(), Options with { IncludeLabels = false });

        Assert.False(table.HasLabels);
        Assert.Null(table.Rows[0].Churned);
        Assert.Equal(3, table.Report.TransactionsNotUsed["after the as-of date (no labels requested)"]);
    }

    [Fact]
    public void AnAsOfDateWhoseHorizonRunsPastTheDataIsRefusedWithTheLatestUsableDate()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            FeatureBuilder.Build(HandExample(), Options with { AsOfDate = new DateOnly(2024, 11, 1) }));

        Assert.Contains("2024-10-02", error.Message, StringComparison.Ordinal); // 2024-12-01 − 60 days
        Assert.Contains("incomplete", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAsOfDateBeforeAllHistoryIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            FeatureBuilder.Build(HandExample(), Options with { AsOfDate = new DateOnly(2023, 1, 1) }));

        Assert.Contains("before the first order date", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAttributeNamedLikeAFeatureIsRefused()
    {
        var data = HandExample() with { AttributeNames = ["recency_days"] };

        var error = Assert.Throws<ArgumentException>(() => FeatureBuilder.Build(data, Options));

        Assert.Contains("'recency_days'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultAsOfDateLeavesTheLongerHorizonAfterIt()
    {
        Assert.Equal(new DateOnly(2024, 6, 4), FeatureBuilder.DefaultAsOfDate(HandExample(), 30, 180));
    }

    [Fact]
    public void CsvHasOneLinePerCustomerWithEmptyCellsForMissingValues()
    {
        var table = FeatureBuilder.Build(HandExample(), Options);
        using var writer = new StringWriter();

        FeatureTableExport.WriteCsv(table, writer);

        var lines = writer.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        var header = lines[0].Split(',');
        Assert.Equal("customer_id", header[0]);
        Assert.Contains("region", header);
        Assert.Equal("label_revenue_in_horizon", header[^1]);
        var b = lines.Single(l => l.StartsWith("B,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(header.Length, b.Length);
        Assert.Equal("", b[Array.IndexOf(header, "mean_days_between_purchases")]);
        Assert.Equal("1", b[Array.IndexOf(header, "label_churned")]);
    }

    [Fact]
    public void TheDataFrameViewHasTheSameColumnsAndRowsAsTheCsv()
    {
        var table = FeatureBuilder.Build(HandExample(), Options);

        var frame = FeatureTableExport.ToDataFrame(table);

        Assert.Equal(FeatureTableExport.Header(table), frame.Columns.Select(c => c.Name));
        Assert.Equal(4, frame.Rows.Count);
        Assert.Equal(15f, frame["recency_days"][0]);
    }
}
