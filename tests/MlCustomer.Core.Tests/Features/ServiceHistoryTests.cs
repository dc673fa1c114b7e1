using System.Globalization;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Tests.Features;

/// <summary>
/// Service features and cost-to-serve are point-in-time: from dated events up to the as-of date, or from the
/// customers file's totals only at the day they were taken (unless the user opts in to the leak).
/// </summary>
public sealed class ServiceHistoryTests
{
    private static readonly DateOnly AsOf = Day("2024-06-30");

    private static readonly FeatureOptions Scoring = new() { AsOfDate = AsOf, IncludeLabels = false };

    private static DateOnly Day(string text) => DateOnly.Parse(text, CultureInfo.InvariantCulture);

    private static Transaction Purchase(string customer, string date, double revenue) =>
        new(customer, "O-" + customer + date, Day(date), "Books", 1, revenue, revenue / 2, 0, "web");

    private static ServiceEvent Event(string customer, string date, double? tickets = 0, double? complaints = 0, double? cost = 0, double? satisfaction = null) =>
        new(customer, Day(date), tickets, complaints, cost, satisfaction);

    private static readonly IReadOnlySet<string> AllMeasures = ServiceEventColumns.Measures.ToHashSet(StringComparer.Ordinal);

    // Customer A buys over two years; the data ends 2024-12-31, half a year after the as-of date.
    private static CustomerDataSet Data(IReadOnlyList<ServiceEvent>? events, double? snapshotCost = 400, IReadOnlySet<string>? measures = null) =>
        new(
            [Purchase("A", "2023-01-10", 300), Purchase("A", "2024-05-01", 200), Purchase("B", "2024-06-01", 100), Purchase("A", "2024-12-31", 50)],
            [new Customer("A", Day("2023-01-01"), [], 9, 3, snapshotCost, 2), new Customer("B", Day("2024-05-01"), [], null, null, null, null)],
            [], false, new LoadReport())
        {
            ServiceEvents = events,
            ServiceEventMeasures = events is null ? new HashSet<string>() : measures ?? AllMeasures,
        };

    private static readonly ServiceEvent[] History =
    [
        Event("A", "2023-03-01", tickets: 2, cost: 40, satisfaction: 4),
        Event("A", "2023-08-01", tickets: 1, complaints: 1, cost: 60),
        Event("A", "2024-02-01", tickets: 1, cost: 25, satisfaction: 3),
        Event("A", "2024-06-30", cost: 2),
        // After the as-of date: never a feature, never a cost at it.
        Event("A", "2024-07-01", tickets: 5, complaints: 2, cost: 273, satisfaction: 1),
    ];

    private static CustomerFeatures Row(FeatureTable table, string id) => table.Rows.Single(r => r.CustomerId == id);

    [Fact]
    public void EventsUpToTheAsOfDateMakeTheFeaturesAndTheTrailingCostIsTheWindowsExactSum()
    {
        var table = FeatureBuilder.Build(Data(History), Scoring);
        var a = Row(table, "A");

        Assert.Equal(4, a.SupportTickets);                 // 2 + 1 + 1; the 5 of 07-01 come after
        Assert.Equal(1, a.Complaints);
        Assert.Equal(127, a.ServiceCost, 9);               // 40 + 60 + 25 + 2
        Assert.Equal(3, a.Satisfaction);                   // the latest answer on or before the as-of date
        Assert.Equal(87, a.CostToServeLast365Days, 9);     // (2023-07-01, 2024-06-30]: 60 + 25 + 2, not 127 × 365 / 546
        Assert.Equal(100 - 87, a.ProfitLast365Days, 9);    // gross profit of the 2024-05-01 purchase − cost-to-serve
        Assert.Equal(500 - 250 - 127, a.ProfitTotal, 9);
        Assert.Contains("dated service events", table.Report.ServiceHistory);
        Assert.Contains(table.Report.Notes, n => n.Contains("totals are not used", StringComparison.Ordinal));
        Assert.Empty(table.Report.Leaks);
    }

