using System.Text;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Scoring;
using MlCustomer.Training.Cli;

namespace MlCustomer.Training.Decisions;

/// <summary>`score --table`: every row of a customer table scored by a table bundle, written as CSV.</summary>
internal static class TableScoreCommand
{
    /// <summary>Warnings printed in full; the rest are counted (every row's are in the CSV).</summary>
    private const int WarningsShown = 5;

    // As POST /scores/csv writes them, so the two files of the same table can be compared cell by cell.
    private const int ProbabilityDecimals = 6;

    public static int Score(string bundleFolder, FileInfo table, FileInfo output, int reasons)
    {
        var ml = new MLContext(seed: TrainingOptions.DefaultSeed);
        var bundle = CliOutput.Step($"Loading bundle {bundleFolder}", _ => ModelBundle.Load(ml, bundleFolder));
        var encoder = new TableRowEncoder(bundle.Card);
        var rows = CliOutput.Step($"Reading {table.Name}", _ => TableFile.Read(table.FullName, encoder, labelsRequired: false));
        foreach (var note in rows.Notes)
        {
            CliOutput.Info($"warning: {note}");
        }

        var scores = CliOutput.Step($"Scoring {rows.Rows.Count:N0} rows", _ => TableScoring.Score(new BundleScorer(ml, bundle), rows.Rows, rows.RowWarnings, reasons));
        output.Directory?.Create();
        using (var writer = new StreamWriter(output.FullName, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            Write(writer, encoder.Encoding, scores, bundle.LifetimeValue is not null, bundle.Card.AmountUnits());
        }

        var warned = scores.Where(s => s.Warnings.Count > 0).ToList();
        foreach (var score in warned.Take(WarningsShown))
        {
            CliOutput.Info($"warning: {score.CustomerId}: {string.Join("; ", score.Warnings)}");
        }

        if (warned.Count > WarningsShown)
        {
            CliOutput.Info($"… {warned.Count - WarningsShown:N0} more rows with warnings (the warnings column of the CSV has them all)");
        }

        var bands = Enum.GetValues<RiskBand>().Select(b => $"{scores.Count(s => s.RiskBand == b):N0} {Labels.Of(b)}");
        CliOutput.Info($"wrote {output.FullName}: {scores.Count:N0} rows scored by {bundle.Card.Version}; risk {string.Join(", ", bands)}" +
            (bundle.LifetimeValue is null ? "" : $"; value at risk {Labels.Money(scores.Sum(s => s.ValueAtRisk ?? 0), bundle.Card.Currency)}"));
        CliOutput.Info($"note: {TableEncoding.NoSegmentsOrTiers}.");
        return 0;
    }

    /// <summary>
    /// The columns: the training file's id column (or "row"), churn probability, risk band, then predicted value, its 80%
    /// interval (P10, P50, P90, as /scores/csv's gross_profit_p10…p90), value at risk, and the two-part value model's purchase
    /// probability and value if buying (empty for a one-part model) when the bundle has a value model, the reasons, and each
    /// row's warnings.
    /// </summary>
    public static void Write(TextWriter writer, TableEncoding encoding, IReadOnlyList<TableScore> scores, bool hasValue, string currency)
    {
        var header = new List<string> { encoding.IdColumn ?? "row", "churn_probability", "risk_band" };
        if (hasValue)
        {
            header.AddRange(["predicted_value", "predicted_value_p10", "predicted_value_p50", "predicted_value_p90", "value_at_risk", .. PurchaseOutlook.CsvColumns("predicted_value")]);
        }

        header.AddRange(["model_reasons", "warnings"]);
        writer.Write(string.Join(',', header.Select(CsvText.Escape)) + "\n");
        foreach (var score in scores)
        {
            var cells = new List<string> { CsvText.Escape(score.CustomerId), CsvText.Number(score.ChurnProbability, ProbabilityDecimals), Labels.Of(score.RiskBand) };
            if (hasValue)
            {
                cells.Add(score.PredictedValue is { } value ? CsvText.Number(value, 2) : "");
                var interval = score.PredictedValueInterval;
                cells.AddRange(interval is null ? ["", "", ""] : [CsvText.Number(interval.P10, 2), CsvText.Number(interval.P50, 2), CsvText.Number(interval.P90, 2)]);
                cells.Add(score.ValueAtRisk is { } atRisk ? CsvText.Number(atRisk, 2) : "");
                // A two-part value model's chance of a value ≠ 0 and the value if so; empty for a one-part one (not available).
                cells.AddRange(PurchaseOutlook.Cells(interval).Select(c => c.ToCsv()));
            }

            // The same sentences as the transactional score and the API (the value column's unit is the table's own).
            var reasons = new List<string>(2);
            if (score.ChurnReasons.Count > 0)
            {
                reasons.Add("churn " + ReasonSentences.Summary(score.ChurnReasons, score.ChurnTotals, churn: true, currency));
            }

            if (score.ValueReasons.Count > 0)
            {
                reasons.Add("value " + ReasonSentences.Summary(score.ValueReasons, score.ValueTotals, churn: false, currency));
            }

            cells.Add(CsvText.Escape(string.Join("; ", reasons)));
            cells.Add(CsvText.Escape(string.Join("; ", score.Warnings)));
            writer.Write(string.Join(',', cells) + "\n");
        }
    }
}
