using System.Text.Json;
using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Tests.Evaluation;

public sealed class CalibrationTests
{
    /// <summary>Scores uniform on [−2, 3] and labels drawn with p = 1 / (1 + exp(−(2s − 1))).</summary>
    private static (double[] Scores, bool[] Labels) Logistic(int n, int seed)
    {
        var random = new Random(seed);
        var scores = new double[n];
        var labels = new bool[n];
        for (var i = 0; i < n; i++)
        {
            scores[i] = -2 + (5 * random.NextDouble());
            labels[i] = random.NextDouble() < 1 / (1 + Math.Exp(-((2 * scores[i]) - 1)));
        }

        return (scores, labels);
    }

    [Fact]
    public void PlattRecoversAKnownLogisticRelationship()
    {
        var (scores, labels) = Logistic(20_000, seed: 42);

        var platt = PlattCalibrator.Fit(scores, labels);

        Assert.InRange(platt.A, 1.85, 2.15);
        Assert.InRange(platt.B, -1.15, -0.85);
        Assert.Equal(1 / (1 + Math.Exp(-((platt.A * 0.5) + platt.B))), platt.Calibrate(0.5), 12);
    }

    [Fact]
    public void PlattStaysFiniteWhenScoresSeparateTheClassesPerfectly()
    {
        var platt = PlattCalibrator.Fit([0, 1, 2, 3], [false, false, true, true]);

        Assert.True(double.IsFinite(platt.A) && platt.A > 0);
        Assert.InRange(platt.Calibrate(3), 0.5, 1 - 1e-6); // smoothed target (2 + 1) / (2 + 2) = 0.75 keeps it off 1
    }

    [Fact]
    public void PlattSummaryIsOneLine()
    {
        var text = new PlattCalibrator(2, -1).ToString();

        Assert.Equal("Platt calibration: p = 1 / (1 + exp(−(2 × score + -1)))", text);
    }

    [Fact]
    public void PoolAdjacentViolatorsFixesAKnownViolation()
    {
        // Sorted labels 0, 1, 0, 1: the 1 then 0 in the middle violate monotonicity and are pooled to 0.5.
        var isotonic = IsotonicCalibrator.Fit([1, 2, 3, 4], [false, true, false, true]);

        Assert.Equal([1, 2.5, 4], isotonic.BlockCentres);
        Assert.Equal([0, 0.5, 1], isotonic.BlockValues);
        Assert.Equal(0.5 / 1.5, isotonic.Calibrate(2), 12);  // linear between (1, 0) and (2.5, 0.5)
        Assert.Equal(0, isotonic.Calibrate(-10));             // constant beyond the ends
        Assert.Equal(1, isotonic.Calibrate(10));
        Assert.Equal(0.5, isotonic.Calibrate(2.5));
    }

    [Fact]
    public void PoolAdjacentViolatorsPoolsEverythingWhenTheOrderIsFullyReversed()
    {
        var isotonic = IsotonicCalibrator.Fit([1, 2, 3], [true, false, false]);

        Assert.Equal([2.0], isotonic.BlockCentres);
        Assert.Equal(1 / 3.0, isotonic.BlockValues[0], 12);
    }

    [Fact]
    public void EqualScoresArePooledBeforeFitting()
    {
        var isotonic = IsotonicCalibrator.Fit([1, 1, 2, 2], [false, true, true, true]);

        Assert.Equal([1, 2], isotonic.BlockCentres);
        Assert.Equal([0.5, 1], isotonic.BlockValues);
    }

    [Fact]
    public void IsotonicOutputIsMonotone()
    {
        var random = new Random(5);
        var scores = Enumerable.Range(0, 2000).Select(_ => random.NextDouble()).ToArray();
        var labels = scores.Select(s => random.NextDouble() < s * s).ToArray();

        var isotonic = IsotonicCalibrator.Fit(scores, labels);
        var grid = Enumerable.Range(-10, 121).Select(i => i / 100.0).ToArray();
        var calibrated = isotonic.Calibrate(grid);

        Assert.True(calibrated.Zip(calibrated.Skip(1)).All(p => p.Second >= p.First));
        Assert.True(isotonic.BlockValues.Zip(isotonic.BlockValues.Skip(1)).All(p => p.Second > p.First));
        Assert.All(calibrated, p => Assert.InRange(p, 0, 1));
    }

