namespace MlCustomer.Core.LifetimeValue;

/// <summary>A smooth objective: returns f(point) and writes ∇f(point) into <paramref name="gradient"/>; +∞ where undefined.</summary>
internal delegate double GradientObjective(ReadOnlySpan<double> point, Span<double> gradient);

/// <summary>
/// Quasi-Newton minimisation (BFGS with an Armijo backtracking line search) for the handful of
/// unconstrained log-parameters of the customer-base models. Small, dense, allocation per run only.
/// </summary>
internal static class Bfgs
{
    /// <summary>The minimiser's answer; <see cref="Value"/> is +∞ when the objective was not finite at the start.</summary>
    internal sealed record Result(double[] Point, double Value, int Iterations, bool Converged);

    // Largest step in any coordinate per iteration: a factor e³ on a parameter. Keeps an early, poorly
    // scaled step from jumping into a region where the likelihood underflows.
    private const double MaxStep = 3.0;
    private const double ArmijoC = 1e-4;

    // Objective changes below this fraction of its value are rounding noise (a mean over tens of
    // thousands of terms carries a relative error of roughly 1e-14).
    private const double RelativeNoise = 1e-12;

    /// <summary>Minimises <paramref name="objective"/> from <paramref name="start"/>.</summary>
    /// <param name="objective">The function and its gradient.</param>
    /// <param name="start">Starting point (not modified).</param>
    /// <param name="maxIterations">Iteration cap.</param>
    /// <param name="targetTolerance">Stop as soon as every gradient component is at most this in absolute value.</param>
    /// <param name="convergedTolerance">
    /// When the objective stops decreasing before the target is reached (its changes are down at the
    /// rounding noise of a long sum), the result still counts as converged if every gradient component
    /// is at most this.
    /// </param>
    public static Result Minimize(
        GradientObjective objective, ReadOnlySpan<double> start, int maxIterations, double targetTolerance, double convergedTolerance)
    {
        var n = start.Length;
        var x = start.ToArray();
        var g = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        var d = new double[n];
        var s = new double[n];
        var y = new double[n];
        var hy = new double[n];
        var h = new double[n * n];
        SetIdentity(h, n, 1.0);
        var hIsIdentity = true;
        var firstUpdate = true;

        var f = objective(x, g);
        if (!double.IsFinite(f))
        {
            return new Result(x, double.PositiveInfinity, 0, false);
        }

        var iteration = 0;
        while (iteration < maxIterations && MaxAbs(g) > targetTolerance)
        {
            iteration++;
            MultiplyNegated(h, g, d, n);
            var slope = Dot(g, d);
            if (!(slope < 0.0))
            {
                // Not a descent direction (the inverse-Hessian estimate lost positive definiteness): restart.
                SetIdentity(h, n, 1.0);
                hIsIdentity = true;
                MultiplyNegated(h, g, d, n);
                slope = Dot(g, d);
            }

            var step = Math.Min(1.0, MaxStep / MaxAbs(d));
            var accepted = false;
            var gradientSize = MaxAbs(g);
            var noise = RelativeNoise * Math.Max(1.0, Math.Abs(f));
            double fNew = double.NaN;
            for (var halving = 0; halving < 30; halving++)
            {
                for (var i = 0; i < n; i++)
                {
                    xNew[i] = x[i] + (step * d[i]);
                }

                fNew = objective(xNew, gNew);
                if (double.IsFinite(fNew))
                {
                    // fNew < f as well: near the optimum f + c·step·slope rounds to f, and a step that
                    // changes nothing must not count as progress.
                    if (fNew < f && fNew <= f + (ArmijoC * step * slope))
                    {
                        accepted = true;
                        break;
                    }

                    if (Math.Abs(fNew - f) <= noise)
                    {
                        // The change is lost in rounding, so the value cannot judge the step: take it if
                        // it shrinks the gradient; otherwise shorter steps cannot be judged either.
                        accepted = MaxAbs(gNew) < gradientSize;
                        break;
                    }
                }

                step *= 0.5;
            }

            if (!accepted)
            {
                if (hIsIdentity || MaxAbs(g) <= convergedTolerance)
                {
                    // At the optimum to within rounding (or steepest descent cannot improve either).
                    break;
                }

                SetIdentity(h, n, 1.0);
                hIsIdentity = true;
                continue;
            }

            for (var i = 0; i < n; i++)
            {
                s[i] = xNew[i] - x[i];
                y[i] = gNew[i] - g[i];
            }

            var sy = Dot(s, y);
            if (sy > 1e-12 * Math.Sqrt(Dot(s, s) * Dot(y, y)))
            {
                if (firstUpdate)
                {
                    // Scale the initial inverse Hessian to the curvature just seen (Nocedal & Wright eq. 6.20).
                    SetIdentity(h, n, sy / Dot(y, y));
                    firstUpdate = false;
                }

                UpdateInverseHessian(h, s, y, hy, sy, n);
                hIsIdentity = false;
            }

            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            f = fNew;
        }

        return new Result(x, f, iteration, MaxAbs(g) <= convergedTolerance);
    }

    // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, expanded so that only H y is needed.
    private static void UpdateInverseHessian(double[] h, double[] s, double[] y, double[] hy, double sy, int n)
    {
        var rho = 1.0 / sy;
        for (var i = 0; i < n; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < n; j++)
            {
                sum += h[(i * n) + j] * y[j];
            }

            hy[i] = sum;
        }

        var yhy = Dot(y, hy);
        var factor = (1.0 + (rho * yhy)) * rho;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                h[(i * n) + j] += (factor * s[i] * s[j]) - (rho * ((hy[i] * s[j]) + (s[i] * hy[j])));
            }
        }
    }

    private static void MultiplyNegated(double[] h, double[] g, double[] result, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var sum = 0.0;
            for (var j = 0; j < n; j++)
            {
                sum += h[(i * n) + j] * g[j];
            }

            result[i] = -sum;
        }
    }

    private static void SetIdentity(double[] h, int n, double diagonal)
    {
        Array.Clear(h);
        for (var i = 0; i < n; i++)
        {
            h[(i * n) + i] = diagonal;
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double MaxAbs(double[] v)
    {
        var max = 0.0;
        for (var i = 0; i < v.Length; i++)
        {
            max = Math.Max(max, Math.Abs(v[i]));
        }

        return max;
    }

    /// <summary>
    /// Standard errors of the minimiser of <paramref name="objective"/> (a total negative log-likelihood)
    /// from the inverse of its Hessian, the Hessian taken by central differences of the analytic gradient.
    /// NaN for every component when the Hessian is not positive definite (optimum on a ridge or at a bound).
    /// </summary>
    public static double[] StandardErrors(GradientObjective objective, ReadOnlySpan<double> optimum)
    {
        const double step = 1e-4;
        var n = optimum.Length;
        var point = optimum.ToArray();
        var gPlus = new double[n];
        var gMinus = new double[n];
        var hessian = new double[n * n];
        for (var j = 0; j < n; j++)
        {
            point[j] = optimum[j] + step;
            objective(point, gPlus);
            point[j] = optimum[j] - step;
            objective(point, gMinus);
            point[j] = optimum[j];
            for (var i = 0; i < n; i++)
            {
                hessian[(i * n) + j] = (gPlus[i] - gMinus[i]) / (2.0 * step);
            }
        }

        var result = new double[n];
        if (!TryInvertSymmetric(hessian, n, out var inverse))
        {
            Array.Fill(result, double.NaN);
            return result;
        }

        for (var i = 0; i < n; i++)
        {
            result[i] = Math.Sqrt(inverse[(i * n) + i]);
        }

        return result;
    }

    // Cholesky-based inverse of the symmetrised matrix; false unless positive definite.
    private static bool TryInvertSymmetric(double[] matrix, int n, out double[] inverse)
    {
        var l = new double[n * n];
        inverse = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = 0.5 * (matrix[(i * n) + j] + matrix[(j * n) + i]);
                for (var k = 0; k < j; k++)
                {
                    sum -= l[(i * n) + k] * l[(j * n) + k];
                }

                if (i == j)
                {
                    if (!(sum > 0.0) || !double.IsFinite(sum))
                    {
                        return false;
                    }

                    l[(i * n) + i] = Math.Sqrt(sum);
                }
                else
                {
                    l[(i * n) + j] = sum / l[(j * n) + j];
                }
            }
        }

        // Solve L Lᵀ X = I column by column.
        var column = new double[n];
        for (var c = 0; c < n; c++)
        {
            for (var i = 0; i < n; i++)
            {
                var sum = i == c ? 1.0 : 0.0;
                for (var k = 0; k < i; k++)
                {
                    sum -= l[(i * n) + k] * column[k];
                }

                column[i] = sum / l[(i * n) + i];
            }

            for (var i = n - 1; i >= 0; i--)
            {
                var sum = column[i];
                for (var k = i + 1; k < n; k++)
                {
                    sum -= l[(k * n) + i] * column[k];
                }

                column[i] = sum / l[(i * n) + i];
            }

            for (var i = 0; i < n; i++)
            {
                inverse[(i * n) + c] = column[i];
            }
        }

        return true;
    }
}
