using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Decisions;

/// <summary>The keys of the default actions in <see cref="RuleSet.Actions"/>.</summary>
public static class ActionNames
{
    /// <summary>Personal contact and a VIP retention offer (A at risk).</summary>
    public const string VipRetention = "vip-retention";

    /// <summary>A targeted discount offer (B at risk).</summary>
    public const string TargetedDiscount = "targeted-discount";

    /// <summary>Automated, low-cost nurture (C).</summary>
    public const string AutomatedNurture = "automated-nurture";

    /// <summary>Loyalty care and cross-sell of high-margin categories (healthy A/B).</summary>
    public const string LoyaltyCare = "loyalty-care";

    /// <summary>Onboarding of new customers.</summary>
    public const string Onboarding = "onboarding";

    /// <summary>No paid offer; serve at the lowest cost (D).</summary>
    public const string ReduceCostToServe = "reduce-cost-to-serve";

    /// <summary>No paid offer; review prices and terms (false big customers).</summary>
    public const string ReviewTerms = "review-terms";

    /// <summary>No paid offer; letting an unprofitable customer go is a valid decision (loss-making).</summary>
    public const string LetGo = "let-go";
}

/// <summary>What an action is and what its offer costs.</summary>
public sealed record ActionDefinition
{
    /// <summary>The action in words, as marketing reads it, e.g. "personal contact + VIP retention offer".</summary>
    public required string Description { get; init; }

    /// <summary>Cost of the offer to one customer, in currency units; 0 for actions without a paid offer.</summary>
    public required double OfferCost { get; init; }

    /// <summary>
    /// Whether the action is a paid retention offer. Customers whose action is not one never enter the
    /// retention target list (D, loss-making and false big customers get no paid retention).
    /// </summary>
    public bool PaidOffer { get; init; } = true;
}

/// <summary>
/// One row of the action matrix: conditions (each null = any value) and the action. Rows are tried in order
/// and the first whose conditions all hold decides; <see cref="RuleSet.Validate"/> checks that every
/// combination of tier, predicted tier, risk band, stage and the two flags meets some row.
/// </summary>
public sealed record ActionRule
{
    /// <summary>The key of the action in <see cref="RuleSet.Actions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>Current profit tiers this row applies to.</summary>
    public IReadOnlyList<ProfitTier>? Tiers { get; init; }

    /// <summary>Predicted profit tiers this row applies to.</summary>
    public IReadOnlyList<ProfitTier>? PredictedTiers { get; init; }

    /// <summary>Risk bands this row applies to.</summary>
    public IReadOnlyList<RiskBand>? RiskBands { get; init; }

    /// <summary>Lifecycle stages this row applies to.</summary>
    public IReadOnlyList<LifecycleStage>? Stages { get; init; }

    /// <summary>Only loss-making customers (true) or only profitable ones (false).</summary>
    public bool? LossMaking { get; init; }

    /// <summary>Only false big customers (true) or only others (false).</summary>
    public bool? FalseBigCustomer { get; init; }

    /// <summary>Segment names this row applies to (case-insensitive); customers without a segment never match a row that names segments.</summary>
    public IReadOnlyList<string>? Segments { get; init; }

    /// <summary>The conditions in words, values spelled as <see cref="WireNames"/> does, e.g. "tier A, stage atRisk or lapsed".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (LossMaking is { } loss)
        {
            parts.Add(loss ? "loss-making" : "not loss-making");
        }

        if (FalseBigCustomer is { } falseBig)
        {
            parts.Add(falseBig ? "false big customer" : "not a false big customer");
        }

        Add("tier", Tiers?.Select(WireNames.Of));
        Add("predicted tier", PredictedTiers?.Select(WireNames.Of));
        Add("risk", RiskBands?.Select(WireNames.Of));
        Add("stage", Stages?.Select(WireNames.Of));
        Add("segment", Segments);
        return parts.Count == 0 ? "any customer" : string.Join(", ", parts);

        void Add(string name, IEnumerable<string>? values)
        {
            if (values is not null)
            {
                parts.Add($"{name} {string.Join(" or ", values)}");
            }
        }
    }

    internal bool Matches(in ActionInput input) =>
        (Tiers is null || Tiers.Contains(input.Tier)) &&
        (PredictedTiers is null || PredictedTiers.Contains(input.PredictedTier)) &&
        (RiskBands is null || RiskBands.Contains(input.RiskBand)) &&
        (Stages is null || Stages.Contains(input.Stage)) &&
        (LossMaking is null || LossMaking == input.LossMaking) &&
        (FalseBigCustomer is null || FalseBigCustomer == input.FalseBigCustomer) &&
        (Segments is null || (input.Segment is { } segment && Segments.Contains(segment, StringComparer.OrdinalIgnoreCase)));

    internal void Validate(string path, IReadOnlyDictionary<string, ActionDefinition> actions, List<RuleProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(Action))
        {
            problems.Add(new($"{path}.action", "must name an action"));
        }
        else if (!actions.ContainsKey(Action))
        {
            problems.Add(new($"{path}.action", $"'{Action}' is not defined in actions (defined: {string.Join(", ", actions.Keys)})"));
        }

        Empty("tiers", Tiers);
        Empty("predictedTiers", PredictedTiers);
        Empty("riskBands", RiskBands);
        Empty("stages", Stages);
        Empty("segments", Segments);
        if (Segments is not null && Segments.Any(string.IsNullOrWhiteSpace))
        {
            problems.Add(new($"{path}.segments", "segment names must not be empty"));
        }

        void Empty<T>(string name, IReadOnlyList<T>? values)
        {
            if (values is { Count: 0 })
            {
                problems.Add(new($"{path}.{name}", "an empty list matches nobody; leave the property out to match any value"));
            }
        }
    }
}

/// <summary>What the action matrix looks at for one customer.</summary>
internal readonly record struct ActionInput(
    ProfitTier Tier,
    ProfitTier PredictedTier,
    RiskBand RiskBand,
    LifecycleStage Stage,
    bool LossMaking,
    bool FalseBigCustomer,
    string? Segment);
