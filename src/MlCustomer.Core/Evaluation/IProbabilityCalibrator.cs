using System.Text.Json.Serialization;

namespace MlCustomer.Core.Evaluation;

/// <summary>
/// A fitted map from a model's raw score to a calibrated probability. Implementations are immutable records
/// whose learned parameters are public properties; serialised through this interface they carry a
/// <c>$type</c> of "platt" or "isotonic", so a model card can store whichever one won and load it back.
/// </summary>
[JsonPolymorphic]
[JsonDerivedType(typeof(PlattCalibrator), PlattCalibrator.MethodName)]
[JsonDerivedType(typeof(IsotonicCalibrator), IsotonicCalibrator.MethodName)]
public interface IProbabilityCalibrator
{
    /// <summary>"platt" or "isotonic".</summary>
    string Method { get; }

    /// <summary>Calibrated probability for one score.</summary>
    /// <exception cref="ArgumentException">The score is not a finite number.</exception>
    double Calibrate(double score);

    /// <summary>Calibrated probabilities for many scores, in the same order.</summary>
    /// <exception cref="ArgumentException">A score is not a finite number (the message gives its index).</exception>
    double[] Calibrate(ReadOnlySpan<double> scores);
}
