using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Tests.Decisions;

/// <summary>A steady, profitable customer and hand-set cut-offs that the decision tests vary one fact at a time.</summary>
internal static class DecisionSamples
{
    /// <summary>A ≥ 1,000, B ≥ 300, C ≥ 15; big from revenue 3,120.</summary>
    public static TierCutoffs Cutoffs { get; } = new()
    {
        Mode = TierMode.Percentile,
        SharesPercent = new TierShares(),
        ProfitCutoffA = 1_000,
        ProfitCutoffB = 300,
        ProfitCutoffC = 15,
        RevenueTopPercent = 20,
        RevenueCutoffTop = 3_120,
        Counts = new TierCounts(2, 3, 3, 2),
    };

    /// <summary>Tier B, active (10 days since the last purchase, buys every 30 days), low risk, a customer for 400 days.</summary>
    public static CustomerFacts Facts { get; } = new()
    {
        CustomerId = "C1",
        GrossProfitLast365Days = 500,
        CostToServeLast365Days = 0,
        RevenueLast365Days = 2_000,
        MarginRate = 0.35,
        RecencyDays = 10,
        MeanDaysBetweenPurchases = 30,
        TenureDays = 400,
        PurchaseDays = 12,
        ChurnProbability = 0.1,
        PredictedGrossProfit = 450,
        HorizonDays = 365,
    };

    public static CustomerDecision Decide(CustomerFacts facts, RuleSet? rules = null) =>
        CustomerDecision.Decide(facts, Cutoffs, rules ?? RuleSet.Default);

    public static string ReasonOf(CustomerDecision decision, string rule) => decision.Reasons.Single(r => r.Rule == rule).Text;

    /// <summary>A decision with just what movement, Pareto and target lists read.</summary>
    public static CustomerDecision Decision(
        string id,
        ProfitTier tier = ProfitTier.B,
        double churnProbability = 0.5,
        double predictedProfit = 500,
        double offerCost = 20,
        bool paidOffer = true,
        double profit = 500,
        double revenue = 2_000,
        LifecycleStage stage = LifecycleStage.Active,
        ProfitTier? predictedTier = null,
        bool falseBig = false) => new()
    {
        CustomerId = id,
        ProfitLast365Days = profit,
        GrossProfitLast365Days = profit,
        CostToServeLast365Days = 0,
        RevenueLast365Days = revenue,
        ChurnProbability = churnProbability,
        PredictedProfit = predictedProfit,
        PredictedGrossProfit = predictedProfit,
        ExpectedCostToServe = 0,
        HorizonDays = 365,
        Tier = tier,
        PredictedTier = predictedTier ?? tier,
        LossMaking = profit < 0,
        FalseBigCustomer = falseBig,
        Stage = stage,
        RiskBand = RiskBand.Medium,
        ValueAtRisk = churnProbability * Math.Max(predictedProfit, 0),
        Action = paidOffer ? ActionNames.TargetedDiscount : ActionNames.ReduceCostToServe,
        ActionDescription = paidOffer ? "targeted discount offer" : "no paid offer: reduce cost-to-serve",
        OfferCost = paidOffer ? offerCost : 0,
        PaidOffer = paidOffer,
        Reasons = [],
    };
}
