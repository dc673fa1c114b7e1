using System.Globalization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>A total log-likelihood at natural-scale <paramref name="parameters"/>, writing its gradient with respect to them.</summary>
internal delegate double NaturalLogLikelihood(ReadOnlySpan<double> parameters, Span<double> gradient);

/// <summary>
/// What the BG/NBD and Gamma-Gamma fits share: positive parameters are optimised as unconstrained
/// logarithms, the objective is the mean negative log-likelihood plus the L2 penalty, several starts are
/// run and the best is kept, and standard errors come from the curvature at the optimum.
/// </summary>
internal static class MaximumLikelihood
{
    // Gradient tolerances on the mean log-likelihood per customer (so they do not depend on how many
    // customers there are), with respect to the log-parameters. A gradient g moves the estimate by about
    // H⁻¹g, and H⁻¹ = n·se²(log θ); for CDNOW that is ≤ 200·g, so 1e-6 leaves every parameter within
    // 0.02 % of the optimum, a thousandth of its standard error. Below about 1e-8 the objective's
    // changes drown in the rounding of a sum over tens of thousands of customers.
    private const double TargetGradientTolerance = 1e-9;
    private const double ConvergedGradientTolerance = 1e-6;

    // Far beyond any sensible parameter (e^±30); stops a parameter the data cannot pin down from
    // running off to where the likelihood overflows. The fit is then reported as not converged.
    private const double LogParameterBound = 30;

    // A shape parameter beyond e^±15 means the optimum is on the edge of the parameter space: the data
    // cannot tell the value from 0 or ∞ (too few customers, identical histories). Scale parameters (α in
    // time units, v in currency units) are exempt because their size depends on the units.
    private const double ShapeLogBound = 15;

    /// <summary>Maximises <paramref name="logLikelihood"/> from each of <paramref name="starts"/> (natural scale) and keeps the best.</summary>
    /// <param name="logLikelihood">Total log-likelihood and its gradient at natural-scale parameters.</param>
    /// <param name="customers">How many customers the likelihood sums over.</param>
    /// <param name="starts">Starting points, natural scale.</param>
    /// <param name="isShape">Per parameter, whether it is unit-free (a shape), for the edge-of-space check.</param>
    /// <param name="options">Penalty and iteration cap.</param>
    public static (double[] Parameters, MaximumLikelihoodReport Report) Fit(
        NaturalLogLikelihood logLikelihood,
        int customers,
        IReadOnlyList<double[]> starts,
        IReadOnlyList<bool> isShape,
        MaximumLikelihoodOptions options)
    {
        var objective = MeanNegativeLogLikelihood(logLikelihood, starts[0].Length, customers, options.L2Penalty);
        Bfgs.Result? best = null;
        foreach (var start in starts)
        {
            var point = start.Select(value => Math.Log(value)).ToArray();
            var result = Bfgs.Minimize(objective, point, options.MaxIterations, TargetGradientTolerance, ConvergedGradientTolerance);
            if (best is null || result.Value < best.Value)
            {
                best = result;
            }
        }

        if (!double.IsFinite(best!.Value))
        {
            throw new InvalidOperationException("The likelihood is not finite at any starting point; check the customers' time and value scales.");
        }

        var parameters = best.Point.Select(value => Math.Exp(value)).ToArray();
        var interior = true;
        for (var i = 0; i < parameters.Length; i++)
        {
            interior &= !isShape[i] || Math.Abs(best.Point[i]) < ShapeLogBound;
        }

        // The objective is a mean over customers: the sample's information is n times its curvature.
        // Standard errors on the log scale, then the delta method: se(θ) = θ · se(log θ).
        var logErrors = Bfgs.StandardErrors(objective, best.Point);
        var errors = new double[parameters.Length];
        for (var i = 0; i < errors.Length; i++)
        {
            errors[i] = parameters[i] * logErrors[i] / Math.Sqrt(customers);
        }

        var unused = new double[parameters.Length];
        var report = new MaximumLikelihoodReport(logLikelihood(parameters, unused), customers, best.Iterations, best.Converged && interior, errors);
        return (parameters, report);
    }

    private static GradientObjective MeanNegativeLogLikelihood(NaturalLogLikelihood logLikelihood, int dimension, int customers, double penalty)
    {
        var naturalGradient = new double[dimension];
        var parameters = new double[dimension];
        return (point, gradient) =>
        {
            for (var i = 0; i < dimension; i++)
            {
                if (!(Math.Abs(point[i]) <= LogParameterBound))
                {
                    return double.PositiveInfinity;
                }

                parameters[i] = Math.Exp(point[i]);
            }

            var value = -logLikelihood(parameters, naturalGradient) / customers;
            for (var i = 0; i < dimension; i++)
            {
                value += penalty * parameters[i] * parameters[i];
                // Chain rule for θ = e^u: ∂/∂u = θ · ∂/∂θ.
                gradient[i] = parameters[i] * ((-naturalGradient[i] / customers) + (2 * penalty * parameters[i]));
            }

            return double.IsFinite(value) ? value : double.PositiveInfinity;
        };
    }

    /// <summary>The constructor check for model parameters.</summary>
    public static double Positive(double value, string name) =>
        double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException(name, value, "Model parameters must be finite and positive.");

    /// <summary>A parameter for a summary line: three decimals, or three significant digits when tiny.</summary>
    public static string Format(double value) =>
        value.ToString(Math.Abs(value) >= 0.01 ? "0.000" : "G3", CultureInfo.InvariantCulture);

    /// <summary>The parenthesised tail of a summary line.</summary>
    public static string Describe(MaximumLikelihoodReport? estimation) => estimation is null
        ? " (given parameters)"
        : string.Create(
            CultureInfo.InvariantCulture,
            $" (LL={estimation.LogLikelihood:0.0}, {estimation.CustomerCount:N0} customers{(estimation.Converged ? "" : ", not converged")})");

    /// <summary>"customers[12]", the way validation messages name an element.</summary>
    public static string Element(string parameterName, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{parameterName}[{index}]");
}
