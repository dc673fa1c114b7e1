using FsCheck;
using FsCheck.Fluent;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Tiers;
using static MlCustomer.Core.Tests.Decisions.DecisionSamples;

namespace MlCustomer.Core.Tests.Decisions;

public sealed class CustomerDecisionTests
{
    [Theory]
    [InlineData(2_000, ProfitTier.A)]
    [InlineData(1_000, ProfitTier.A)]
    [InlineData(999.99, ProfitTier.B)]
    [InlineData(300, ProfitTier.B)]
    [InlineData(15, ProfitTier.C)]
    [InlineData(14.99, ProfitTier.D)]
    [InlineData(-120.40, ProfitTier.D)]
    public void TierComesFromProfitInTheLast365DaysAndTheStoredCutOffs(double profit, ProfitTier expected)
    {
        var decision = Decide(Facts with { GrossProfitLast365Days = profit });

        Assert.Equal(expected, decision.Tier);
        Assert.Equal(profit < 0, decision.LossMaking);
    }

    [Fact]
    public void TierReasonsQuoteProfitCutOffAndShare()
    {
        Assert.Equal(
            "tier D: profit -120.40 in the last 365 days (gross profit -120.40 − cost-to-serve 0.00), below the C cut-off 15.00 (bottom 20%)",
            ReasonOf(Decide(Facts with { GrossProfitLast365Days = -120.40 }), DecisionRules.Tier));
        Assert.Equal(
            "tier B: profit 500.00 in the last 365 days (gross profit 500.00 − cost-to-serve 0.00) ≥ the B cut-off 300.00 (next 30%), below the A cut-off 1,000.00",
            ReasonOf(Decide(Facts), DecisionRules.Tier));
        Assert.Equal(
            "tier A: profit 1,234.50 in the last 365 days (gross profit 1,234.50 − cost-to-serve 0.00) ≥ the A cut-off 1,000.00 (top 20%)",
            ReasonOf(Decide(Facts with { GrossProfitLast365Days = 1_234.5 }), DecisionRules.Tier));
        Assert.Equal(
            "loss-making: profit -120.40 in the last 365 days is below 0",
            ReasonOf(Decide(Facts with { GrossProfitLast365Days = -120.40 }), DecisionRules.LossMaking));
    }

    [Theory]
    [InlineData(365, 450, ProfitTier.B)]
    [InlineData(365, 1_000, ProfitTier.A)]
    [InlineData(180, 500, ProfitTier.A)]     // 500 per 180 days is 1,013.89 per 365 days
    [InlineData(180, 490, ProfitTier.B)]     // 993.61 per 365 days
    [InlineData(730, 1_000, ProfitTier.B)]   // 500 per 365 days
    [InlineData(365, -50, ProfitTier.D)]
    public void PredictedTierAppliesTheCutOffsToPredictedProfitScaledTo365Days(int horizonDays, double predictedProfit, ProfitTier expected)
    {
        var decision = Decide(Facts with { HorizonDays = horizonDays, PredictedGrossProfit = predictedProfit });

        Assert.Equal(expected, decision.PredictedTier);
    }

    [Fact]
    public void PredictedTierReasonSaysHowTheHorizonWasScaled()
    {
        var decision = Decide(Facts with { HorizonDays = 180, PredictedGrossProfit = 500 });

        Assert.Equal(
            "predicted tier A: predicted profit 500.00 in the next 180 days (1,013.89 per 365 days; predicted gross profit 500.00 − expected cost-to-serve 0.00) ≥ the A cut-off 1,000.00 (top 20%)",
            ReasonOf(decision, DecisionRules.PredictedTier));
    }

    [Theory]
    [InlineData(8_430, 0.031, 2_000, true)]      // big, thin margin
    [InlineData(8_430, 0.35, 100, true)]         // big, tier C
    [InlineData(8_430, 0.35, 10, true)]          // big, tier D
    [InlineData(8_430, 0.35, 2_000, false)]      // big and good
    [InlineData(3_120, 0.05, 2_000, true)]       // exactly at the revenue cut-off counts as big
    [InlineData(3_119.99, 0.05, 2_000, false)]   // just below is not big
    [InlineData(8_430, 0.10, 2_000, false)]      // margin exactly 10% is not below 10%
    [InlineData(8_430, 0.0999, 2_000, true)]
    [InlineData(8_430, double.NaN, 2_000, false)] // unknown margin alone does not flag
    [InlineData(8_430, double.NaN, 10, true)]
    public void FalseBigCustomerIsBigByRevenueButThinByMarginOrLowByTier(double revenue, double margin, double profit, bool expected)
    {
        var decision = Decide(Facts with { RevenueLast365Days = revenue, MarginRate = margin, GrossProfitLast365Days = profit });

        Assert.Equal(expected, decision.FalseBigCustomer);
    }

