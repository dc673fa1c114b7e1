using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class ResampledGiniTests
{
    // Zero-heavy profit with many ties on both sides (coarse predictions, repeated actual values), as value models give.
    private static (double[] Predicted, double[] Actual) Customers(int count, int seed)
    {
        var random = new Random(seed);
        var actual = Enumerable.Range(0, count).Select(_ => random.NextDouble() < 0.7 ? 0 : Math.Round((random.NextDouble() * 300) - 20)).ToArray();
        var predicted = actual.Select(a => Math.Round((a / 50) + (random.NextDouble() * 3))).ToArray();
        return (predicted, actual);
    }

    [Theory]
    [InlineData(50, 1)]
    [InlineData(400, 2)]
    [InlineData(3_000, 3)]
    public void EveryResampleGetsTheGiniOfItsOwnRowsSortedAfresh(int count, int seed)
    {
        var (predicted, actual) = Customers(count, seed);
        var resampled = new ResampledGini(predicted, actual);
        var random = new Random(seed);
        for (var r = 0; r < 50; r++)
        {
            var draw = Enumerable.Range(0, count).Select(_ => random.Next(count)).ToArray();

            var expected = RegressionMetrics.NormalizedGini(PairedBootstrap.Gather(predicted, draw), PairedBootstrap.Gather(actual, draw));
            var got = resampled.Of(ResampledGini.TimesDrawn(count, draw));

            Assert.Equal(expected.HasValue, got.HasValue);
            if (expected is { } value)
            {
                Assert.Equal(value, got!.Value, 1e-9);
            }
        }
    }

    [Fact]
    public void AResampleWithoutValueHasNoGini()
    {
        double[] predicted = [3, 2, 1, 0];
        double[] actual = [0, 0, 0, 40];
        var resampled = new ResampledGini(predicted, actual);

        Assert.Null(resampled.Of([2, 1, 1, 0])); // the only customer with value was not drawn
        Assert.Equal(RegressionMetrics.NormalizedGini([3, 0, 0, 0], [0, 40, 40, 40]), resampled.Of([1, 0, 0, 3]));
    }
}
