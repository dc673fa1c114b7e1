using MlCustomer.Core.Data;

namespace MlCustomer.Core.Decisions;

/// <summary>
/// A rule decision as CSV cells: the same columns, in the same order and spelling, in the console's <c>score</c> file
/// and in <c>POST /scores/csv</c>.
/// </summary>
public static class DecisionCsv
{
    /// <summary>The decision columns, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "profit_last_365_days", "gross_profit_last_365_days", "cost_to_serve_last_365_days", "revenue_last_365_days",
        "predicted_profit", "expected_cost_to_serve", "current_tier", "predicted_tier", "loss_making", "false_big_customer",
        "lifecycle_stage", "value_at_risk", "recommended_action", "offer_cost", "rule_reasons",
    ];

    /// <summary>The cells of one decision, CSV-escaped, in <see cref="Columns"/> order.</summary>
    public static string[] Cells(CustomerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return
        [
            CsvText.Number(decision.ProfitLast365Days, 2),
            CsvText.Number(decision.GrossProfitLast365Days, 2),
            CsvText.Number(decision.CostToServeLast365Days, 2),
            CsvText.Number(decision.RevenueLast365Days, 2),
            CsvText.Number(decision.PredictedProfit, 2),
            CsvText.Number(decision.ExpectedCostToServe, 2),
            WireNames.Of(decision.Tier),
            WireNames.Of(decision.PredictedTier),
            decision.LossMaking ? "true" : "false",
            decision.FalseBigCustomer ? "true" : "false",
            WireNames.Of(decision.Stage),
            CsvText.Number(decision.ValueAtRisk, 2),
            CsvText.Escape(decision.Action),
            CsvText.Number(decision.OfferCost, 2),
            RuleReasons(decision),
        ];
    }

    /// <summary>Separates rule reasons in one cell; a reason itself may hold commas and semicolons.</summary>
    public const string ReasonSeparator = " | ";

    /// <summary>The decision's rule reasons as one CSV-escaped cell.</summary>
    public static string RuleReasons(CustomerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return CsvText.Escape(string.Join(ReasonSeparator, decision.Reasons.Select(r => r.Text)));
    }
}
