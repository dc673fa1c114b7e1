using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class PermutationImportanceTests
{
    [Fact]
    public void AnInformativeFeatureRanksAboveANoiseFeature()
    {
        var random = new Random(21);
        var rows = Enumerable.Range(0, 1000).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
        var labels = rows.Select(r => random.NextDouble() < r[0]).ToArray();

        // A "model" that leans on feature 0 and glances at feature 1, scored by AUC.
        double Score(double[][] matrix) =>
            BinaryMetrics.Auc(matrix.Select(r => r[0] + (0.1 * r[1])).ToArray(), labels)!.Value;

        var result = PermutationImportance.Compute(rows, Score, seed: 1, featureNames: ["recency", "noise"]);

        Assert.Equal(Score(rows), result.BaselineScore);
        Assert.Equal(PermutationImportance.DefaultRepeats, result.Repeats);
        Assert.Equal(["recency", "noise"], result.Features.Select(f => f.Name));
        Assert.True(result.Features[0].MeanDrop > 0.2);
        Assert.True(result.Features[0].MeanDrop > result.Features[1].MeanDrop + (3 * result.Features[0].StandardDeviation));
        Assert.InRange(result.Features[1].MeanDrop, -0.02, 0.02);
    }

    [Fact]
    public void TheCallersRowsAreLeftUnchangedAndTheResultIsReproducible()
    {
        double[][] rows = [[1, 10], [2, 20], [3, 30], [4, 40]];
        var copy = rows.Select(r => (double[])r.Clone()).ToArray();
        static double Score(double[][] m) => m.Select((r, i) => r[0] * i).Sum();

        var first = PermutationImportance.Compute(rows, Score, seed: 5, repeats: 4);
        var second = PermutationImportance.Compute(rows, Score, seed: 5, repeats: 4);

        Assert.Equal(copy, rows);
        Assert.Equal(first.Features, second.Features);
        Assert.Equal("feature 1", first.Features[1].Name);
        Assert.Equal(0, first.Features[1].MeanDrop);  // the score ignores column 1
    }

    [Fact]
    public void RaggedRowsAreReportedWithTheirIndex()
    {
        var error = Assert.Throws<ArgumentException>(() => PermutationImportance.Compute([[1, 2], [3]], _ => 0, seed: 0));

        Assert.Contains("rows[1]", error.Message, StringComparison.Ordinal);
    }
}
