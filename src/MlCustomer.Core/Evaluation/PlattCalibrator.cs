using System.Globalization;
using System.Text.Json.Serialization;

namespace MlCustomer.Core.Evaluation;

/// <summary>
/// Platt scaling: probability = 1 / (1 + exp(−(<see cref="A"/> · score + <see cref="B"/>))).
/// Note the sign: Platt's paper writes 1 / (1 + exp(A·f + B)), so its A and B are the negatives of these;
/// here a positive <see cref="A"/> means a higher score is more likely positive.
/// </summary>
public sealed record PlattCalibrator : IProbabilityCalibrator
{
    /// <summary>The <see cref="Method"/> name and JSON type discriminator.</summary>
    public const string MethodName = "platt";

    private const int MaxNewtonIterations = 100;
    private const double GradientTolerance = 1e-7;

    /// <summary>Creates a calibrator from known parameters (e.g. loaded from a model card); use <see cref="Fit"/> to learn them.</summary>
    /// <exception cref="ArgumentException">A parameter is not a finite number.</exception>
    [JsonConstructor]
    public PlattCalibrator(double a, double b)
    {
        InputChecks.FiniteNumber(a, nameof(a));
        InputChecks.FiniteNumber(b, nameof(b));
        A = a;
        B = b;
    }

    /// <summary>Slope on the score.</summary>
    public double A { get; }

    /// <summary>Intercept.</summary>
    public double B { get; }

    /// <inheritdoc />
    public string Method => MethodName;

    /// <summary>
    /// Fits A and B by maximum likelihood (Newton's method with a backtracking line search, as in Lin, Lin and
    /// Weng's improvement of Platt's algorithm), against Platt's smoothed targets: (N₊ + 1) / (N₊ + 2) for
    /// positives and 1 / (N₋ + 2) for negatives, which keeps the fit finite even when the scores separate the
    /// classes perfectly or one class is missing.
    /// </summary>
    /// <param name="scores">Raw model score per customer (any finite number).</param>
    /// <param name="labels">Whether each customer is positive.</param>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a non-finite score.</exception>
    public static PlattCalibrator Fit(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        InputChecks.ScoresAndLabels(scores, nameof(scores), labels, nameof(labels));
        var n = scores.Length;
        var positives = BinaryMetrics.CountTrue(labels);
        var negatives = n - positives;
        var positiveTarget = (positives + 1.0) / (positives + 2.0);
        var negativeTarget = 1.0 / (negatives + 2.0);
        var targets = new double[n];
        for (var i = 0; i < n; i++)
        {
            targets[i] = labels[i] ? positiveTarget : negativeTarget;
        }

        double a = 0, b = Math.Log((positives + 1.0) / (negatives + 1.0));
        var loss = Loss(scores, targets, a, b);
        for (var iteration = 0; iteration < MaxNewtonIterations; iteration++)
        {
            // Gradient and Hessian of the cross-entropy; a tiny ridge keeps the Hessian invertible when all
            // scores are equal.
            double gA = 0, gB = 0, hAA = 1e-12, hAB = 0, hBB = 1e-12;
            for (var i = 0; i < n; i++)
            {
                var s = scores[i];
                var p = Sigmoid((a * s) + b);
                var residual = p - targets[i];
                var weight = p * (1 - p);
                gA += residual * s;
                gB += residual;
                hAA += weight * s * s;
                hAB += weight * s;
                hBB += weight;
            }

            if (Math.Abs(gA) < GradientTolerance * n && Math.Abs(gB) < GradientTolerance * n)
            {
                break;
            }

            var determinant = (hAA * hBB) - (hAB * hAB);
            var dA = -((hBB * gA) - (hAB * gB)) / determinant;
            var dB = -((hAA * gB) - (hAB * gA)) / determinant;
            var slope = (gA * dA) + (gB * dB);
            var step = 1.0;
            var improved = false;
            while (step >= 1e-10)
            {
                var (newA, newB) = (a + (step * dA), b + (step * dB));
                var newLoss = Loss(scores, targets, newA, newB);
                if (newLoss <= loss + (1e-4 * step * slope))
                {
                    (a, b, loss, improved) = (newA, newB, newLoss, true);
                    break;
                }

                step /= 2;
            }

            if (!improved)
            {
                break; // no step lowers the loss: as close to the optimum as floating point allows
            }
        }

        return new PlattCalibrator(a, b);
    }

    /// <inheritdoc />
    public double Calibrate(double score)
    {
        InputChecks.FiniteNumber(score, nameof(score));
        return Sigmoid((A * score) + B);
    }

    /// <inheritdoc />
    public double[] Calibrate(ReadOnlySpan<double> scores)
    {
        InputChecks.Finite(scores, nameof(scores));
        var probabilities = new double[scores.Length];
        for (var i = 0; i < scores.Length; i++)
        {
            probabilities[i] = Sigmoid((A * scores[i]) + B);
        }

        return probabilities;
    }

    /// <summary>One-line summary, e.g. "Platt calibration: p = 1 / (1 + exp(−(2.0012 × score + -0.9987)))".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"Platt calibration: p = 1 / (1 + exp(−({A:G5} × score + {B:G5})))");

    internal static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>log(1 + eᶻ) without overflow.</summary>
    private static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));

    private static double Loss(ReadOnlySpan<double> scores, double[] targets, double a, double b)
    {
        var sum = 0.0;
        for (var i = 0; i < scores.Length; i++)
        {
            var z = (a * scores[i]) + b;
            sum += (targets[i] * Softplus(-z)) + ((1 - targets[i]) * Softplus(z));
        }

        return sum;
    }
}
