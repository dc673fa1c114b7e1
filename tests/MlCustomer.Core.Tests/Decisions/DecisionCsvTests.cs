using System.Text;
using MlCustomer.Core.Decisions;

namespace MlCustomer.Core.Tests.Decisions;

public sealed class DecisionCsvTests
{
    [Fact]
    public void AppendedCellsAreTheCellsJoinedByCommas()
    {
        // POST /scores/csv appends the cells in place, the console writes Cells: the same characters for every kind of
        // customer (fractions of cents, losses, quotes and commas in the action and the reasons).
        var random = new Random(3);
        var decisions = new List<CustomerDecision>();
        for (var i = 0; i < 2_000; i++)
        {
            decisions.Add(DecisionSamples.Decide(DecisionSamples.Facts with
            {
                GrossProfitLast365Days = (random.NextDouble() - 0.3) * Math.Pow(10, random.Next(0, 6)),
                CostToServeLast365Days = random.NextDouble() * 100,
                RevenueLast365Days = random.NextDouble() * Math.Pow(10, random.Next(0, 6)),
                RecencyDays = random.Next(0, 1_000),
                ChurnProbability = random.NextDouble(),
                PredictedGrossProfit = (random.NextDouble() - 0.2) * 2_000,
            }));
        }

        var quoted = DecisionSamples.Decide(DecisionSamples.Facts) with
        {
            Action = "say \"hello\", then offer",
            Reasons = [new("tier", "tier B: profit 1,500.00, \"steady\""), new("action", "plain")],
        };
        decisions.Add(quoted);
        foreach (var decision in decisions)
        {
            Assert.Equal(string.Join(',', DecisionCsv.Cells(decision)), DecisionCsv.Append(new StringBuilder(), decision).ToString());
        }

        Assert.EndsWith("\"tier B: profit 1,500.00, \"\"steady\"\" | plain\"", DecisionCsv.Append(new StringBuilder(), quoted).ToString(), StringComparison.Ordinal);
    }
}
