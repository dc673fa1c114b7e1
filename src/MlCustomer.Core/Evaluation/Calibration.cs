namespace MlCustomer.Core.Evaluation;

/// <summary>Chooses between Platt and isotonic calibration on data the calibrators were not fitted on.</summary>
public static class Calibration
{
    /// <summary>
    /// Fits both calibrators on one slice and keeps the one with the lower log loss on the other.
    /// Platt wins a tie: two parameters generalise better than a step function with many blocks.
    /// </summary>
    /// <param name="fitScores">Raw scores the calibrators are fitted on.</param>
    /// <param name="fitLabels">Labels for <paramref name="fitScores"/>.</param>
    /// <param name="checkScores">Raw scores of other customers, used only to compare the two.</param>
    /// <param name="checkLabels">Labels for <paramref name="checkScores"/>.</param>
    /// <exception cref="ArgumentException">Either slice is empty, mismatched, or holds a non-finite score.</exception>
    public static CalibrationChoice ChooseByLogLoss(
        ReadOnlySpan<double> fitScores,
        ReadOnlySpan<bool> fitLabels,
        ReadOnlySpan<double> checkScores,
        ReadOnlySpan<bool> checkLabels)
    {
        InputChecks.ScoresAndLabels(fitScores, nameof(fitScores), fitLabels, nameof(fitLabels));
        InputChecks.ScoresAndLabels(checkScores, nameof(checkScores), checkLabels, nameof(checkLabels));
        var platt = PlattCalibrator.Fit(fitScores, fitLabels);
        var isotonic = IsotonicCalibrator.Fit(fitScores, fitLabels);
        var plattLoss = BinaryMetrics.LogLossUnchecked(platt.Calibrate(checkScores), checkLabels);
        var isotonicLoss = BinaryMetrics.LogLossUnchecked(isotonic.Calibrate(checkScores), checkLabels);
        double? uncalibrated = AllProbabilities(checkScores) ? BinaryMetrics.LogLossUnchecked(checkScores, checkLabels) : null;
        IProbabilityCalibrator winner = isotonicLoss < plattLoss ? isotonic : platt;
        return new CalibrationChoice(winner.Method, winner, platt, isotonic, plattLoss, isotonicLoss, uncalibrated);
    }

    private static bool AllProbabilities(ReadOnlySpan<double> scores)
    {
        foreach (var s in scores)
        {
            if (s < 0 || s > 1)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The outcome of <see cref="Calibration.ChooseByLogLoss"/>, with both candidates and their scores.</summary>
/// <param name="Method">"platt" or "isotonic": the winner.</param>
/// <param name="Winner">The calibrator to use (the same object as <paramref name="Platt"/> or <paramref name="Isotonic"/>).</param>
/// <param name="Platt">The fitted Platt calibrator.</param>
/// <param name="Isotonic">The fitted isotonic calibrator.</param>
/// <param name="PlattLogLoss">Log loss of Platt-calibrated probabilities on the check slice.</param>
/// <param name="IsotonicLogLoss">Log loss of isotonic-calibrated probabilities on the check slice.</param>
/// <param name="UncalibratedLogLoss">Log loss of the raw scores on the check slice when they already are
/// probabilities (all in [0, 1]), to show what calibration gained; otherwise null.</param>
public sealed record CalibrationChoice(
    string Method,
    IProbabilityCalibrator Winner,
    PlattCalibrator Platt,
    IsotonicCalibrator Isotonic,
    double PlattLogLoss,
    double IsotonicLogLoss,
    double? UncalibratedLogLoss);
