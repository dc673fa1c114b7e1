using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;

namespace MlCustomer.Training.Decisions;

/// <summary>The `score` output: one CSV row per customer with the scores, the decisions and their reasons.</summary>
internal static class ScoreCsv
{
    /// <summary>The columns: the scores, then the decision's (<see cref="DecisionCsv"/>), then the model reasons.</summary>
    public static readonly string[] Columns =
    [
        "customer_id", "churn_probability", "risk_band", "segment_id", "segment_name", "predicted_gross_profit",
        "predicted_revenue", .. DecisionCsv.Columns, "model_reasons",
    ];

    public static void WriteHeader(TextWriter writer) => writer.Write(string.Join(',', Columns) + "\n");

    public static void WriteRow(TextWriter writer, ScoredCustomer customer)
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
            .. DecisionCsv.Cells(decision),
            CsvText.Escape(ModelReasons(customer)),
        ];
        writer.Write(string.Join(',', cells) + "\n");
    }

    /// <summary>"churn: recency_days (+0.412), …; profit: revenue_last_365_days (+85.10), …".</summary>
    public static string ModelReasons(ScoredCustomer customer)
    {
        var parts = new List<string>(2);
        if (customer.Score.ChurnReasons.Count > 0)
        {
            parts.Add("churn: " + Labels.Of(customer.Score.ChurnReasons, Labels.ChurnContribution));
        }

        if (customer.Score.ValueReasons.Count > 0)
        {
            parts.Add("profit: " + Labels.Of(customer.Score.ValueReasons, Labels.ProfitContribution));
        }

        return string.Join("; ", parts);
    }
}
