using System.Globalization;
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
        "predicted_gross_profit", "gross_profit_p10", "gross_profit_p50", "gross_profit_p90",
    ];

    /// <summary>Writes the header and every target, highest expected return first.</summary>
    /// <param name="writer">Where to.</param>
    /// <param name="list">The list.</param>
    /// <param name="grossProfitIntervalOf">A target's 80% gross profit interval (asked after the target is read); null or
    /// a null answer leaves the three interval cells empty.</param>
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
        var spend = 0.0;
        for (var i = 0; i < list.Targets.Count; i++)
        {
            var target = list.Targets[i];
            var d = target.Customer;
            var interval = grossProfitIntervalOf?.Invoke(d.CustomerId);
            spend += target.OfferCost;
            string[] cells =
            [
                (i + 1).ToString(CultureInfo.InvariantCulture),
                CsvText.Escape(d.CustomerId),
                CsvText.Escape(d.Segment ?? ""),
                WireNames.Of(d.Tier),
                WireNames.Of(d.PredictedTier),
                WireNames.Of(d.RiskBand),
                WireNames.Of(d.Stage),
                CsvText.Number(d.ChurnProbability),
                CsvText.Number(d.ProfitLast365Days, 2),
                CsvText.Number(d.PredictedProfit, 2),
                CsvText.Number(d.ValueAtRisk, 2),
                CsvText.Escape(d.Action),
                CsvText.Number(target.OfferCost, 2),
                CsvText.Number(target.ExpectedSavedProfit, 2),
                CsvText.Number(target.ExpectedReturn, 2),
                CsvText.Number(target.BreakEvenProbability),
                CsvText.Number(spend, 2),
                CsvText.Escape(target.Reason),
                DecisionCsv.RuleReasons(d),
                CsvText.Number(d.PredictedGrossProfit, 2),
                interval is null ? "" : CsvText.Number(interval.P10, 2),
                interval is null ? "" : CsvText.Number(interval.P50, 2),
                interval is null ? "" : CsvText.Number(interval.P90, 2),
            ];
            yield return string.Join(',', cells) + "\n";
        }
    }
}
