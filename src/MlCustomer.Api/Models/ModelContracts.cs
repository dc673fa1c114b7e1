using MlCustomer.Core.Bundle;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Api.Models;

/// <summary><c>POST /models/reload</c>: which bundle to load.</summary>
/// <param name="Path">A bundle folder name directly under the bundles root (no path separators); null or absent reloads the configured start bundle.</param>
/// <param name="Force">Load it even when the promotion check finds it worse than the bundle serving, or cannot compare the two (default false).</param>
public sealed record ReloadRequest(string? Path, bool? Force = null);

/// <summary>The outcome of a successful reload or rollback.</summary>
/// <param name="FromVersion">The version that served before.</param>
/// <param name="Model">The model serving now.</param>
public sealed record ReloadResponse(string? FromVersion, ModelInfo Model)
{
    /// <summary>The comparison with the bundle that served before (null when none served, and for a rollback).</summary>
    public PromotionCheck? Promotion { get; init; }
}

/// <summary>How a challenger bundle compared with the one serving, on the same held-out customers.</summary>
/// <param name="Comparable">True when both held out the same customers of the same data, so their held-out metrics compare.</param>
/// <param name="Worse">True when the challenger is worse beyond a metric's tolerance, or the two cannot be compared.</param>
/// <param name="Forced">True when it was loaded anyway (force=true).</param>
/// <param name="Basis">The customers compared on, in words.</param>
/// <param name="Verdict">The decision in one sentence.</param>
/// <param name="Metrics">Each metric: the serving bundle's and the challenger's held-out value, and the tolerance.</param>
public sealed record PromotionCheck(bool Comparable, bool Worse, bool Forced, string Basis, string Verdict, IReadOnlyList<PromotionMetricCheck> Metrics)
{
    /// <summary>The check as served.</summary>
    public static PromotionCheck From(PromotionVerdict verdict, bool forced)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return new PromotionCheck(verdict.Comparable, verdict.Worse, forced, verdict.Basis, verdict.Verdict,
            [.. verdict.Metrics.Select(m => new PromotionMetricCheck(m.Metric, m.Champion, m.Challenger, m.HigherIsBetter, m.Tolerance, m.Worse))]);
    }
}

/// <summary>One metric of a promotion check.</summary>
/// <param name="Metric">e.g. "churn AUC".</param>
/// <param name="Active">The serving bundle's held-out value.</param>
/// <param name="Challenger">The challenger's held-out value.</param>
/// <param name="HigherIsBetter">Direction of the metric.</param>
/// <param name="Tolerance">How far the challenger may fall behind and still count as level.</param>
/// <param name="Worse">True when it is behind by more than the tolerance.</param>
public sealed record PromotionMetricCheck(string Metric, double Active, double Challenger, bool HigherIsBetter, double Tolerance, bool Worse);

/// <summary>The active model bundle, as <c>GET /models</c> describes it.</summary>
/// <param name="Version">Bundle version.</param>
/// <param name="Source">The bundle folder it was loaded from.</param>
/// <param name="CreatedAt">When it was trained.</param>
/// <param name="LoadedAt">When this API loaded it.</param>
/// <param name="InputKind">transactional or customer-table.</param>
/// <param name="AsOfDate">The training as-of date (end of the feature window).</param>
/// <param name="ChurnHorizonDays">Churn label window.</param>
/// <param name="ValueHorizonDays">Value label window.</param>
/// <param name="TrainingCustomers">Customers in the training data.</param>
/// <param name="Churn">Churn model summary.</param>
/// <param name="Value">Lifetime value model summary, when the bundle has one.</param>
/// <param name="Segments">Number of segments, when the bundle has a segmentation.</param>
/// <param name="FeatureContract">Every feature with its training range or categories and missing rule.</param>
/// <param name="UnseenCategoryRule">What happens to a category not seen in training.</param>
/// <param name="Currency">ISO 4217 code of every amount the model predicts or its card reports (profit, revenue, MAE, offer costs), from the training data; null for bundles trained before it was recorded.</param>
public sealed record ModelInfo(
    string Version,
    string Source,
    DateTimeOffset CreatedAt,
    DateTimeOffset LoadedAt,
    string InputKind,
    DateOnly? AsOfDate,
    int? ChurnHorizonDays,
    int? ValueHorizonDays,
    int TrainingCustomers,
    ChurnSummary Churn,
    ValueSummary? Value,
    int? Segments,
    IReadOnlyList<FeatureSpec> FeatureContract,
    string UnseenCategoryRule,
    string? Currency)
{
    /// <summary>
    /// What this bundle cannot give and why: for a bundle trained on a customer table, segments and profit tiers (no order
    /// history to cluster on or to rank customers by profit); null when it gives both.
    /// </summary>
    public NotAvailableInfo? NotAvailable { get; init; }

    /// <summary>Describes a loaded generation.</summary>
    public static ModelInfo From(ModelGeneration generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var card = generation.Card;
        return new ModelInfo(
            card.Version, generation.Source, card.CreatedAt, generation.LoadedAt, card.InputKind, card.AsOfDate,
            card.ChurnHorizonDays, card.ValueHorizonDays, card.Data.Customers,
            ChurnSummary.From(card.Churn),
            card.LifetimeValue is { } value ? ValueSummary.From(value) : null,
            card.Segments?.Profiles.Count,
            card.FeatureContract.Features,
            Core.Modeling.FeatureContract.UnseenCategoryRule,
            card.Currency)
        {
            NotAvailable = card.NotAvailable() is { } missing ? new NotAvailableInfo(missing.Outputs, missing.Reason) : null,
        };
    }
}