    [Fact]
    public void ACustomerWithoutEventsHasNoneOfTheMeasuresTheFileHasAndAnUnknownSatisfaction()
    {
        var b = Row(FeatureBuilder.Build(Data(History), Scoring), "B");

        Assert.Equal((0.0, 0.0, 0.0, 0.0), (b.SupportTickets, b.Complaints, b.ServiceCost, b.CostToServeLast365Days));
        Assert.True(double.IsNaN(b.Satisfaction));
    }

    [Fact]
    public void AMeasureTheEventsFileLacksIsUnknownNotZero()
    {
        var measures = new HashSet<string>(StringComparer.Ordinal) { ServiceEventColumns.SupportTickets };
        var events = History.Select(e => e with { Complaints = null, ServiceCost = null, Satisfaction = null }).ToList();
        var a = Row(FeatureBuilder.Build(Data(events, measures: measures), Scoring), "A");

        Assert.Equal(4, a.SupportTickets);
        Assert.True(double.IsNaN(a.Complaints));
        Assert.True(double.IsNaN(a.ServiceCost));
        Assert.Equal(0, a.CostToServeLast365Days);         // unknown cost is not charged
    }

    [Fact]
    public void TheCustomersFileTotalsAreLeftOutBeforeTheDayTheyWereTaken()
    {
        var table = FeatureBuilder.Build(Data(events: null), Scoring);
        var a = Row(table, "A");

        Assert.True(double.IsNaN(a.SupportTickets) && double.IsNaN(a.Complaints) && double.IsNaN(a.ServiceCost) && double.IsNaN(a.Satisfaction));
        Assert.Equal(0, a.CostToServeLast365Days);
        Assert.Equal(100, a.ProfitLast365Days, 9);
        Assert.Contains("not used", table.Report.ServiceHistory);
        Assert.Contains("2024-12-31", table.Report.ServiceHistory);
        Assert.Contains("--snapshot-attributes", table.Report.ServiceHistory);
        Assert.Empty(table.Report.Leaks);
    }

    [Fact]
    public void TheCustomersFileTotalsAreUsedAtTheDayTheyWereTaken()
    {
        var table = FeatureBuilder.Build(Data(events: null), Scoring with { AsOfDate = Day("2024-12-31") });
        var a = Row(table, "A");

        Assert.Equal((9.0, 3.0, 400.0, 2.0), (a.SupportTickets, a.Complaints, a.ServiceCost, a.Satisfaction));
        Assert.Equal(Profit.TrailingCostToServe(400, a.TenureDays), a.CostToServeLast365Days, 9);
        Assert.Empty(table.Report.Leaks);
    }

    [Fact]
    public void OptingInUsesTheTotalsEarlierAndTheReportNamesTheLeak()
    {
        var table = FeatureBuilder.Build(Data(events: null), Scoring with { SnapshotAttributesBeforeExport = true });
        var a = Row(table, "A");

        Assert.Equal(9, a.SupportTickets);
        Assert.Equal(400, a.ServiceCost);
        var leak = Assert.Single(table.Report.Leaks);
        Assert.Contains("2024-12-31", leak);
        Assert.Contains("after the as-of date 2024-06-30", leak);
        Assert.Contains("LEAK", table.Report.ToText());
    }

    [Fact]
    public void AnExportDateFromTheMappingMovesTheDayTheTotalsAreValid()
    {
        var data = Data(events: null) with { CustomersExportDate = AsOf };

        var a = Row(FeatureBuilder.Build(data, Scoring), "A");

        Assert.Equal(400, a.ServiceCost);
    }

    [Fact]
    public void TrailingCostToServeFromEventsCountsOnlyTheWindow()
    {
        ServiceEvent[] events =
        [
            Event("A", "2023-07-01", cost: 1000),  // the window is (2023-07-01, 2024-06-30], 365 days: its start is outside
            Event("A", "2023-07-02", cost: 10),
            Event("A", "2024-06-30", cost: 5, satisfaction: 4),
            Event("A", "2024-07-01", cost: 1000),
            Event("A", "2024-01-01", tickets: 1, cost: null),
        ];

        Assert.Equal(15, Profit.TrailingCostToServe(events, AsOf));
        Assert.Equal(5, Profit.TrailingCostToServe(events, AsOf, windowDays: 30));
    }
}
