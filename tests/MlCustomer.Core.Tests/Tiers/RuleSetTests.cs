using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tests.Data;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Tests.Tiers;

public sealed class RuleSetTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void DefaultsFollowTheBrief()
    {
        var rules = RuleSet.Default;

        Assert.Empty(rules.Validate());
        Assert.Equal((TierMode.Percentile, 20.0, 30.0, 30.0, 20.0, 365), (rules.Tiers.Mode, rules.Tiers.SharesPercent.A, rules.Tiers.SharesPercent.B, rules.Tiers.SharesPercent.C, rules.Tiers.SharesPercent.D, rules.Tiers.WindowDays));
        Assert.Equal((20.0, 10.0), (rules.FalseBigCustomer.RevenueTopPercent, rules.FalseBigCustomer.MarginPercentBelow));
        Assert.Equal([ProfitTier.C, ProfitTier.D], rules.FalseBigCustomer.OrProfitTiers);
        Assert.Equal((0.3, 0.6), (rules.RiskBands.MediumFrom, rules.RiskBands.HighFrom));
        Assert.Equal((90.0, 60.0, 1.5, 0.5, 3.0, 365.0), (rules.Lifecycle.NewTenureDaysBelow, rules.Lifecycle.DefaultRhythmDays, rules.Lifecycle.AtRiskRhythmMultiple, rules.Lifecycle.AtRiskChurnProbability, rules.Lifecycle.LapsedRhythmMultiple, rules.Lifecycle.ChurnedRecencyDaysAbove));
        Assert.Equal(50, rules.Actions[ActionNames.VipRetention].OfferCost);
        Assert.Equal(20, rules.Actions[ActionNames.TargetedDiscount].OfferCost);
        Assert.Equal(2, rules.Actions[ActionNames.AutomatedNurture].OfferCost);
        Assert.False(rules.Actions[ActionNames.LetGo].PaidOffer);
        Assert.Equal(0.3, rules.SaveRate);
    }

    [Fact]
    public void JsonRoundTripGivesTheSameRules()
    {
        var json = RuleSet.Default.ToJson();

        var back = RuleSet.FromJson(json);

        Assert.Equal(json, back.ToJson());
        Assert.Contains("\"mode\": \"Percentile\"", json, StringComparison.Ordinal);
        Assert.Contains("\"stages\": [", json, StringComparison.Ordinal);
        Assert.Contains("personal contact + VIP retention offer", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangedRulesSurviveTheRoundTrip()
    {
        var rules = RuleSet.Default with
        {
            Tiers = new TierRules { Mode = TierMode.Absolute, Thresholds = new() { A = 1000, B = 250, C = 0 } },
            ActionMatrix = [.. RuleSet.Default.ActionMatrix.Prepend(new ActionRule { Segments = ["Champions"], PredictedTiers = [ProfitTier.A], Action = ActionNames.LoyaltyCare })],
            SaveRate = 0.4,
        };

        var back = RuleSet.FromJson(rules.ToJson());

        Assert.Equal(rules.ToJson(), back.ToJson());
        Assert.Equal(TierMode.Absolute, back.Tiers.Mode);
        Assert.Equal(["Champions"], back.ActionMatrix[0].Segments);
    }

    [Fact]
    public void FileWithCommentsAndOnlySomeSettingsKeepsTheOtherDefaults()
    {
        var path = _files.Write("rules.json", """
            // Our shop: a smaller A tier, a cheaper discount.
            {
              "tiers": { "sharesPercent": { "a": 10, "b": 40, "c": 30, "d": 20 } },
              "riskBands": { "highFrom": 0.7 }, // we only call the really likely leavers
              "saveRate": 0.25,
            }
            """);

        var rules = RuleSet.Load(path);

        Assert.Equal(10, rules.Tiers.SharesPercent.A);
        Assert.Equal((0.3, 0.7), (rules.RiskBands.MediumFrom, rules.RiskBands.HighFrom));
        Assert.Equal(0.25, rules.SaveRate);
        Assert.Equal(RuleSet.Default.Lifecycle, rules.Lifecycle);
        Assert.Equal(RuleSet.Default.Actions.Count, rules.Actions.Count);
    }

    [Fact]
    public void MissingFileIsAnErrorNamingIt()
    {
        var error = Assert.Throws<RuleSetException>(() => RuleSet.Load(_files.PathOf("nope.json")));

        Assert.Equal("nope.json: rules file not found", error.Message);
    }

    public static TheoryData<string, string, string> InvalidRules => new()
    {
        // rules JSON, the JSON path named, a phrase of the problem
        { """{ "tiers": { "sharesPercent": { "a": 20, "b": 30, "c": 30, "d": 10 } } }""", "tiers.sharesPercent", "must sum to 100 (they sum to 90)" },
        { """{ "tiers": { "sharesPercent": { "a": -5, "b": 55, "c": 30, "d": 20 } } }""", "tiers.sharesPercent.a", "between 0 and 100" },
        { """{ "tiers": { "mode": "Absolute" } }""", "tiers.thresholds", "absolute mode needs thresholds" },
        { """{ "tiers": { "mode": "Absolute", "thresholds": { "a": 100, "b": 200, "c": 0 } } }""", "tiers.thresholds", "ordered a > b > c" },
        { """{ "tiers": { "windowDays": 180 } }""", "tiers.windowDays", "must be 365" },
        { """{ "falseBigCustomer": { "revenueTopPercent": 0 } }""", "falseBigCustomer.revenueTopPercent", "above 0" },
        { """{ "riskBands": { "mediumFrom": 0.7, "highFrom": 0.6 } }""", "riskBands", "mediumFrom (0.7) must be below highFrom (0.6)" },
        { """{ "riskBands": { "highFrom": 1.5 } }""", "riskBands.highFrom", "between 0 and 1" },
        { """{ "lifecycle": { "atRiskChurnProbability": -0.1 } }""", "lifecycle.atRiskChurnProbability", "between 0 and 1" },
        { """{ "lifecycle": { "lapsedRhythmMultiple": 1.2 } }""", "lifecycle.lapsedRhythmMultiple", "must be above atRiskRhythmMultiple (1.5)" },
        { """{ "lifecycle": { "defaultRhythmDays": 0 } }""", "lifecycle.defaultRhythmDays", "above 0" },
        { """{ "saveRate": 1.2 }""", "saveRate", "between 0 and 1" },
        { """{ "actionMatrix": [ { "action": "call-them" } ] }""", "actionMatrix[0].action", "'call-them' is not defined in actions" },
        { """{ "actionMatrix": [ { "tiers": [], "action": "let-go" }, { "action": "let-go" } ] }""", "actionMatrix[0].tiers", "an empty list matches nobody" },
        { """{ "actionMatrix": [ { "tiers": ["A"], "action": "let-go" } ] }""", "actionMatrix", "no row matches 720 combination(s), e.g. tier B" },
        { """{ "actionMatrix": [] }""", "actionMatrix", "needs at least one row" },
        { """{ "actions": { "let-go": { "description": "bye", "offerCost": 0 } }, "actionMatrix": [ { "action": "let-go" } ] }""", "actions.let-go.offerCost", "a paid offer must cost more than 0" },
        { """{ "actions": { "gift": { "description": "gift", "offerCost": 5, "paidOffer": false } }, "actionMatrix": [ { "action": "gift" } ] }""", "actions.gift.offerCost", "an action without a paid offer costs 0" },
        { """{ "actions": { "gift": { "description": "gift", "offerCost": -5 } }, "actionMatrix": [ { "action": "gift" } ] }""", "actions.gift.offerCost", "must be a number ≥ 0" },
        { """{ "tiers": { "sharesPercent": { "a": 20, "b": 30, "c": 30, "d": 20, "e": 0 } } }""", "tiers.sharesPercent.e", "unknown property 'e'" },
        { """{ "tier": { } }""", "tier", "unknown property 'tier'" },
        { """{ "tiers": { "mode": "Quantile" } }""", "tiers.mode", "not valid rules" },
        { """{ "tiers": { "mode": 1 } }""", "tiers.mode", "not valid rules" },
        { """{ "tiers": null }""", "tiers", "not valid rules" },
        { """{ "actions": { "gift": { "offerCost": 5 } } }""", "actions.gift", "missing required properties including: 'Description'" },
        { """{ "saveRate": 0.3 """, "", "not valid rules (line 1)" },
    };

    [Theory]
    [MemberData(nameof(InvalidRules))]
    public void InvalidRulesNameThePropertyAndTheProblem(string json, string path, string phrase)
    {
        var error = Assert.Throws<RuleSetException>(() => RuleSet.FromJson(json, "rules.json"));

        Assert.True(error.Problems.Any(p => p.Path == path && p.Problem.Contains(phrase, StringComparison.Ordinal)), error.Message);
        Assert.StartsWith("rules.json: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var error = Assert.Throws<RuleSetException>(() => RuleSet.FromJson("""{ "saveRate": 2, "riskBands": { "highFrom": 2 } }"""));

        Assert.Equal(["riskBands.highFrom", "saveRate"], error.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DescriptionListsEveryRuleAndMatrixRow()
    {
        var lines = RuleSet.Default.Describe();

        Assert.Equal(5 + RuleSet.Default.ActionMatrix.Count, lines.Count);
        Assert.Equal("percentile tiers by profit in the last 365 days: A top 20%, B next 30%, C next 30%, D bottom 20%", lines[0]);
        Assert.Equal("cost-to-serve: charged to every customer, bought in the window or not", lines[1]);
        Assert.Equal("false big customer: revenue in the top 20% but gross margin < 10% or profit tier C/D", lines[2]);
        Assert.Contains(lines, l => l == "action rule 5: tier A, stage atRisk or lapsed or churned → vip-retention (personal contact + VIP retention offer, offer cost 50.00)");
    }
}
