using System.Globalization;
using Microsoft.ML;
using MlCustomer.Core.Data;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Features;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Core.Bundle;

/// <summary>Which customers an evaluation measures on.</summary>
public enum EvaluationBasis
{
    /// <summary>
    /// At or before the training as-of date: only the customers the bundle held out, because at that date every
    /// other customer is a row the models were fitted on.
    /// </summary>
    HeldOut,

    /// <summary>After the training as-of date (a backtest): every customer, at a date the models never saw.</summary>
    OutOfTime,

    /// <summary>A customer table other than the training file: every row, none of which the models were fitted on.</summary>
    NewRows,
}

/// <summary>An as-of date with the bundle's horizons and the end of the data, which decides which metrics can be computed.</summary>
/// <param name="AsOfDate">Features use events on or before this day.</param>
/// <param name="ChurnHorizonDays">The bundle's churn horizon.</param>
/// <param name="ValueHorizonDays">The bundle's value horizon.</param>
/// <param name="LastOrderDate">The last order date in the data: outcomes after it are unknown.</param>
public sealed record EvaluationWindow(DateOnly AsOfDate, int ChurnHorizonDays, int ValueHorizonDays, DateOnly LastOrderDate)
{
    /// <summary>The churn horizon ends on or before the last order date, so churn outcomes are known.</summary>
    public bool ChurnFits => AsOfDate.AddDays(ChurnHorizonDays) <= LastOrderDate;

    /// <summary>The value horizon ends on or before the last order date, so value outcomes are known.</summary>
    public bool ValueFits => AsOfDate.AddDays(ValueHorizonDays) <= LastOrderDate;

    /// <summary>Why a metric over <paramref name="horizonDays"/> cannot be computed at this date.</summary>
    public string PastTheData(string model, int horizonDays) =>
        $"{model} not computed: its {horizonDays}-day horizon from {Date(AsOfDate)} ends {Date(AsOfDate.AddDays(horizonDays))}, " +
        $"after the last order date in the data ({Date(LastOrderDate)}); use an as-of date on or before {Date(LastOrderDate.AddDays(-horizonDays))}";

    /// <summary>
    /// Feature options that compute every outcome that fits. The feature builder refuses a label window past the
    /// data, so a horizon that does not fit borrows the one that does; its labels are then not used.
    /// </summary>
    internal FeatureOptions Features => new()
    {
        AsOfDate = AsOfDate,
        ChurnHorizonDays = ChurnFits ? ChurnHorizonDays : ValueHorizonDays,
        ValueHorizonDays = ValueFits ? ValueHorizonDays : ChurnHorizonDays,
        IncludeLabels = true,
        SnapshotAttributesBeforeExport = SnapshotAttributesBeforeExport,
    };

