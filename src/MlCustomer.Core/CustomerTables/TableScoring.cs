using System.Security.Cryptography;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Core.CustomerTables;

/// <summary>What a table bundle says about one row of a table.</summary>
/// <param name="CustomerId">The row's id (its number when the table has no id column).</param>
/// <param name="ChurnProbability">Calibrated probability of the table's churn label.</param>
/// <param name="RiskBand">The bundle's risk band of that probability.</param>
/// <param name="ChurnReasons">The features that moved the churn score most.</param>
/// <param name="PredictedValue">The value model's prediction of the value column, when the bundle has one.</param>
/// <param name="ValueReasons">The features that moved the predicted value most.</param>
/// <param name="ValueAtRisk">Churn probability × predicted value (not below 0), when the bundle has a value model.</param>
/// <param name="Warnings">Values training never saw, and how they were scored.</param>
public sealed record TableScore(
    string CustomerId,
    double ChurnProbability,
    RiskBand RiskBand,
    IReadOnlyList<Reason> ChurnReasons,
    double? PredictedValue,
    IReadOnlyList<Reason> ValueReasons,
    double? ValueAtRisk,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The churn explanation's baseline and all-other effect (TreeSHAP); null when the reasons do not add up.</summary>
    public ExplanationTotals? ChurnTotals { get; init; }

    /// <summary>The value explanation's baseline and all-other effect (TreeSHAP); null when the reasons do not add up.</summary>
    public ExplanationTotals? ValueTotals { get; init; }

    /// <summary>
    /// The 80% interval (P10, P50, P90) of the value column around <see cref="PredictedValue"/>, from the value model's
    /// calibration on held-out rows; null without a value model or when training had too few rows to calibrate it.
    /// </summary>
    public LifetimeValue.ValueInterval? PredictedValueInterval { get; init; }
}

/// <summary>Scores and evaluates the rows of a customer table with a table bundle: the figures every surface shows.</summary>
public static class TableScoring
{
    /// <summary>Value at risk of a row: churn probability × predicted value, not below 0 (the decisions' rule).</summary>
    public static double ValueAtRisk(double churnProbability, double predictedValue) => churnProbability * Math.Max(0, predictedValue);

    /// <summary>The value at risk of a table bundle's score, or null without a value model (no --value-column).</summary>
    public static double? ValueAtRiskOf(CustomerScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        return score.PredictedGrossProfit is { } value ? ValueAtRisk(score.ChurnProbability, value) : null;
    }

    /// <summary>The scores of encoded rows, in order, with each row's warnings.</summary>
    public static IReadOnlyList<TableScore> Score(BundleScorer scorer, IReadOnlyList<ModelRow> rows, IReadOnlyList<IReadOnlyList<string>> warnings, int reasons)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(warnings);
        var bands = scorer.Bundle.Rules.RiskBands;
        return scorer.Score(rows, reasons).Select((s, i) => Of(s, bands, warnings[i])).ToList();
    }

    /// <summary>One score as a table row's result.</summary>
    public static TableScore Of(CustomerScore score, RiskBandRules bands, IReadOnlyList<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(bands);
        return new TableScore(
            score.CustomerId, score.ChurnProbability, bands.Classify(score.ChurnProbability).Band, score.ChurnReasons,
            score.PredictedGrossProfit, score.ValueReasons,
            ValueAtRiskOf(score),
            warnings)
        {
            ChurnTotals = score.ChurnTotals,
            ValueTotals = score.ValueTotals,
            PredictedValueInterval = score.GrossProfitInterval,
        };
    }

    /// <summary>
    /// Measures a table bundle on a labelled table. On the training file itself (same SHA-256, or an export holding most
    /// of the held-out ids) only the held-out rows count, as the card's metrics did; on any other file every row counts.
    /// </summary>
    /// <exception cref="ArgumentException">The training file of a bundle that held nobody out (<c>--holdout 0</c>).</exception>
    public static BundleEvaluation Evaluate(MLContext ml, ModelBundle bundle, string path)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(path);
        var card = bundle.Card;
        var encoder = new TableRowEncoder(card);
        var table = TableFile.Read(path, encoder, labelsRequired: true);
        var (basis, rows, description, excluded) = Select(card, path, table);
        // ML.NET's own path, as training measured the card's metrics (BundleEvaluator does the same).
        var scores = new BundleScorer(ml, bundle, compile: false).Score(rows.Select(i => table.Rows[i]).ToList(), reasons: 0);
        var scored = rows.Select((r, k) => new EvaluatedCustomer(
            table.Rows[r].CustomerId, scores[k].ChurnProbability, table.Labels![r], scores[k].PredictedGrossProfit, table.Values?[r])).ToList();
        var churn = BinaryMetrics.Compute(scored.Select(s => s.ChurnProbability).ToArray(), scored.Select(s => s.Churned == true).ToArray());
        var notComputed = new List<string>(table.Notes);
        RegressionMetricsResult? value = null;
        if (bundle.LifetimeValue is not null && table.Values is not null)
        {
            value = RegressionMetrics.Compute(scored.Select(s => s.PredictedGrossProfit ?? 0).ToArray(), scored.Select(s => s.ActualProfit ?? 0).ToArray());
        }
        else if (bundle.LifetimeValue is not null)
        {
            notComputed.Add($"value not computed: the file has no value column '{card.Table!.ValueColumn}'");
        }

        return new BundleEvaluation(card.Version, null, null, basis, rows.Count, excluded, description, churn, value, notComputed, scored);
    }

    private static (EvaluationBasis Basis, List<int> Rows, string Description, int Excluded) Select(ModelCard card, string path, TableRows table)
    {
        var all = Enumerable.Range(0, table.Rows.Count).ToList();
        var heldOut = card.Split.HeldOut;
        var ids = heldOut?.Verified(card.Version) ?? new HashSet<string>();
        var present = all.Where(i => ids.Contains(table.Rows[i].CustomerId)).ToList();
        var trainingFile = card.Data.Files.Count > 0 && Sha256(path) == card.Data.Files[0].Sha256;
        var reExport = card.Table?.IdColumn is not null && ids.Count > 0 && present.Count * 2 >= ids.Count;
        if (!trainingFile && !reExport)
        {
            return (EvaluationBasis.NewRows, all, $"every row of {Path.GetFileName(path)} ({all.Count:N0}): not the training file, so none was fitted on (rows of training customers would flatter the metrics)", 0);
        }

        if (card.Refit is not null)
        {
            throw new ArgumentException(RefitSummary.NoHeldOut(card.Version,
                $"{Path.GetFileName(path)} holds rows it was fitted on: evaluate it on a new labelled table."));
        }

        if (card.Split.HoldoutCustomers == 0 || present.Count == 0)
        {
            throw new ArgumentException(
                $"{Path.GetFileName(path)} is the table bundle {card.Version} was trained on, and it held no rows out (--holdout 0): the model saw every row, " +
                "so there are no held-out metrics. Evaluate it on a new labelled table.");
        }

        return (EvaluationBasis.HeldOut, present, $"held-out rows only: {present.Count:N0} held out, {all.Count - present.Count:N0} training rows excluded " +
            $"({(trainingFile ? "the training file, same SHA-256" : "most of the held-out ids are in this file")}); held-out list SHA-256 {heldOut!.Sha256[..12]} matches the card",
            all.Count - present.Count);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
