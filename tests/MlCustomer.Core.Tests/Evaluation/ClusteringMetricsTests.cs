using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class ClusteringMetricsTests
{
    private static readonly double[][] Line = [[0], [1], [10], [11]];

    private static (double[][] Points, int[] Truth) TwoBlobs(int perBlob, int seed)
    {
        var random = new Random(seed);
        var points = new double[2 * perBlob][];
        var truth = new int[2 * perBlob];
        for (var i = 0; i < points.Length; i++)
        {
            truth[i] = i < perBlob ? 0 : 1;
            var centre = truth[i] * 10.0;
            points[i] = [centre + Gaussian(random) * 0.5, centre + Gaussian(random) * 0.5];
        }

        return (points, truth);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void SilhouetteMatchesTheHandComputedExample()
    {
        // Point 0: a = 1, b = 10.5 → 9.5/10.5; point 1: a = 1, b = 9.5 → 8.5/9.5; the other two mirror them.
        var expected = ((9.5 / 10.5) + (8.5 / 9.5)) / 2;

        Assert.Equal(expected, ClusteringMetrics.Silhouette(Line, [0, 0, 1, 1], sampleSize: 100, seed: 1), 12);
        Assert.Equal(expected, ClusteringMetrics.Silhouette([[0f], [1f], [10f], [11f]], [7, 7, 3, 3], sampleSize: 100, seed: 1), 6);
    }

    [Fact]
    public void SilhouetteOfTwoWellSeparatedBlobsIsHigh()
    {
        var (points, truth) = TwoBlobs(300, seed: 4);

        Assert.True(ClusteringMetrics.Silhouette(points, truth, sampleSize: 200, seed: 9) > 0.8);
    }

    [Fact]
    public void SilhouetteOfASampleIsReproducibleBySeed()
    {
        var (points, truth) = TwoBlobs(100, seed: 4);
        var wrong = truth.Select((_, i) => i % 2).ToArray();

        Assert.Equal(
            ClusteringMetrics.Silhouette(points, wrong, sampleSize: 50, seed: 3),
            ClusteringMetrics.Silhouette(points, wrong, sampleSize: 50, seed: 3));
        Assert.InRange(ClusteringMetrics.Silhouette(points, wrong, sampleSize: 50, seed: 3), -0.2, 0.2);
    }

    [Fact]
    public void DaviesBouldinMatchesTheHandComputedExample() =>
        Assert.Equal(0.1, ClusteringMetrics.DaviesBouldin(Line, [0, 0, 1, 1]), 12); // (0.5 + 0.5) / 10

    [Fact]
    public void DaviesBouldinIsLowerForTheRightClustering()
    {
        var (points, truth) = TwoBlobs(200, seed: 8);
        var wrong = truth.Select((_, i) => i % 2).ToArray();

        Assert.True(ClusteringMetrics.DaviesBouldin(points, truth) < ClusteringMetrics.DaviesBouldin(points, wrong));
        Assert.True(ClusteringMetrics.DaviesBouldin(points, truth) < 0.2);
    }

    [Fact]
    public void OneClusterIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ClusteringMetrics.DaviesBouldin(Line, [1, 1, 1, 1]));

        Assert.Equal("assignments", error.ParamName);
    }

    [Fact]
    public void ARaggedOrNonFinitePointIsReportedWithItsIndex()
    {
        var ragged = Assert.Throws<ArgumentException>(() => ClusteringMetrics.Silhouette([[0, 1], [1]], [0, 1]));
        var nan = Assert.Throws<ArgumentException>(() => ClusteringMetrics.DaviesBouldin([[0f], [float.NaN]], [0, 1]));

        Assert.Contains("points[1]", ragged.Message, StringComparison.Ordinal);
        Assert.Contains("points[1][0] is NaN", nan.Message, StringComparison.Ordinal);
    }
}
