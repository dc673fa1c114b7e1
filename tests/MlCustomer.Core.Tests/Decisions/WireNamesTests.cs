using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;
using MlCustomer.Training.Decisions;

namespace MlCustomer.Core.Tests.Decisions;

/// <summary>One spelling per value of every closed set, read leniently, written one way.</summary>
public sealed class WireNamesTests
{
    [Fact]
    public void EveryValueHasTheCamelCaseSpellingTheApiUsesAndTiersStayLetters()
    {
        Assert.Equal(["A", "B", "C", "D"], Enum.GetValues<ProfitTier>().Select(WireNames.Of));
        Assert.Equal(["low", "medium", "high"], Enum.GetValues<RiskBand>().Select(WireNames.Of));
        Assert.Equal(["new", "active", "atRisk", "lapsed", "churned"], Enum.GetValues<LifecycleStage>().Select(WireNames.Of));
        Assert.Equal(["sleeping", "worthCultivating", "fastGrowing", "declining", "loyal", "steady", "new", "gone"],
            Enum.GetValues<MovementCategory>().Select(WireNames.Of));
    }

    [Theory]
    [InlineData("atRisk")]
    [InlineData("AtRisk")]
    [InlineData("at-risk")]
    [InlineData("at risk")]
    [InlineData("AT_RISK")]
    public void OldSpellingsStillRead(string text) =>
        Assert.Equal(LifecycleStage.AtRisk, WireNames.Parse<LifecycleStage>(text));

    [Theory]
    [InlineData("2")]
    [InlineData("")]
    [InlineData("risky")]
    public void NumbersAndUnknownWordsAreRefusedWithTheSpellings(string text)
    {
        var error = Assert.Throws<FormatException>(() => WireNames.Parse<LifecycleStage>(text));

        Assert.Contains("new, active, atRisk, lapsed, churned", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheConsoleWritesTheSameSpellingAsTheApi()
    {
        Assert.All(Enum.GetValues<LifecycleStage>(), s => Assert.Equal(WireNames.Of(s), Labels.Of(s)));
        Assert.All(Enum.GetValues<RiskBand>(), b => Assert.Equal(WireNames.Of(b), Labels.Of(b)));
        Assert.All(Enum.GetValues<MovementCategory>(), c => Assert.Equal(WireNames.Of(c), Labels.Of(c)));
        Assert.All(Enum.GetValues<ProfitTier>(), t => Assert.Equal(WireNames.Of(t), Labels.Of(t)));
    }

    [Fact]
    public void ARulesFileWithTheOldEnumNamesReadsAndIsWrittenBackInTheOneSpelling()
    {
        var rules = RuleSet.FromJson("""
            {
              "falseBigCustomer": { "orProfitTiers": ["c", "D"] },
              "actionMatrix": [
                { "action": "let-go", "lossMaking": true },
                { "action": "vip-retention", "tiers": ["A"], "riskBands": ["High", "medium"], "stages": ["AtRisk", "at-risk", "Lapsed"] },
                { "action": "automated-nurture" }
              ]
            }
            """);

        Assert.Equal([LifecycleStage.AtRisk, LifecycleStage.AtRisk, LifecycleStage.Lapsed], rules.ActionMatrix[1].Stages);
        var json = rules.ToJson();
        Assert.Contains("\"atRisk\"", json, StringComparison.Ordinal);
        Assert.Contains("\"high\"", json, StringComparison.Ordinal);
        Assert.Contains("\"C\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"AtRisk\"", json, StringComparison.Ordinal);
        Assert.Equal("tier A, risk high or medium, stage atRisk or atRisk or lapsed", rules.ActionMatrix[1].Describe());
    }

    [Fact]
    public void AnUnknownStageInARulesFileNamesThePropertyAndTheSpellings()
    {
        var error = Assert.Throws<RuleSetException>(() => RuleSet.FromJson("""{ "actionMatrix": [{ "action": "let-go", "stages": ["asleep"] }] }"""));

        Assert.Contains("actionMatrix[0].stages[0]", error.Message, StringComparison.Ordinal);
        Assert.Contains("atRisk", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryReasonThatNamesAStageOrBandUsesTheOneSpelling()
    {
        var decision = CustomerDecision.Decide(DecisionSamples.Facts with { RecencyDays = 60, ChurnProbability = 0.62 }, DecisionSamples.Cutoffs, RuleSet.Default);

        Assert.Equal(LifecycleStage.AtRisk, decision.Stage);
        Assert.StartsWith(WireNames.Of(decision.Stage) + ": ", decision.Reasons.Single(r => r.Rule == DecisionRules.Lifecycle).Text, StringComparison.Ordinal);
        Assert.StartsWith($"risk {WireNames.Of(decision.RiskBand)}: ", decision.Reasons.Single(r => r.Rule == DecisionRules.RiskBand).Text, StringComparison.Ordinal);
        Assert.StartsWith($"tier {WireNames.Of(decision.Tier)}", decision.Reasons.Single(r => r.Rule == DecisionRules.Tier).Text, StringComparison.Ordinal);
    }
}
