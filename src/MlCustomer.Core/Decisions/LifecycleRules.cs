using System.Globalization;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Decisions;

/// <summary>Where a customer is in the lifecycle: acquisition → active → at risk → lapsed → churned.</summary>
public enum LifecycleStage
{
    /// <summary>A customer for less than <see cref="LifecycleRules.NewTenureDaysBelow"/> days: being onboarded.</summary>
    New,

    /// <summary>Buying in their usual rhythm, churn probability below the at-risk level.</summary>
    Active,

    /// <summary>A pause longer than usual for them, or a high churn probability: act now.</summary>
    AtRisk,

    /// <summary>A pause several times their usual rhythm.</summary>
    Lapsed,

    /// <summary>No purchase for longer than <see cref="LifecycleRules.ChurnedRecencyDaysAbove"/> days.</summary>
    Churned,
}

/// <summary>
/// The lifecycle rule. The yardstick is the customer's own rhythm (mean days between purchase days; a default
/// for customers with fewer than two purchase days), because 60 days without a purchase is alarming for a
/// weekly buyer and normal for a twice-a-year one. Checked in this order, first match wins:
/// <list type="number">
/// <item>new: tenure &lt; <see cref="NewTenureDaysBelow"/> days (before the recency checks: a customer with
/// two purchases a day apart would otherwise look lapsed after a week);</item>
/// <item>churned: recency &gt; <see cref="ChurnedRecencyDaysAbove"/> days;</item>
/// <item>lapsed: recency &gt; <see cref="LapsedRhythmMultiple"/> × rhythm;</item>
/// <item>at risk: recency &gt; <see cref="AtRiskRhythmMultiple"/> × rhythm, or churn probability ≥ <see cref="AtRiskChurnProbability"/>;</item>
/// <item>otherwise active.</item>
/// </list>
/// </summary>
public sealed record LifecycleRules
{
    /// <summary>Customers with tenure below this many days are new (default 90).</summary>
    public double NewTenureDaysBelow { get; init; } = 90;

    /// <summary>The rhythm assumed for customers with fewer than two purchase days (default 60 days).</summary>
    public double DefaultRhythmDays { get; init; } = 60;

    /// <summary>At risk when recency exceeds this multiple of the rhythm (default 1.5).</summary>
    public double AtRiskRhythmMultiple { get; init; } = 1.5;

    /// <summary>At risk when the churn probability is at least this (default 0.5).</summary>
    public double AtRiskChurnProbability { get; init; } = 0.5;

    /// <summary>Lapsed when recency exceeds this multiple of the rhythm (default 3).</summary>
    public double LapsedRhythmMultiple { get; init; } = 3;

    /// <summary>Churned when recency exceeds this many days (default 365).</summary>
    public double ChurnedRecencyDaysAbove { get; init; } = 365;

    /// <summary>The rule in words.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"new if tenure < {NewTenureDaysBelow:0.##} days; churned if recency > {ChurnedRecencyDaysAbove:0.##} days; lapsed if recency > {LapsedRhythmMultiple:0.##} × rhythm; atRisk if recency > {AtRiskRhythmMultiple:0.##} × rhythm or churn probability ≥ {AtRiskChurnProbability:0.##}; otherwise active (rhythm = mean days between purchases, {DefaultRhythmDays:0.##} days with fewer than 2 purchase days)");

