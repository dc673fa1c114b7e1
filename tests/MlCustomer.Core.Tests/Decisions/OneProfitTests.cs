using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Tests.Decisions;

/// <summary>Both sides of every profit comparison come from the one definition in <see cref="Profit"/>.</summary>
public sealed class OneProfitTests
{
    private static readonly CustomerFacts Served = DecisionSamples.Facts with
    {
        GrossProfitLast365Days = 520,
        CostToServeLast365Days = 40,
        PredictedGrossProfit = 450,
    };

    [Fact]
    public void TrailingAndPredictedProfitAreBothAfterCostToServe()
    {
        var decision = DecisionSamples.Decide(Served);

        Assert.Equal(Profit.Net(520, 40, Served.RevenueLast365Days, RuleSet.Default.CostToServe), decision.ProfitLast365Days);
        Assert.Equal(480, decision.ProfitLast365Days, 9);
        var expectedCost = Profit.ExpectedCostToServe(40, 365, Served.HorizonDays);
        Assert.Equal(40, expectedCost, 9); // a 365-day horizon expects the trailing year's cost again
        Assert.Equal(Profit.Predicted(450, expectedCost, Served.ChurnProbability, RuleSet.Default.CostToServe), decision.PredictedProfit, 9);
        Assert.Equal(410, decision.PredictedProfit, 9);
        Assert.Equal(450, decision.PredictedGrossProfit);
        Assert.Equal(40, decision.ExpectedCostToServe, 9);
        Assert.Equal(Served.ChurnProbability * 410, decision.ValueAtRisk, 9);
        Assert.Contains("gross profit 520.00 − cost-to-serve 40.00", DecisionSamples.ReasonOf(decision, DecisionRules.Tier), StringComparison.Ordinal);
        Assert.Contains("predicted gross profit 450.00 − expected cost-to-serve 40.00", DecisionSamples.ReasonOf(decision, DecisionRules.PredictedTier), StringComparison.Ordinal);
    }

    [Fact]
    public void ACustomerWithNoFuturePurchasesAndACostToServeIsPredictedLossMaking()
    {
        var leaving = Served with { PredictedGrossProfit = 0, ChurnProbability = 0.95 };

        var decision = DecisionSamples.Decide(leaving);

        Assert.True(decision.PredictedProfit < 0);
        Assert.Equal(-40, decision.PredictedProfit, 9);
        Assert.Equal(ProfitTier.D, decision.PredictedTier);
        Assert.Equal(0, decision.ValueAtRisk);
    }

    [Fact]
    public void AShorterHorizonExpectsItsShareOfTheYearsCostToServe()
    {
        var decision = DecisionSamples.Decide(Served with { HorizonDays = 90 });

        Assert.Equal(40 * 90 / 365.0, decision.ExpectedCostToServe, 9);
        Assert.Equal(450 - (40 * 90 / 365.0), decision.PredictedProfit, 9);
    }

    [Fact]
    public void ChargingOnlyBuyersAppliesTheSameRuleOnBothSides()
    {
        var onlyBuyers = RuleSet.Default with { CostToServe = new CostToServeRule { ChargeWithoutPurchase = false } };
        var cutoffs = DecisionSamples.Cutoffs with { CostToServe = onlyBuyers.CostToServe };
        var silent = Served with { GrossProfitLast365Days = 0, RevenueLast365Days = 0, ChurnProbability = 0.75 };

        var decision = CustomerDecision.Decide(silent, cutoffs, onlyBuyers);

        Assert.Equal(0, decision.ProfitLast365Days); // no revenue in the window: no cost-to-serve charged
        Assert.False(decision.LossMaking);
        Assert.Contains("not charged without a purchase", DecisionSamples.ReasonOf(decision, DecisionRules.Tier), StringComparison.Ordinal);
        Assert.Equal(450 - (40 * 0.25), decision.PredictedProfit, 9); // charged × the chance of buying, 1 − 0.75
        Assert.Equal(40, CustomerDecision.Decide(Served, cutoffs, onlyBuyers).CostToServeLast365Days);
        Assert.Equal(480, CustomerDecision.Decide(Served, cutoffs, onlyBuyers).ProfitLast365Days, 9);
    }