    /// <summary>Features as the bundle was trained: with the customers file's totals before their export date only when it was (<see cref="ModelCard.SnapshotAttributesBeforeExport"/>).</summary>
    public bool SnapshotAttributesBeforeExport { get; init; }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>One evaluated customer: what the bundle predicted and what happened.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">The calibrated churn probability.</param>
/// <param name="Churned">Whether the customer churned in the horizon; null when the horizon runs past the data.</param>
/// <param name="PredictedGrossProfit">The value model's predicted gross profit (its label is gross profit in the horizon); null without a value model.</param>
/// <param name="ActualProfit">The profit in the value horizon; null when the horizon runs past the data.</param>
public sealed record EvaluatedCustomer(string CustomerId, double ChurnProbability, bool? Churned, double? PredictedGrossProfit, double? ActualProfit);

/// <summary>How a saved bundle does on a data set, and on which customers.</summary>
/// <param name="Version">The bundle's version.</param>
/// <param name="AsOfDate">The as-of date the features were computed at; null for a customer table.</param>
/// <param name="TrainingAsOfDate">The bundle's training as-of date; null for a customer table.</param>
/// <param name="Basis">Held-out customers only, or every customer out-of-time.</param>
/// <param name="Customers">Customers measured on.</param>
/// <param name="CustomersExcluded">Customers with features at the as-of date left out because the bundle was fitted on them.</param>
/// <param name="Description">The customers measured on, in words (n held out, n excluded, or out-of-time).</param>
/// <param name="Churn">Churn metrics; null when the churn horizon runs past the data.</param>
/// <param name="Value">Value metrics; null without a value model or when the value horizon runs past the data.</param>
/// <param name="NotComputed">Each metric left out, with why.</param>
/// <param name="Scored">Every customer measured on, in customer id order.</param>
public sealed record BundleEvaluation(
    string Version,
    DateOnly? AsOfDate,
    DateOnly? TrainingAsOfDate,
    EvaluationBasis Basis,
    int Customers,
    int CustomersExcluded,
    string Description,
    BinaryMetricsResult? Churn,
    RegressionMetricsResult? Value,
    IReadOnlyList<string> NotComputed,
    IReadOnlyList<EvaluatedCustomer> Scored);

/// <summary>
/// Re-scores a saved bundle on a data set and measures it against the outcomes observed there: at or before the
/// training as-of date on the held-out customers only, after it on every customer (out-of-time); a metric whose
/// horizon runs past the data is not computed.
/// </summary>
public static class BundleEvaluator
{
    /// <summary>Computes features at the window's as-of date, scores the customers the basis allows and compares with what happened.</summary>
    /// <exception cref="ModelBundleException">The bundle's card does not record its held-out customers, or they do not match their hash.</exception>
    /// <exception cref="ArgumentException">No outcome is known at the as-of date, or no customer is left to measure on.</exception>
    public static BundleEvaluation Evaluate(MLContext ml, ModelBundle bundle, CustomerDataSet data, EvaluationWindow window)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(window);
        var card = bundle.Card;
        var trainedAt = TrainingAsOf(card);
        var notComputed = new List<string>();
        if (!window.ChurnFits)
        {
            notComputed.Add(window.PastTheData("churn", window.ChurnHorizonDays));
        }

        if (bundle.LifetimeValue is not null && !window.ValueFits)
        {
            notComputed.Add(window.PastTheData("value", window.ValueHorizonDays));
        }

        if (!window.ChurnFits && (bundle.LifetimeValue is null || !window.ValueFits))
        {
            throw new ArgumentException($"Nothing to measure at {window.AsOfDate:yyyy-MM-dd}: {string.Join("; ", notComputed)}.");
        }

        var table = FeatureBuilder.Build(data, window.Features);
        var (basis, rows, description) = Select(card, trainedAt, table);
        // ML.NET's own path, as training measured the card's metrics: the compiled one agrees only to 1e-5, and compare must
        // see two bundles with the same value model predict exactly alike whichever of them compiles.
        var scores = new BundleScorer(ml, bundle, compile: false).Score(rows, table.AttributeNames, reasons: 0);
        var hasValue = bundle.LifetimeValue is not null && window.ValueFits;
        var scored = rows.Select((r, i) => new EvaluatedCustomer(
            r.CustomerId,
            scores[i].ChurnProbability,
            window.ChurnFits ? r.Churned == true : null,
            scores[i].PredictedGrossProfit,
            hasValue ? r.ProfitInHorizon ?? 0 : null)).ToList();
        var churn = window.ChurnFits
            ? BinaryMetrics.Compute(scored.Select(s => s.ChurnProbability).ToArray(), scored.Select(s => s.Churned == true).ToArray())
            : null;
        var value = hasValue
            ? RegressionMetrics.Compute(scored.Select(s => s.PredictedGrossProfit ?? 0).ToArray(), scored.Select(s => s.ActualProfit ?? 0).ToArray())
            : null;
        return new BundleEvaluation(
            card.Version, table.AsOfDate, trainedAt, basis, rows.Count, table.Rows.Count - rows.Count,
            description + Overlap(window, trainedAt, card), churn, value, notComputed, scored);
    }

