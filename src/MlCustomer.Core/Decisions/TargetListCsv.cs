using MlCustomer.Core.Data;

namespace MlCustomer.Core.Decisions;

/// <summary>
/// The retention target list as CSV, one row per chosen customer: what the console's <c>targets</c> writes and what
/// <c>GET /retention/targets</c> answers to <c>Accept: text/csv</c>, from this one place.
/// </summary>
public static class TargetListCsv
{
    /// <summary>The columns, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "rank", "customer_id", "segment_name", "current_tier", "predicted_tier", "risk_band", "lifecycle_stage",
        "churn_probability", "profit_last_365_days", "predicted_profit", "value_at_risk", "recommended_action", "offer_cost",
        "expected_saved_profit", "expected_return", "break_even_probability", "cumulative_spend", "reason", "rule_reasons",
        "predicted_gross_profit", "gross_profit_p10", "gross_profit_p50", "gross_profit_p90", .. Scoring.PurchaseOutlook.CsvColumns(),
    ];

    /// <summary>Writes the header and every target, highest expected return first.</summary>
    /// <param name="writer">Where to.</param>
    /// <param name="list">The list.</param>
    /// <param name="grossProfitIntervalOf">A target's 80% gross profit interval (asked after the target is read); null or
    /// a null answer leaves the three interval cells empty, and an interval without the two-part outlook (one-part value
    /// models, runs stored before it was kept) the purchase probability and gross profit if buying.</param>
    public static void Write(TextWriter writer, RetentionTargetList list, Func<string, LifetimeValue.ValueInterval?>? grossProfitIntervalOf = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(list);
        foreach (var line in Lines(list, grossProfitIntervalOf))
        {
            writer.Write(line);
        }
    }

    /// <summary>The header and one line per target, each ending in a line feed: for a writer that streams them asynchronously.</summary>
    /// <param name="list">The list.</param>
    /// <param name="grossProfitIntervalOf">As in <see cref="Write"/>.</param>
    public static IEnumerable<string> Lines(RetentionTargetList list, Func<string, LifetimeValue.ValueInterval?>? grossProfitIntervalOf = null)
    {
        ArgumentNullException.ThrowIfNull(list);
        yield return string.Join(',', Columns) + "\n";
        foreach (var row in Rows(list, grossProfitIntervalOf))
        {
            yield return string.Join(',', row.Select(c => c.ToCsv())) + "\n";
        }
    }

    /// <summary>
    /// One row of cells per target under <see cref="Columns"/>, highest expected return first: the one place the export's rows
    /// are built, written as CSV by <see cref="Lines"/> and as a workbook by the workspace (numbers stay numbers there).
    /// </summary>
    /// <param name="list">The list.</param>
    /// <param name="grossProfitIntervalOf">As in <see cref="Write"/>.</param>
    public static IEnumerable<ExportCell[]> Rows(RetentionTargetList list, Func<string, LifetimeValue.ValueInterval?>? grossProfitIntervalOf = null)
    {
        ArgumentNullException.ThrowIfNull(list);
        var spend = 0.0;
        for (var i = 0; i < list.Targets.Count; i++)
        {
            var target = list.Targets[i];
            var d = target.Customer;
            var interval = grossProfitIntervalOf?.Invoke(d.CustomerId);
            spend += target.OfferCost;
            yield return
            [
                ExportCell.Of(i + 1, 0),
                ExportCell.Of(d.CustomerId),
                ExportCell.Of(d.Segment ?? ""),
                ExportCell.Of(WireNames.Of(d.Tier)),
                ExportCell.Of(WireNames.Of(d.PredictedTier)),
                ExportCell.Of(WireNames.Of(d.RiskBand)),
                ExportCell.Of(WireNames.Of(d.Stage)),
                ExportCell.Of(d.ChurnProbability),
                ExportCell.Of(d.ProfitLast365Days, 2),
                ExportCell.Of(d.PredictedProfit, 2),
                ExportCell.Of(d.ValueAtRisk, 2),
                ExportCell.Of(d.Action),
                ExportCell.Of(target.OfferCost, 2),
                ExportCell.Of(target.ExpectedSavedProfit, 2),
                ExportCell.Of(target.ExpectedReturn, 2),
                ExportCell.Of(target.BreakEvenProbability),
                ExportCell.Of(spend, 2),
                ExportCell.Of(target.Reason),
                ExportCell.Of(string.Join(DecisionCsv.ReasonSeparator, d.Reasons.Select(r => r.Text))),
                ExportCell.Of(d.PredictedGrossProfit, 2),
                ExportCell.Of(interval?.P10, 2),
                ExportCell.Of(interval?.P50, 2),
                ExportCell.Of(interval?.P90, 2),
                .. Scoring.PurchaseOutlook.Cells(interval),
            ];
        }
    }
}