    [Fact]
    public void FalseBigCustomerReasonQuotesRevenueCutOffAndMargin()
    {
        var decision = Decide(Facts with { RevenueLast365Days = 8_430, MarginRate = 0.031, GrossProfitLast365Days = 2_000 });

        Assert.Equal(
            "false big customer: revenue 8,430.00 in the top 20% (≥ 3,120.00) but gross margin 3.1% < 10%",
            ReasonOf(decision, DecisionRules.FalseBigCustomer));
        Assert.Equal(
            "not a false big customer: revenue 2,000.00 is not in the top 20% (≥ 3,120.00)",
            ReasonOf(Decide(Facts), DecisionRules.FalseBigCustomer));
    }

    public static TheoryData<string, CustomerFacts, LifecycleStage> Stages => new()
    {
        { "young customer", Facts with { TenureDays = 89.9, RecencyDays = 80 }, LifecycleStage.New },
        { "90 days of tenure is no longer new", Facts with { TenureDays = 90 }, LifecycleStage.Active },
        { "new beats a pause that looks long against a tiny rhythm", Facts with { TenureDays = 30, RecencyDays = 25, MeanDaysBetweenPurchases = 1, PurchaseDays = 2 }, LifecycleStage.New },
        { "recency exactly 1.5 × rhythm is still active", Facts with { RecencyDays = 45 }, LifecycleStage.Active },
        { "recency above 1.5 × rhythm is at risk", Facts with { RecencyDays = 46 }, LifecycleStage.AtRisk },
        { "churn probability 0.5 is at risk", Facts with { ChurnProbability = 0.5 }, LifecycleStage.AtRisk },
        { "churn probability 0.49 is active", Facts with { ChurnProbability = 0.49 }, LifecycleStage.Active },
        { "recency exactly 3 × rhythm is at risk, not lapsed", Facts with { RecencyDays = 90 }, LifecycleStage.AtRisk },
        { "recency above 3 × rhythm is lapsed", Facts with { RecencyDays = 91 }, LifecycleStage.Lapsed },
        { "recency 365 days is not churned", Facts with { RecencyDays = 365, MeanDaysBetweenPurchases = 200 }, LifecycleStage.AtRisk },
        { "recency above 365 days is churned", Facts with { RecencyDays = 366, MeanDaysBetweenPurchases = 200 }, LifecycleStage.Churned },
        { "one purchase day: default rhythm 60, 90 days is active", Facts with { PurchaseDays = 1, MeanDaysBetweenPurchases = double.NaN, RecencyDays = 90 }, LifecycleStage.Active },
        { "one purchase day: 91 days is at risk", Facts with { PurchaseDays = 1, MeanDaysBetweenPurchases = double.NaN, RecencyDays = 91 }, LifecycleStage.AtRisk },
        { "one purchase day: 181 days is lapsed", Facts with { PurchaseDays = 1, MeanDaysBetweenPurchases = double.NaN, RecencyDays = 181 }, LifecycleStage.Lapsed },
        { "never bought: recency since signup against the default rhythm", Facts with { PurchaseDays = 0, MeanDaysBetweenPurchases = double.NaN, RecencyDays = 200, TenureDays = 200 }, LifecycleStage.Lapsed },
    };

    [Theory]
    [MemberData(nameof(Stages))]
    public void LifecycleStageComesFromTenureRecencyAgainstTheOwnRhythmAndChurnProbability(string name, CustomerFacts facts, LifecycleStage expected)
    {
        var decision = Decide(facts);

        Assert.True(expected == decision.Stage, $"{name}: expected {expected}, got {decision.Stage} ({ReasonOf(decision, DecisionRules.Lifecycle)})");
    }