    [Fact]
    public void CutOffsLearnedWithAnotherCostToServeRuleAreRefused()
    {
        var onlyBuyers = RuleSet.Default with { CostToServe = new CostToServeRule { ChargeWithoutPurchase = false } };

        var error = Assert.Throws<InvalidOperationException>(() => CustomerDecision.Decide(Served, DecisionSamples.Cutoffs, onlyBuyers));

        Assert.Contains("cost-to-serve", error.Message, StringComparison.Ordinal);
        Assert.Contains("retrain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRulesFileReadsAndWritesTheCostToServeRule()
    {
        var rules = RuleSet.FromJson("""{ "costToServe": { "chargeWithoutPurchase": false } }""");

        Assert.False(rules.CostToServe.ChargeWithoutPurchase);
        Assert.False(RuleSet.FromJson(rules.ToJson()).CostToServe.ChargeWithoutPurchase);
        Assert.True(RuleSet.Default.CostToServe.ChargeWithoutPurchase);
        Assert.Contains(RuleSet.Default.Describe(), line => line.StartsWith("cost-to-serve: charged to every customer", StringComparison.Ordinal));
    }

    [Fact]
    public void TrailingCostToServeIsTheWindowsShareOfTheTotal()
    {
        Assert.Equal(100, Profit.TrailingCostToServe(100, tenureDays: 200));
        Assert.Equal(50, Profit.TrailingCostToServe(100, tenureDays: 730), 9);
        Assert.Equal(0, Profit.TrailingCostToServe(double.NaN, tenureDays: 730));
    }
}

/// <summary>The one offer rule: the list's reasons quote the cost used, and its threshold is <see cref="OfferEconomics"/>'s.</summary>
public sealed class OneOfferRuleTests
{
    [Fact]
    public void AnOfferCostAskedForIsTheCostEveryReasonOfTheRowQuotes()
    {
        var customer = DecisionSamples.Decide(DecisionSamples.Facts with { ChurnProbability = 0.7 });
        Assert.True(customer.PaidOffer);
        var own = $"offer cost {Show.Amount(customer.OfferCost)}";
        Assert.Contains(own, DecisionSamples.ReasonOf(customer, DecisionRules.Action), StringComparison.Ordinal);
        var asked = customer.OfferCost + 15;

        var list = RetentionTargets.Choose([customer], new TargetOptions { Budget = 1_000, SaveRate = 0.3, OfferCost = asked });

        var target = Assert.Single(list.Targets);
        Assert.Equal(asked, target.OfferCost);
        Assert.Equal(asked, target.Customer.OfferCost);
        Assert.Contains($"offer cost {Show.Amount(asked)}", target.Reason, StringComparison.Ordinal);
        var action = DecisionSamples.ReasonOf(target.Customer, DecisionRules.Action);
        Assert.Contains($"offer cost {Show.Amount(asked)} (asked for this list; the action's own is {Show.Amount(customer.OfferCost)})", action, StringComparison.Ordinal);
        Assert.Contains($"offer cost {Show.Amount(asked)} each", list.Threshold.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void TheListsThresholdIsTheOfferRuleOnTheSameCustomers()
    {
        var customers = Enumerable.Range(0, 40).Select(i => DecisionSamples.Decision(
            $"C{i:00}", churnProbability: (i % 10) / 10.0 + 0.05, predictedProfit: 30 + (17 * i % 300), offerCost: 5 + (i % 3))).ToList();
        var options = new TargetOptions { Budget = 100, SaveRate = 0.3, AsOfDate = new DateOnly(2025, 12, 31) };

        var list = RetentionTargets.Choose(customers, options);
        var direct = OfferEconomics.BestThreshold([.. customers.Select(c => RetentionTargets.Case(c))], 0.3, list.Threshold.Basis);

        Assert.Equal(direct, list.Threshold);
        Assert.Contains("40 customers with a paid offer at 2025-12-31", list.Threshold.Basis, StringComparison.Ordinal);
        Assert.Equal(list.Targets.Sum(t => t.ExpectedSavedProfit), list.ExpectedSavedProfit, 9);
        Assert.All(list.Targets, t => Assert.Equal(OfferEconomics.ExpectedReturn(RetentionTargets.Case(t.Customer), 0.3), t.ExpectedReturn, 9));
    }
}