    [Fact]
    public void CalibratorsRoundTripThroughJson()
    {
        var (scores, labels) = Logistic(500, seed: 1);
        var platt = PlattCalibrator.Fit(scores, labels);
        var isotonic = IsotonicCalibrator.Fit(scores, labels);

        var plattBack = JsonSerializer.Deserialize<PlattCalibrator>(JsonSerializer.Serialize(platt));
        var isotonicBack = JsonSerializer.Deserialize<IsotonicCalibrator>(JsonSerializer.Serialize(isotonic));

        Assert.Equal(platt, plattBack);
        Assert.Equal(isotonic, isotonicBack);
        Assert.Equal(isotonic.Calibrate(0.3), isotonicBack!.Calibrate(0.3));
    }

    [Fact]
    public void ACalibratorStoredThroughTheInterfaceKeepsItsType()
    {
        IProbabilityCalibrator stored = IsotonicCalibrator.Fit([1, 2, 3, 4], [false, true, false, true]);

        var json = JsonSerializer.Serialize(stored);
        var back = JsonSerializer.Deserialize<IProbabilityCalibrator>(json);

        Assert.StartsWith("{\"$type\":\"isotonic\"", json, StringComparison.Ordinal);
        Assert.Equal(stored, Assert.IsType<IsotonicCalibrator>(back));
    }

    [Fact]
    public void AnEmptyIsotonicCalibratorFromJsonSaysHowToMakeOne()
    {
        var error = Assert.Throws<ArgumentException>(() => JsonSerializer.Deserialize<IsotonicCalibrator>("{}"));

        Assert.Contains("IsotonicCalibrator.Fit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChooseByLogLossKeepsTheCalibratorWithTheLowerLossOnTheCheckSlice()
    {
        var (fitScores, fitLabels) = Logistic(3000, seed: 2);
        var (checkScores, checkLabels) = Logistic(3000, seed: 3);

        var choice = Calibration.ChooseByLogLoss(fitScores, fitLabels, checkScores, checkLabels);

        Assert.Equal(BinaryMetrics.LogLoss(choice.Platt.Calibrate(checkScores), checkLabels), choice.PlattLogLoss, 12);
        Assert.Equal(BinaryMetrics.LogLoss(choice.Isotonic.Calibrate(checkScores), checkLabels), choice.IsotonicLogLoss, 12);
        Assert.Equal(choice.PlattLogLoss <= choice.IsotonicLogLoss ? "platt" : "isotonic", choice.Method);
        Assert.Equal(choice.Method, choice.Winner.Method);
        Assert.Null(choice.UncalibratedLogLoss); // the raw scores are not probabilities
        Assert.Equal("platt", choice.Method);    // the data really is logistic
    }

    [Fact]
    public void ChooseByLogLossShowsTheUncalibratedLossForProbabilityScores()
    {
        double[] scores = [0.1, 0.2, 0.7, 0.9, 0.4, 0.6];
        bool[] labels = [false, false, true, true, false, true];

        var choice = Calibration.ChooseByLogLoss(scores, labels, scores, labels);

        Assert.Equal(BinaryMetrics.LogLoss(scores, labels), choice.UncalibratedLogLoss!.Value, 12);
        var json = JsonSerializer.Serialize(choice);
        Assert.Contains("\"Winner\":{\"$type\":", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<CalibrationChoice>(json)!;
        Assert.Equal(choice.Winner, back.Winner);
        Assert.Equal(choice.Platt, back.Platt);
        Assert.Equal(choice.IsotonicLogLoss, back.IsotonicLogLoss);
    }

    [Fact]
    public void CalibratingANonFiniteScoreIsRejected() =>
        Assert.Throws<ArgumentException>(() => new PlattCalibrator(1, 0).Calibrate(double.NaN));
}