    /// <summary>
    /// The bundle's horizons at an as-of date (default: the data's last order date minus the longer horizon, which on the
    /// training data is the training as-of date).
    /// </summary>
    public static EvaluationWindow WindowFor(ModelCard card, CustomerDataSet data, DateOnly? asOf)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(data);
        TrainingAsOf(card);
        var churn = card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays;
        var value = card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays;
        return new EvaluationWindow(asOf ?? FeatureBuilder.DefaultAsOfDate(data, churn, value), churn, value, data.LastOrderDate)
        {
            SnapshotAttributesBeforeExport = card.SnapshotAttributesBeforeExport,
        };
    }

    private static DateOnly TrainingAsOf(ModelCard card) =>
        card.AsOfDate ?? throw new ArgumentException(
            $"Bundle {card.Version} was trained on a customer table, which has no as-of date to compute features from transactions at; " +
            "its held-out metrics are in its card (compare shows them).");

    private static (EvaluationBasis Basis, List<CustomerFeatures> Rows, string Description) Select(ModelCard card, DateOnly trainedAt, FeatureTable table)
    {
        var asOf = table.AsOfDate;
        if (asOf > trainedAt)
        {
            return (EvaluationBasis.OutOfTime, table.Rows.ToList(),
                $"out-of-time: every customer at {asOf:yyyy-MM-dd} ({table.Rows.Count:N0}), {asOf.DayNumber - trainedAt.DayNumber} days after the training as-of date {trainedAt:yyyy-MM-dd}");
        }

        if (card.Refit is not null)
        {
            throw new ArgumentException(RefitSummary.NoHeldOut(card.Version,
                $"Evaluate it out-of-time with an --as-of after {trainedAt:yyyy-MM-dd}, its training as-of date."));
        }

        var heldOut = card.Split.HeldOut ?? throw new ModelBundleException(
            $"The card of bundle {card.Version} does not record which customers were held out, so at {asOf:yyyy-MM-dd} (on or before its training as-of date " +
            $"{trainedAt:yyyy-MM-dd}) its training customers cannot be left out. Retrain with: {ModelBundle.TrainCommand}, or evaluate out-of-time with an --as-of after {trainedAt:yyyy-MM-dd}");
        var ids = heldOut.Verified(card.Version);
        var rows = table.Rows.Where(r => ids.Contains(r.CustomerId)).ToList();
        if (rows.Count == 0)
        {
            throw new ArgumentException(
                $"None of the {heldOut.Count:N0} customers bundle {card.Version} held out has features at {asOf:yyyy-MM-dd} in this data: nothing to measure on without training customers.");
        }

        var when = asOf == trainedAt ? "the training as-of date" : $"before the training as-of date {trainedAt:yyyy-MM-dd}";
        var missing = heldOut.Count - rows.Count;
        return (EvaluationBasis.HeldOut, rows,
            $"held-out customers only: {rows.Count:N0} held out, {table.Rows.Count - rows.Count:N0} training customers excluded, at {asOf:yyyy-MM-dd} ({when}); " +
            $"held-out list SHA-256 {heldOut.Sha256[..12]} matches the card" +
            (missing > 0 ? $"; {missing:N0} held-out customers have no features at this date" : ""));
    }

    // An outcome window that starts before the training labels' window of the same model ended measures partly what training saw.
    private static string Overlap(EvaluationWindow window, DateOnly trainedAt, ModelCard card)
    {
        if (window.AsOfDate <= trainedAt)
        {
            return "";
        }

        var overlaps = new List<string>();
        if (window.ChurnFits && card.ChurnHorizonDays is { } churn && window.AsOfDate < trainedAt.AddDays(churn))
        {
            overlaps.Add($"churn outcomes overlap the training labels' {churn}-day window by {trainedAt.AddDays(churn).DayNumber - window.AsOfDate.DayNumber} days");
        }

        if (window.ValueFits && card.ValueHorizonDays is { } value && window.AsOfDate < trainedAt.AddDays(value))
        {
            overlaps.Add($"value outcomes overlap the training labels' {value}-day window by {trainedAt.AddDays(value).DayNumber - window.AsOfDate.DayNumber} days");
        }

        return overlaps.Count == 0 ? "" : "; " + string.Join("; ", overlaps);
    }
}
