using MlCustomer.Core.Data;

namespace MlCustomer.Training.Decisions;

/// <summary>The `score` output: one CSV row per customer with the scores, the decisions and their reasons.</summary>
internal static class ScoreCsv
{
    /// <summary>The columns; predicted_revenue is empty for a bundle without a revenue model (customer tables).</summary>
    public static readonly string[] Columns =
    [
        "customer_id", "churn_probability", "risk_band", "segment_id", "segment_name", "predicted_profit",
        "predicted_revenue", "profit_last_365_days", "revenue_last_365_days", "current_tier", "predicted_tier", "loss_making",
        "false_big_customer", "lifecycle_stage", "value_at_risk", "recommended_action", "offer_cost",
        "model_reasons", "rule_reasons",
    ];

    /// <summary>Separates rule reasons in one cell; a reason itself may hold commas and semicolons.</summary>
    public const string ReasonSeparator = " | ";

    public static void WriteHeader(TextWriter writer) => writer.Write(string.Join(',', Columns) + "\n");

    public static void WriteRow(TextWriter writer, ScoredCustomer customer)
    {
        var (score, decision) = (customer.Score, customer.Decision);
        string[] cells =
        [
            CsvText.Escape(decision.CustomerId),
            CsvText.Number(decision.ChurnProbability),
            Labels.Of(decision.RiskBand),
            score.SegmentId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            CsvText.Escape(score.SegmentName ?? ""),
            CsvText.Number(decision.PredictedProfit, 2),
            score.PredictedRevenue is { } revenue ? CsvText.Number(revenue, 2) : "",
            CsvText.Number(decision.ProfitLast365Days, 2),
            CsvText.Number(decision.RevenueLast365Days, 2),
            Labels.Of(decision.Tier),
            Labels.Of(decision.PredictedTier),
            Labels.Of(decision.LossMaking),
            Labels.Of(decision.FalseBigCustomer),
            Labels.Of(decision.Stage),
            CsvText.Number(decision.ValueAtRisk, 2),
            CsvText.Escape(decision.Action),
            CsvText.Number(decision.OfferCost, 2),
            CsvText.Escape(ModelReasons(customer)),
            CsvText.Escape(string.Join(ReasonSeparator, decision.Reasons.Select(r => r.Text))),
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
