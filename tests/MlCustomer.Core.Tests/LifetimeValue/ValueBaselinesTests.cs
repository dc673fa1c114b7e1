using System.Globalization;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

public sealed class ValueBaselinesTests
{
    private static readonly DateOnly AsOf = new(2024, 6, 30);

    private static Transaction Line(string customer, string order, string date, double revenue, double cost) =>
        new(customer, order, DateOnly.Parse(date, CultureInfo.InvariantCulture), "Books", revenue < 0 ? -1 : 1, revenue, cost, 0, "web");

    /// <summary>Four customers whose histories are worked out by hand in the tests below.</summary>
    private static CustomerDataSet HandExample() => new(
        [
            // A: purchase days 2024-03-01 (two lines, one order), 2024-05-01, 2024-06-15; a return on 2024-05-10,
            // a zero-revenue line on 2024-06-01, and a purchase after the as-of date that must be ignored.
            Line("A", "O1", "2024-03-01", 100, 80),
            Line("A", "O1", "2024-03-01", 50, 30),
            Line("A", "O2", "2024-05-01", 200, 150),
            Line("A", "O2", "2024-05-10", -50, -40),
            Line("A", "O3", "2024-06-01", 0, 5),
            Line("A", "O4", "2024-06-15", 40, 10),
            Line("A", "O5", "2024-07-10", 999, 1),
            // B: one purchase on the as-of date itself.
            Line("B", "O6", "2024-06-30", 20, 15),
            // C: only a return before the as-of date: never a purchase.
            Line("C", "O7", "2024-02-01", -30, -20),
            // D: buys only after the as-of date.
            Line("D", "O8", "2024-07-02", 10, 5),
        ],
        null,
        [],
        false,
        new LoadReport());

    [Fact]
    public void PurchaseHistoriesCountRepeatPurchaseDaysAndMeasureTimesInDaysFromTheFirstPurchase()
    {
        var histories = ValueBaselines.PurchaseHistories(HandExample(), AsOf);

        // A: purchase days 03-01, 05-01, 06-15 → x = 2; tₓ = 06-15 − 03-01 = 106 days; T = 06-30 − 03-01 = 121 days.
        var a = histories["A"];
        Assert.Equal(new RepeatPurchaseHistory(2, 106, 121), a.Purchases);
        // Net gross profit to the as-of date: 20 + 20 + 50 − 10 (return) − 5 (zero-revenue line) + 30 = 105,
        // over 3 purchase days = 35 per purchase; Transactions is x, as Gamma-Gamma expects.
        Assert.Equal(2, a.ProfitPerPurchase.Transactions);
        Assert.Equal(35, a.ProfitPerPurchase.AverageValue, 1e-9);

        // B: one purchase on the as-of date: x = 0, tₓ = 0, T = 0.
        Assert.Equal(new RepeatPurchaseHistory(0, 0, 0), histories["B"].Purchases);
        Assert.Equal(5, histories["B"].ProfitPerPurchase.AverageValue, 1e-9);
    }

    [Fact]
    public void CustomersWithoutAPurchaseByTheAsOfDateHaveNoHistoryAndThePredictionZero()
    {
        var histories = ValueBaselines.PurchaseHistories(HandExample(), AsOf);

        Assert.Equal(["A", "B"], histories.Keys.Order(StringComparer.Ordinal));
        var baseline = BgNbdBaseline.Fit(SimulatedHistories());
        Assert.Equal(0, baseline.Predict(histories.GetValueOrDefault("C"), 365));
    }

    [Fact]
    public void TheBgNbdBaselinePredictsMoreForAFrequentRecentBuyerThanForALapsedOne()
    {
        var baseline = BgNbdBaseline.Fit(SimulatedHistories());
        var frequentRecent = new ValueHistory(new RepeatPurchaseHistory(10, 300, 310), new TransactionValueHistory(10, 40));
        var lapsed = new ValueHistory(new RepeatPurchaseHistory(2, 30, 310), new TransactionValueHistory(2, 40));

        var high = baseline.Predict(frequentRecent, 365);
        var low = baseline.Predict(lapsed, 365);

        Assert.True(double.IsFinite(high) && double.IsFinite(low));
        Assert.True(high > low && low > 0, $"frequent and recent {high}, lapsed {low}");
        Assert.StartsWith("BG/NBD r=", baseline.ToString(), StringComparison.Ordinal);
        Assert.Contains("Gamma-Gamma p=", baseline.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunRateIsGrossProfitPerDayOfTenureTimesTheHorizon()
    {
        // 730 days of tenure, 500 gross profit (the 50 of cost-to-serve in ProfitTotal is not subtracted):
        // 500 / 730 per day × 365 days = 250.
        var features = Features(tenureDays: 730, grossProfit: 500, profit: 450);

        Assert.Equal(250, ValueBaselines.RunRate(features, 365), 1e-9);
    }

    [Fact]
    public void RunRateOfACustomerFirstSeenOnTheAsOfDateIsZero()
    {
        Assert.Equal(0, ValueBaselines.RunRate(Features(tenureDays: 0, grossProfit: 30, profit: 30), 365));
    }

    [Fact]
    public void RunRateOfALossMakingCustomerIsNegative()
    {
        Assert.Equal(-36.5, ValueBaselines.RunRate(Features(tenureDays: 100, grossProfit: -10, profit: -10), 365), 1e-9);
    }

    // Histories drawn from a known BG/NBD process (days) with positive profits, enough for a stable fit.
    private static List<ValueHistory> SimulatedHistories()
    {
        var random = new Random(11);
        return LifetimeValueSimulation.BgNbdCustomers(random, 3_000, 0.7, 30, 0.7, 10, 100, 700)
            .Select(p => new ValueHistory(p, new TransactionValueHistory(p.RepeatPurchases, 20 + (40 * random.NextDouble()))))
            .ToList();
    }

    private static CustomerFeatures Features(double tenureDays, double grossProfit, double profit) => new()
    {
        CustomerId = "X",
        RecencyDays = 10,
        PurchaseDays = 3,
        OrderCount = 3,
        RevenueTotal = 1_000,
        AverageOrderValue = 333,
        GrossProfitTotal = grossProfit,
        ProfitTotal = profit,
        MarginRate = grossProfit / 1_000,
        RevenueLast365Days = 1_000,
        ProfitLast365Days = profit,
        GrossProfitLast365Days = grossProfit,
        CostToServeLast365Days = grossProfit - profit,
        TenureDays = tenureDays,
        MeanDaysBetweenPurchases = 100,
        SdDaysBetweenPurchases = 10,
        RevenueLast90Days = 0,
        RevenuePrior90Days = 0,
        RevenueTrend = 0,
        CategoriesBought = 1,
        ReturnRate = 0,
        DiscountShare = 0,
        SupportTickets = 0,
        Complaints = 0,
        Satisfaction = 4,
        ServiceCost = grossProfit - profit,
        MainChannel = "web",
        Attributes = [],
    };
}