    /// <summary>The stage of one customer, with the reason (the stage is <see cref="StageOf"/>'s).</summary>
    public (LifecycleStage Stage, string Reason) Classify(CustomerFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var stage = StageOf(facts);
        var recency = facts.RecencyDays;
        var recencyText = $"{Show.Days(recency)} days since the last purchase";
        if (stage == LifecycleStage.New)
        {
            return (stage, $"new: a customer for {Show.Days(facts.TenureDays)} days, under {Show.Days(NewTenureDaysBelow)}");
        }

        if (stage == LifecycleStage.Churned)
        {
            return (stage, $"churned: {recencyText}, more than {Show.Days(ChurnedRecencyDaysAbove)}");
        }

        var rhythm = RhythmDays(facts);
        var rhythmText = UsesOwnRhythm(facts)
            ? $"their rhythm of {Show.Days(rhythm)} days between purchases"
            : $"the default rhythm of {Show.Days(DefaultRhythmDays)} days (fewer than 2 purchase days)";
        if (stage == LifecycleStage.Lapsed)
        {
            return (stage, $"lapsed: {recencyText}, more than {Show.Multiple(LapsedRhythmMultiple)} × {rhythmText} ({Show.Days(LapsedRhythmMultiple * rhythm)})");
        }

        var atRiskAfter = AtRiskRhythmMultiple * rhythm;
        var late = recency > atRiskAfter;
        var likely = facts.ChurnProbability >= AtRiskChurnProbability;
        var lateText = $"{recencyText}, more than {Show.Multiple(AtRiskRhythmMultiple)} × {rhythmText} ({Show.Days(atRiskAfter)})";
        var likelyText = $"churn probability {Show.Probability(facts.ChurnProbability)} ≥ {Show.Probability(AtRiskChurnProbability)}";
        return (late, likely) switch
        {
            (true, true) => (stage, $"atRisk: {lateText}, and {likelyText}"),
            (true, false) => (stage, $"atRisk: {lateText}"),
            (false, true) => (stage, $"atRisk: {likelyText}"),
            _ => (stage, $"active: {recencyText}, within {Show.Multiple(AtRiskRhythmMultiple)} × {rhythmText} ({Show.Days(atRiskAfter)}), churn probability {Show.Probability(facts.ChurnProbability)} < {Show.Probability(AtRiskChurnProbability)}"),
        };
    }

    /// <summary>The stage of one customer without the words: what a scoring run decides on (millions of customers), and what <see cref="Classify"/> explains.</summary>
    public LifecycleStage StageOf(CustomerFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var recency = facts.RecencyDays;
        if (facts.TenureDays < NewTenureDaysBelow)
        {
            return LifecycleStage.New;
        }

        if (recency > ChurnedRecencyDaysAbove)
        {
            return LifecycleStage.Churned;
        }

        var rhythm = RhythmDays(facts);
        if (recency > LapsedRhythmMultiple * rhythm)
        {
            return LifecycleStage.Lapsed;
        }

        return recency > AtRiskRhythmMultiple * rhythm || facts.ChurnProbability >= AtRiskChurnProbability ? LifecycleStage.AtRisk : LifecycleStage.Active;
    }

    private static bool UsesOwnRhythm(CustomerFacts facts) =>
        facts.PurchaseDays >= 2 && double.IsFinite(facts.MeanDaysBetweenPurchases) && facts.MeanDaysBetweenPurchases > 0;

    private double RhythmDays(CustomerFacts facts) => UsesOwnRhythm(facts) ? facts.MeanDaysBetweenPurchases : DefaultRhythmDays;

    internal void Validate(string path, List<RuleProblem> problems)
    {
        NonNegative(NewTenureDaysBelow, $"{path}.newTenureDaysBelow", problems);
        Positive(DefaultRhythmDays, $"{path}.defaultRhythmDays", problems);
        Positive(AtRiskRhythmMultiple, $"{path}.atRiskRhythmMultiple", problems);
        Positive(LapsedRhythmMultiple, $"{path}.lapsedRhythmMultiple", problems);
        Positive(ChurnedRecencyDaysAbove, $"{path}.churnedRecencyDaysAbove", problems);
        if (!(AtRiskChurnProbability is >= 0 and <= 1))
        {
            problems.Add(new($"{path}.atRiskChurnProbability", $"must be a probability between 0 and 1, not {RuleProblem.Show(AtRiskChurnProbability)}"));
        }

        if (double.IsFinite(AtRiskRhythmMultiple) && double.IsFinite(LapsedRhythmMultiple) && LapsedRhythmMultiple <= AtRiskRhythmMultiple)
        {
            problems.Add(new($"{path}.lapsedRhythmMultiple", $"must be above atRiskRhythmMultiple ({RuleProblem.Show(AtRiskRhythmMultiple)}), not {RuleProblem.Show(LapsedRhythmMultiple)}"));
        }
    }

    private static void Positive(double value, string path, List<RuleProblem> problems)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            problems.Add(new(path, $"must be a number above 0, not {RuleProblem.Show(value)}"));
        }
    }

    private static void NonNegative(double value, string path, List<RuleProblem> problems)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            problems.Add(new(path, $"must be a number ≥ 0, not {RuleProblem.Show(value)}"));
        }
    }
}
