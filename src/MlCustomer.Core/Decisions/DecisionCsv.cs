using System.Text;
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
        var cells = new CellArray(new string[Columns.Count]);
        Write(decision, ref cells);
        return cells.Cells;
    }

    /// <summary>
    /// The cells of <see cref="Cells"/> appended to <paramref name="text"/>, separated by commas (none after the last):
    /// the same characters without a string per cell (<c>/scores/csv</c> writes a million rows of them).
    /// </summary>
    public static StringBuilder Append(StringBuilder text, CustomerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(decision);
        var cells = new CellText(text);
        Write(decision, ref cells);
        return text;
    }

    /// <summary>Separates rule reasons in one cell; a reason itself may hold commas and semicolons.</summary>
    public const string ReasonSeparator = " | ";

    /// <summary>The decision's rule reasons as one CSV-escaped cell.</summary>
    public static string RuleReasons(CustomerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return CsvText.Escape(string.Join(ReasonSeparator, decision.Reasons.Select(r => r.Text)));
    }

    // The one list of the columns' contents, written to either sink.
    private static void Write<TCells>(CustomerDecision decision, ref TCells cells)
        where TCells : struct, ICells
    {
        cells.Number(decision.ProfitLast365Days, 2);
        cells.Number(decision.GrossProfitLast365Days, 2);
        cells.Number(decision.CostToServeLast365Days, 2);
        cells.Number(decision.RevenueLast365Days, 2);
        cells.Number(decision.PredictedProfit, 2);
        cells.Number(decision.ExpectedCostToServe, 2);
        cells.Text(WireNames.Of(decision.Tier));
        cells.Text(WireNames.Of(decision.PredictedTier));
        cells.Text(decision.LossMaking ? "true" : "false");
        cells.Text(decision.FalseBigCustomer ? "true" : "false");
        cells.Text(WireNames.Of(decision.Stage));
        cells.Number(decision.ValueAtRisk, 2);
        cells.Text(decision.Action);
        cells.Number(decision.OfferCost, 2);
        cells.Reasons(decision.Reasons);
    }

    private interface ICells
    {
        void Number(double value, int decimals);

        // A text cell, escaped here.
        void Text(string value);

        void Reasons(IReadOnlyList<DecisionReason> reasons);
    }

    private struct CellArray(string[] cells) : ICells
    {
        private int next;

        public readonly string[] Cells => cells;

        public void Number(double value, int decimals) => cells[next++] = CsvText.Number(value, decimals);

        public void Text(string value) => cells[next++] = CsvText.Escape(value);

        public void Reasons(IReadOnlyList<DecisionReason> reasons) =>
            cells[next++] = CsvText.Escape(string.Join(ReasonSeparator, reasons.Select(r => r.Text)));
    }

    private struct CellText(StringBuilder text) : ICells
    {
        private bool first = true;

        public void Number(double value, int decimals) => CsvText.AppendNumber(Separate(), value, decimals);

        public void Text(string value) => CsvText.AppendEscaped(Separate(), value);

        // The joined reasons escaped as CsvText.Escape would escape the joined string, without joining it first.
        public void Reasons(IReadOnlyList<DecisionReason> reasons)
        {
            var cell = Separate();
            var quoted = false;
            for (var k = 0; k < reasons.Count && !quoted; k++)
            {
                quoted = CsvText.NeedsQuotes(reasons[k].Text);
            }

            if (quoted)
            {
                cell.Append('"');
            }

            for (var k = 0; k < reasons.Count; k++)
            {
                if (k > 0)
                {
                    cell.Append(ReasonSeparator);
                }

                var reason = reasons[k].Text;
                if (quoted && reason.Contains('"', StringComparison.Ordinal))
                {
                    cell.Append(reason.Replace("\"", "\"\"", StringComparison.Ordinal));
                }
                else
                {
                    cell.Append(reason);
                }
            }

            if (quoted)
            {
                cell.Append('"');
            }
        }

        private StringBuilder Separate()
        {
            if (!first)
            {
                text.Append(',');
            }

            first = false;
            return text;
        }
    }
}