    [Fact]
    public void LifecycleReasonsQuoteRecencyAndRhythm()
    {
        Assert.Equal(
            "lapsed: 130 days since the last purchase, more than 3 × their rhythm of 40 days between purchases (120)",
            ReasonOf(Decide(Facts with { RecencyDays = 130, MeanDaysBetweenPurchases = 40 }), DecisionRules.Lifecycle));
        Assert.Equal(
            "atRisk: churn probability 0.62 ≥ 0.50",
            ReasonOf(Decide(Facts with { ChurnProbability = 0.62 }), DecisionRules.Lifecycle));
        Assert.Equal(
            "active: 10 days since the last purchase, within 1.5 × their rhythm of 30 days between purchases (45), churn probability 0.10 < 0.50",
            ReasonOf(Decide(Facts), DecisionRules.Lifecycle));
        Assert.Equal(
            "atRisk: 91 days since the last purchase, more than 1.5 × the default rhythm of 60 days (fewer than 2 purchase days) (90)",
            ReasonOf(Decide(Facts with { PurchaseDays = 1, MeanDaysBetweenPurchases = double.NaN, RecencyDays = 91 }), DecisionRules.Lifecycle));
    }

    [Theory]
    [InlineData(0, RiskBand.Low)]
    [InlineData(0.2999, RiskBand.Low)]
    [InlineData(0.3, RiskBand.Medium)]
    [InlineData(0.5999, RiskBand.Medium)]
    [InlineData(0.6, RiskBand.High)]
    [InlineData(1, RiskBand.High)]
    public void RiskBandsAreLowBelow03MediumBelow06HighFrom06(double churnProbability, RiskBand expected)
    {
        Assert.Equal(expected, Decide(Facts with { ChurnProbability = churnProbability }).RiskBand);
    }

    [Theory]
    [InlineData(0.5, 400, 200)]
    [InlineData(0, 400, 0)]
    [InlineData(0.8, 0, 0)]
    [InlineData(0.8, -40, 0)]
    public void ValueAtRiskIsChurnProbabilityTimesPositivePredictedProfit(double churnProbability, double predictedProfit, double expected)
    {
        var decision = Decide(Facts with { ChurnProbability = churnProbability, PredictedGrossProfit = predictedProfit });

        Assert.Equal(expected, decision.ValueAtRisk, 10);
    }

    [Fact]
    public void NegativePredictedProfitPutsNothingAtRiskAndSaysSo()
    {
        var decision = Decide(Facts with { ChurnProbability = 0.8, PredictedGrossProfit = -40 });

        Assert.Equal(
            "value at risk 0.00: predicted profit -40.00 in the next 365 days is not positive, so there is nothing to lose",
            ReasonOf(decision, DecisionRules.ValueAtRisk));
    }

    public static TheoryData<string, CustomerFacts, string> Actions => new()
    {
        { "healthy A", Facts with { GrossProfitLast365Days = 2_000 }, ActionNames.LoyaltyCare },
        { "A with high churn probability", Facts with { GrossProfitLast365Days = 2_000, ChurnProbability = 0.7 }, ActionNames.VipRetention },
        { "A pausing longer than usual", Facts with { GrossProfitLast365Days = 2_000, RecencyDays = 60 }, ActionNames.VipRetention },
        { "A lapsed", Facts with { GrossProfitLast365Days = 2_000, RecencyDays = 100 }, ActionNames.VipRetention },
        { "B at risk", Facts with { RecencyDays = 60 }, ActionNames.TargetedDiscount },
        { "B with high churn probability", Facts with { ChurnProbability = 0.65 }, ActionNames.TargetedDiscount },
        { "healthy B, medium risk", Facts with { ChurnProbability = 0.35 }, ActionNames.LoyaltyCare },
        { "C at risk", Facts with { GrossProfitLast365Days = 100, RecencyDays = 60 }, ActionNames.AutomatedNurture },
        { "C healthy", Facts with { GrossProfitLast365Days = 100 }, ActionNames.AutomatedNurture },
        { "D", Facts with { GrossProfitLast365Days = 10, ChurnProbability = 0.9 }, ActionNames.ReduceCostToServe },
        { "loss-making", Facts with { GrossProfitLast365Days = -50 }, ActionNames.LetGo },
        { "loss-making new customer", Facts with { GrossProfitLast365Days = -50, TenureDays = 20 }, ActionNames.LetGo },
        { "new", Facts with { TenureDays = 30 }, ActionNames.Onboarding },
        { "new with tier D profit so far", Facts with { TenureDays = 30, GrossProfitLast365Days = 5 }, ActionNames.Onboarding },
        { "false big customer at risk", Facts with { RevenueLast365Days = 8_430, MarginRate = 0.03, GrossProfitLast365Days = 2_000, ChurnProbability = 0.9 }, ActionNames.ReviewTerms },
    };

