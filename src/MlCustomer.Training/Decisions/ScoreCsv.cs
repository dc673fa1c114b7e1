using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Training.Decisions;

/// <summary>The `score` output: one CSV row per customer with the scores, the decisions and their reasons.</summary>
internal static class ScoreCsv
{
    /// <summary>The columns: the scores, then the decision's (<see cref="DecisionCsv"/>), then the model reasons.</summary>
    public static readonly string[] Columns =
    [
        "customer_id", "churn_probability", "risk_band", "segment_id", "segment_name", "predicted_gross_profit",
        "predicted_revenue", "gross_profit_p10", "gross_profit_p50", "gross_profit_p90", "revenue_p10", "revenue_p50", "revenue_p90",
        .. PurchaseOutlook.CsvColumns(), .. DecisionCsv.Columns, "model_reasons",
    ];

    public static void WriteHeader(TextWriter writer) => writer.Write(string.Join(',', Columns) + "\n");

    public static void WriteRow(TextWriter writer, ScoredCustomer customer, string currency)
    {
        var (score, decision) = (customer.Score, customer.Decision);
        string[] cells =
        [
            CsvText.Escape(decision.CustomerId),
            CsvText.Number(decision.ChurnProbability),
            WireNames.Of(decision.RiskBand),
            score.SegmentId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            CsvText.Escape(score.SegmentName ?? ""),
            CsvText.Number(decision.PredictedGrossProfit, 2),
            score.PredictedRevenue is { } revenue ? CsvText.Number(revenue, 2) : "",
            .. Interval(score.GrossProfitInterval),
            .. Interval(score.RevenueInterval),
            .. PurchaseOutlook.Cells(score.GrossProfitInterval).Select(c => c.ToCsv()),
            .. DecisionCsv.Cells(decision),
            CsvText.Escape(ModelReasons(customer, currency)),
        ];
        writer.Write(string.Join(',', cells) + "\n");
    }

    // P10, P50, P90 of an 80% interval; empty cells for a bundle trained before intervals.
    private static string[] Interval(MlCustomer.Core.LifetimeValue.ValueInterval? interval) => interval is { } v
        ? [CsvText.Number(v.P10, 2), CsvText.Number(v.P50, 2), CsvText.Number(v.P90, 2)]
        : ["", "", ""];

    /// <summary>
    /// "churn from a typical 23.4%: last purchase 412 days ago raises churn risk by 18.2 points, …; profit from a typical
    /// 85.00 EUR: …; revenue from a typical 800.00 EUR: …" — the same sentences the API serves (<see cref="ReasonSentences"/>).
    /// </summary>
    public static string ModelReasons(ScoredCustomer customer, string currency)
    {
        var parts = new List<string>(3);
        var score = customer.Score;
        if (score.ChurnReasons.Count > 0)
        {
            parts.Add("churn " + ReasonSentences.Summary(score.ChurnReasons, score.ChurnTotals, churn: true, currency));
        }

        if (score.ValueReasons.Count > 0)
        {
            parts.Add("profit " + ReasonSentences.Summary(score.ValueReasons, score.ValueTotals, churn: false, currency));
        }

        if (score.RevenueReasons.Count > 0)
        {
            parts.Add("revenue " + ReasonSentences.Summary(score.RevenueReasons, score.RevenueTotals, churn: false, currency, revenue: true));
        }

        return string.Join("; ", parts);
    }
}