/// <summary>Outputs a bundle cannot give.</summary>
/// <param name="Outputs">"segments" and/or "profitTiers".</param>
/// <param name="Reason">Why, in one sentence to show as it is.</param>
public sealed record NotAvailableInfo(IReadOnlyList<string> Outputs, string Reason);

/// <summary>The churn model in numbers, on held-out customers.</summary>
/// <param name="Algorithm">Algorithm.</param>
/// <param name="Auc">ROC AUC.</param>
/// <param name="PrAuc">Average precision.</param>
/// <param name="LogLoss">Log loss.</param>
/// <param name="Brier">Brier score.</param>
/// <param name="BaselineAuc">AUC of the single-feature baseline rule.</param>
/// <param name="Grade">A, B or C.</param>
/// <param name="GradeReason">Why that grade.</param>
/// <param name="OfferThreshold">Churn probability from which a retention offer pays on the held-out customers, if any.</param>
/// <param name="OfferThresholdDescription">The threshold in words with its basis: on which customers, with which churn and offer costs (the same rule GET /retention/targets applies to today's customers with their predicted churn).</param>
public sealed record ChurnSummary(
    string Algorithm, double? Auc, double? PrAuc, double LogLoss, double Brier, double? BaselineAuc, string Grade, string GradeReason, double? OfferThreshold,
    string? OfferThresholdDescription = null)
{
    /// <summary>Summarises a card section.</summary>
    public static ChurnSummary From(ChurnCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return new ChurnSummary(card.Algorithm, card.Holdout.Auc, card.Holdout.PrAuc, card.Holdout.LogLoss, card.Holdout.Brier,
            card.BaselineAuc, card.Grade.Letter.ToString(), card.Grade.Reason, card.OfferThreshold?.ChurnProbability, card.OfferThreshold?.Description)
        {
            MeanEffects = FeatureEffect.From(card.MeanEffects),
        };
    }

    /// <summary>Global importance: mean |TreeSHAP effect| per feature on held-out customers, in probability, largest first; null for bundles without it.</summary>
    public IReadOnlyList<FeatureEffect>? MeanEffects { get; init; }
}

/// <summary>A feature's global importance as the reasons measure it.</summary>
/// <param name="Feature">The feature (a categorical attribute counts once; the value blend's statistical term is one feature).</param>
/// <param name="MeanAbsoluteEffect">Mean |effect| over the held-out customers, in the prediction's unit (probability for churn, currency over the value horizon for value).</param>
public sealed record FeatureEffect(string Feature, double MeanAbsoluteEffect)
{
    /// <summary>The card's mean effects as served; null when the card has none.</summary>
    public static IReadOnlyList<FeatureEffect>? From(IReadOnlyList<Core.Explanations.MeanEffect>? effects) =>
        effects is null ? null : [.. effects.Select(e => new FeatureEffect(e.Feature, e.MeanAbsoluteEffect))];
}

/// <summary>The lifetime value model in numbers, on held-out customers.</summary>
/// <param name="Algorithm">Algorithm.</param>
/// <param name="Target">What is predicted.</param>
/// <param name="NormalizedGini">Normalized Gini.</param>
/// <param name="Mae">Mean absolute error.</param>
/// <param name="Spearman">Spearman rank correlation.</param>
/// <param name="Grade">A, B or C.</param>
/// <param name="GradeReason">Why that grade.</param>
public sealed record ValueSummary(string Algorithm, string Target, double? NormalizedGini, double Mae, double? Spearman, string Grade, string GradeReason)
{
    /// <summary>Summarises a card section.</summary>
    public static ValueSummary From(ValueCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return new ValueSummary(card.Algorithm, card.Target, card.Holdout.NormalizedGini, card.Holdout.Mae, card.Holdout.Spearman,
            card.Grade.Letter.ToString(), card.Grade.Reason)
        {
            MeanEffects = FeatureEffect.From(card.MeanEffects),
        };
    }

    /// <summary>Global importance: mean |TreeSHAP effect| per feature on held-out customers, in currency over the value horizon, largest first; null for bundles without it.</summary>
    public IReadOnlyList<FeatureEffect>? MeanEffects { get; init; }
}

/// <summary>One audited load or reload.</summary>
/// <param name="RequestedBy">API key name, or "startup".</param>
/// <param name="RequestedAt">When.</param>
/// <param name="Source">Bundle folder asked for.</param>
/// <param name="FromVersion">Version before.</param>
/// <param name="ToVersion">Version after, on success.</param>
/// <param name="Outcome">succeeded, forced (loaded although the promotion check found it worse), refused-not-better, or refused.</param>
/// <param name="Detail">Why it was refused, or the promotion check's verdict on a success.</param>
/// <param name="DurationMilliseconds">Time to load, check and warm up.</param>
public sealed record ReloadAuditEntry(
    string RequestedBy, DateTimeOffset RequestedAt, string Source, string? FromVersion, string? ToVersion, string Outcome, string? Detail, long DurationMilliseconds);