    [Theory]
    [MemberData(nameof(Actions))]
    public void DefaultActionMatrixFollowsTheBrief(string name, CustomerFacts facts, string expected)
    {
        var decision = Decide(facts);

        Assert.True(expected == decision.Action, $"{name}: expected {expected}, got {decision.Action} ({ReasonOf(decision, DecisionRules.Action)})");
        Assert.Equal(RuleSet.Default.Actions[expected].OfferCost, decision.OfferCost);
    }

    [Fact]
    public void ActionReasonNamesTheRowThatMatched()
    {
        var decision = Decide(Facts with { GrossProfitLast365Days = 2_000, ChurnProbability = 0.7 });

        Assert.Equal(
            "action vip-retention (personal contact + VIP retention offer, offer cost 50.00): rule 5 matched tier A, stage atRisk or lapsed or churned",
            ReasonOf(decision, DecisionRules.Action));
    }

    [Fact]
    public void SegmentRowsApplyOnlyToThatSegment()
    {
        var rules = RuleSet.Default with
        {
            ActionMatrix = [new ActionRule { Segments = ["champions"], Action = ActionNames.VipRetention }, .. RuleSet.Default.ActionMatrix],
        };

        Assert.Equal(ActionNames.VipRetention, Decide(Facts with { Segment = "Champions" }, rules).Action);
        Assert.Equal(ActionNames.LoyaltyCare, Decide(Facts with { Segment = "Bargain hunters" }, rules).Action);
        Assert.Equal(ActionNames.LoyaltyCare, Decide(Facts, rules).Action);
    }

