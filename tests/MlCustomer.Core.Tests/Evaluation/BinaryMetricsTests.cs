using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class BinaryMetricsTests
{
    private static readonly double[] HandScores = [0.1, 0.4, 0.35, 0.8];
    private static readonly bool[] HandLabels = [false, false, true, true];

    [Fact]
    public void AucAndAveragePrecisionMatchTheHandComputedExample()
    {
        var result = BinaryMetrics.Compute(HandScores, HandLabels);

        Assert.Equal(0.75, result.Auc!.Value, 10);       // 3 of 4 positive–negative pairs ordered right
        Assert.Equal(0.833333, result.PrAuc!.Value, 5);  // 0.5 × 1 + 0.5 × 2/3
        Assert.Equal(4, result.Count);
        Assert.Equal(2, result.Positives);
        Assert.Equal(0.5, result.PositiveRate);
    }

    [Fact]
    public void LogLossAndBrierMatchTheHandComputedExample()
    {
        var result = BinaryMetrics.Compute(HandScores, HandLabels);

        // −(ln 0.9 + ln 0.6 + ln 0.35 + ln 0.8) / 4
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.6) + Math.Log(0.35) + Math.Log(0.8)) / 4, result.LogLoss, 12);
        Assert.Equal(0.472288, result.LogLoss, 5);
        Assert.Equal(0.158125, result.Brier, 10);        // (0.01 + 0.16 + 0.4225 + 0.04) / 4
    }

    [Fact]
    public void PerfectRankingScoresOneAndReversedRankingScoresZero()
    {
        bool[] labels = [false, false, true, true];

        var perfect = BinaryMetrics.Compute([0.1, 0.2, 0.8, 0.9], labels);
        var reversed = BinaryMetrics.Compute([0.9, 0.8, 0.2, 0.1], labels);

        Assert.Equal(1.0, perfect.Auc);
        Assert.Equal(1.0, perfect.PrAuc);
        Assert.Equal(0.0, reversed.Auc);
        Assert.Equal(0.416667, reversed.PrAuc!.Value, 5); // 0.5 × 1/3 + 0.5 × 1/2
    }

    [Fact]
    public void TiedScoresCountHalfInAucAndFormOneThresholdInAveragePrecision()
    {
        var result = BinaryMetrics.Compute([0.2, 0.5, 0.5, 0.9], [false, true, false, true]);

        Assert.Equal(0.875, result.Auc!.Value, 12);          // pairs: 1 + 0.5 + 1 + 1 out of 4
        Assert.Equal(0.833333, result.PrAuc!.Value, 5);      // 0.5 × 1 + 0.5 × 2/3
        Assert.Equal(0.5, BinaryMetrics.Auc([0.3, 0.3, 0.3], [true, false, true]));
    }

    [Fact]
    public void AucIsTheShareOfCorrectlyOrderedPairsOnRandomData()
    {
        var random = new Random(7);
        var scores = Enumerable.Range(0, 300).Select(_ => Math.Round(random.NextDouble(), 1)).ToArray(); // many ties
        var labels = scores.Select(s => random.NextDouble() < s).ToArray();

        double pairs = 0, wins = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            for (var j = 0; j < scores.Length; j++)
            {
                if (labels[i] && !labels[j])
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }

        Assert.Equal(wins / pairs, BinaryMetrics.Auc(scores, labels)!.Value, 12);
    }

    [Fact]
    public void OneClassLeavesAucNullAndTheResultStillSerialises()
    {
        var result = BinaryMetrics.Compute([0.2, 0.4], [false, false]);

        Assert.Null(result.Auc);
        Assert.Null(result.PrAuc);
        Assert.Empty(result.Roc);
        Assert.Empty(result.PrecisionRecall);
        Assert.Null(result.LiftAt10Percent.Lift);
        var json = System.Text.Json.JsonSerializer.Serialize(result);
        Assert.Contains("\"Auc\":null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void CalibrationTableHasTenBinsWithCountsMeansAndObservedRates()
    {
        double[] probabilities = [0.05, 0.15, 0.15, 0.3, 0.95, 1.0];
        bool[] labels = [false, false, true, true, true, true];

        var table = BinaryMetrics.Compute(probabilities, labels).CalibrationTable;

        Assert.Equal(10, table.Count);
        Assert.Equal(new CalibrationBin(0, 0.1, 1, 0.05, 0), table[0]);
        Assert.Equal(new CalibrationBin(0.1, 0.2, 2, 0.15, 0.5), table[1]);
        Assert.Equal(new CalibrationBin(0.3, 0.4, 1, 0.3, 1), table[3]);   // 0.3 belongs to [0.3, 0.4)
        Assert.Equal(2, table[9].Count);                                     // 1.0 belongs to the last bin
        Assert.Equal(0.975, table[9].MeanPredicted!.Value, 12);
        Assert.Equal(1, table[9].ObservedRate);
        Assert.Equal(new CalibrationBin(0.5, 0.6, 0, null, null), table[5]);
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.09999999, 0)]
    [InlineData(0.1, 1)]
    [InlineData(0.3, 3)]
    [InlineData(0.6, 6)]
    [InlineData(0.7, 7)]
    [InlineData(0.9, 9)]
    [InlineData(1.0, 9)]
    public void CalibrationBinsFollowTheirEdgesExactly(double probability, int bin) =>
        Assert.Equal(bin, BinaryMetrics.CalibrationBinOf(probability));

    [Fact]
    public void LiftAndCaptureAtTheTopMatchAConstructedCase()
    {
        // 20 customers, 4 churners: the two highest scores are churners, the third churner is 4th, the last is 15th.
        var scores = Enumerable.Range(0, 20).Select(i => 1 - (i / 20.0)).ToArray();
        var labels = new bool[20];
        labels[0] = labels[1] = labels[3] = labels[14] = true;

        var result = BinaryMetrics.Compute(scores, labels);

        Assert.Equal(new LiftAtTop(0.1, 2, 2, 0.5, 5), result.LiftAt10Percent);      // 2 of 4 caught by 10% of customers
        Assert.Equal(0.2, result.LiftAt20Percent.TopFraction);
        Assert.Equal(4, result.LiftAt20Percent.Targeted);
        Assert.Equal(0.75, result.LiftAt20Percent.Capture!.Value, 12);
        Assert.Equal(3.75, result.LiftAt20Percent.Lift!.Value, 12);
    }

    [Fact]
    public void ATieStraddlingTheCutCountsInProportion()
    {
        // Top 10% of 10 is one customer, but two share the top score: one churner, one not.
        double[] scores = [0.9, 0.9, 0.5, 0.4, 0.3, 0.2, 0.2, 0.1, 0.1, 0.1];
        bool[] labels = [true, false, false, true, false, false, false, false, false, false];

        var top = BinaryMetrics.Compute(scores, labels).LiftAt10Percent;

        Assert.Equal(1, top.Targeted);
        Assert.Equal(0.5, top.PositivesCaught, 12);
        Assert.Equal(0.25, top.Capture!.Value, 12);
        Assert.Equal(2.5, top.Lift!.Value, 12);
    }

    [Fact]
    public void CurvesRunFromEndToEndAndAreDownsampledToTwoHundredPoints()
    {
        var random = new Random(3);
        var scores = Enumerable.Range(0, 5000).Select(_ => random.NextDouble()).ToArray();
        var labels = scores.Select(s => random.NextDouble() < s).ToArray();

        var result = BinaryMetrics.Compute(scores, labels);

        Assert.Equal(BinaryMetrics.MaxCurvePoints, result.Roc.Count);
        Assert.Equal(new RocPoint(0, 0, null), result.Roc[0]);
        Assert.Equal(1, result.Roc[^1].FalsePositiveRate);
        Assert.Equal(1, result.Roc[^1].TruePositiveRate);
        Assert.Equal(BinaryMetrics.MaxCurvePoints, result.PrecisionRecall.Count);
        Assert.Equal(new PrecisionRecallPoint(0, 1, null), result.PrecisionRecall[0]);
        Assert.Equal(1, result.PrecisionRecall[^1].Recall);
        Assert.Equal(result.PositiveRate, result.PrecisionRecall[^1].Precision, 12);
        Assert.True(result.Roc.Zip(result.Roc.Skip(1)).All(p => p.Second.FalsePositiveRate >= p.First.FalsePositiveRate));
    }

    [Fact]
    public void SmallInputsKeepEveryCurvePoint()
    {
        var result = BinaryMetrics.Compute(HandScores, HandLabels);

        Assert.Equal(
            [new(0, 0, null), new(0, 0.5, 0.8), new(0.5, 0.5, 0.4), new(0.5, 1, 0.35), new(1, 1, 0.1)],
            result.Roc);
    }

    [Fact]
    public void MismatchedLengthsNameTheArgument()
    {
        var error = Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([0.1, 0.2], [true]));

        Assert.Equal("labels", error.ParamName);
        Assert.Contains("1 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadProbabilityIsReportedWithItsIndex()
    {
        var nan = Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([0.1, 0.2, double.NaN], [true, false, true]));
        var tooBig = Assert.Throws<ArgumentException>(() => BinaryMetrics.LogLoss([0.1, 1.5], [true, false]));

        Assert.Equal("probabilities", nan.ParamName);
        Assert.Contains("probabilities[2] is NaN", nan.Message, StringComparison.Ordinal);
        Assert.Contains("probabilities[1] is 1.5", tooBig.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyInputIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([], []));

        Assert.Equal("probabilities", error.ParamName);
    }
}