    [Fact]
    public void RulesThatAskForOtherTierSharesThanTheCutOffsAreRefused()
    {
        var rules = RuleSet.Default with { Tiers = new TierRules { SharesPercent = new() { A = 10, B = 40, C = 30, D = 20 } } };

        var error = Assert.Throws<InvalidOperationException>(() => Decide(Facts, rules));

        Assert.Contains("learn the cut-offs again", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    public void ChurnProbabilityOutsideZeroToOneIsAnErrorNamingTheCustomer(double churnProbability)
    {
        var error = Assert.Throws<ArgumentException>(() => Decide(Facts with { ChurnProbability = churnProbability }));

        Assert.Contains("customer C1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FactsFromFeaturesCarryTheTrailingProfitAndRhythm()
    {
        // Built by the feature builder rather than by hand, so the test follows the features as they grow.
        var date = (string d) => DateOnly.Parse(d, System.Globalization.CultureInfo.InvariantCulture);
        List<Transaction> lines =
        [
            new("A", "O1", date("2024-03-01"), "Books", 1, 100, 60, 0, "web"),
            new("A", "O2", date("2024-05-01"), "Books", 1, 200, 150, 0, "web"),
            new("A", "O3", date("2024-06-15"), "Home", 1, 40, 10, 0, "web"),
        ];
        var data = new CustomerDataSet(lines, [new Customer("A", date("2024-01-01"), [], 1, 0, null, 4)], [], false, new LoadReport());
        var features = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = date("2024-06-30"), IncludeLabels = false }).Rows.Single();

        var facts = CustomerFacts.From(features, 0.2, 700, 365, "Loyal");

        Assert.Equal(
            (features.CustomerId, features.GrossProfitLast365Days, features.RevenueLast365Days, features.MarginRate, features.RecencyDays, features.MeanDaysBetweenPurchases, features.TenureDays, features.PurchaseDays),
            (facts.CustomerId, facts.GrossProfitLast365Days, facts.RevenueLast365Days, facts.MarginRate, facts.RecencyDays, facts.MeanDaysBetweenPurchases, facts.TenureDays, facts.PurchaseDays));
        Assert.Equal((0.2, 700.0, 365, "Loyal"), (facts.ChurnProbability, facts.PredictedGrossProfit, facts.HorizonDays, facts.Segment));
        Assert.Equal((15.0, 3.0, 340.0), (facts.RecencyDays, facts.PurchaseDays, facts.RevenueLast365Days));
        Assert.Equal(8, Decide(facts).Reasons.Count);
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property EveryDecisionHasOneNonEmptyReasonPerRuleInOrder()
    {
        var gen =
            from profit in Gen.Choose(-500, 3_000)
            from revenue in Gen.Choose(0, 10_000)
            from marginPermille in Gen.Choose(-200, 800)
            from recency in Gen.Choose(0, 800)
            from rhythm in Gen.Choose(0, 200)
            from tenureExtra in Gen.Choose(0, 800)
            from churnPermille in Gen.Choose(0, 1_000)
            from predicted in Gen.Choose(-500, 3_000)
            from horizon in Gen.Elements(90, 180, 365, 730)
            select Facts with
            {
                GrossProfitLast365Days = profit,
                RevenueLast365Days = revenue,
                MarginRate = revenue > 0 ? marginPermille / 1_000.0 : double.NaN,
                RecencyDays = recency,
                MeanDaysBetweenPurchases = rhythm == 0 ? double.NaN : rhythm,
                PurchaseDays = rhythm == 0 ? 1 : 5,
                TenureDays = recency + tenureExtra,
                ChurnProbability = churnPermille / 1_000.0,
                PredictedGrossProfit = predicted,
                HorizonDays = horizon,
            };
        string[] rules = [DecisionRules.Tier, DecisionRules.PredictedTier, DecisionRules.LossMaking, DecisionRules.FalseBigCustomer, DecisionRules.Lifecycle, DecisionRules.RiskBand, DecisionRules.ValueAtRisk, DecisionRules.Action];
        return Prop.ForAll(gen.ToArbitrary(), facts =>
        {
            var decision = Decide(facts);
            return decision.Reasons.Select(r => r.Rule).SequenceEqual(rules) &&
                decision.Reasons.All(r => r.Text.Length > 10) &&
                decision.ValueAtRisk >= 0 &&
                (decision.PaidOffer || decision.OfferCost == 0);
        });
    }

    [Fact]
    public void WordsWrittenOnFirstReadAgreeWithTheDecisionsNumbersAcrossManyCustomers()
    {
        // A scoring run decides without reading the words; every surface that reads them gets the same outcome in words.
        var random = new Random(7);
        var seen = new HashSet<(ProfitTier, LifecycleStage, RiskBand, bool)>();
        for (var i = 0; i < 5_000; i++)
        {
            var revenue = random.NextDouble() < 0.1 ? 0 : random.NextDouble() * 6_000;
            var facts = DecisionSamples.Facts with
            {
                CustomerId = $"C{i}",
                GrossProfitLast365Days = (random.NextDouble() * 2_600) - 400,
                CostToServeLast365Days = random.NextDouble() * 80,
                RevenueLast365Days = revenue,
                MarginRate = revenue > 0 ? random.NextDouble() * 0.6 : double.NaN,
                RecencyDays = random.NextDouble() * 500,
                MeanDaysBetweenPurchases = random.NextDouble() < 0.2 ? double.NaN : 5 + (random.NextDouble() * 120),
                TenureDays = random.NextDouble() * 900,
                PurchaseDays = random.Next(0, 40),
                ChurnProbability = random.NextDouble(),
                PredictedGrossProfit = (random.NextDouble() * 2_000) - 300,
                HorizonDays = random.NextDouble() < 0.5 ? 365 : 180,
            };
            var decision = DecisionSamples.Decide(facts);
            seen.Add((decision.Tier, decision.Stage, decision.RiskBand, decision.FalseBigCustomer));
            Assert.StartsWith($"tier {decision.Tier}", DecisionSamples.ReasonOf(decision, DecisionRules.Tier), StringComparison.Ordinal);
            Assert.StartsWith($"predicted tier {decision.PredictedTier}", DecisionSamples.ReasonOf(decision, DecisionRules.PredictedTier), StringComparison.Ordinal);
            Assert.StartsWith(WireNames.Of(decision.Stage) + ":", DecisionSamples.ReasonOf(decision, DecisionRules.Lifecycle), StringComparison.Ordinal);
            Assert.StartsWith($"risk {WireNames.Of(decision.RiskBand)}:", DecisionSamples.ReasonOf(decision, DecisionRules.RiskBand), StringComparison.Ordinal);
            Assert.StartsWith(decision.FalseBigCustomer ? "false big customer" : "not a false big customer", DecisionSamples.ReasonOf(decision, DecisionRules.FalseBigCustomer), StringComparison.Ordinal);
            Assert.StartsWith($"action {decision.Action} (", DecisionSamples.ReasonOf(decision, DecisionRules.Action), StringComparison.Ordinal);
            Assert.Equal(8, decision.Reasons.Count);
        }

        // The sweep reached every stage and band, both tiers' ends and both false-big outcomes.
        Assert.Equal(5, seen.Select(s => s.Item2).Distinct().Count());
        Assert.Equal(3, seen.Select(s => s.Item3).Distinct().Count());
        Assert.Equal(4, seen.Select(s => s.Item1).Distinct().Count());
        Assert.Equal(2, seen.Select(s => s.Item4).Distinct().Count());
    }
}
