namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// The few special functions the BG/NBD and Gamma-Gamma likelihoods need, so the models depend on
/// nothing but the BCL. Accurate to about 1e-14 relative over the arguments the models use.
/// </summary>
internal static class SpecialFunctions
{
    private const double LanczosG = 7.0;

    // Lanczos coefficients for g = 7, n = 9 (Godfrey's set, as in Numerical Recipes 3rd ed. §6.1).
    private static readonly double[] LanczosCoefficients =
    [
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7,
    ];

    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2.0 * Math.PI);

    /// <summary>log Γ(x) for x &gt; 0 (Lanczos approximation).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0.0))
        {
            return double.NaN;
        }

        if (x < 0.5)
        {
            // Reflection keeps the approximation in the range where it is accurate.
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1.0 - x);
        }

        var z = x - 1.0;
        var sum = LanczosCoefficients[0];
        for (var i = 1; i < LanczosCoefficients.Length; i++)
        {
            sum += LanczosCoefficients[i] / (z + i);
        }

        var t = z + LanczosG + 0.5;
        return HalfLogTwoPi + ((z + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    /// <summary>log(1 + x), accurate for small x (the BCL's <c>double.LogP1</c> is computed as log(x + 1)).</summary>
    public static double LogOnePlus(double x)
    {
        var u = 1.0 + x;
        // Kahan's trick: the rounding error of 1 + x cancels in log(u) / (u − 1).
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>eˣ − 1, accurate for small x (the BCL's <c>double.ExpM1</c> is computed as eˣ − 1).</summary>
    public static double ExpMinusOne(double x)
    {
        var u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        var uMinusOne = u - 1.0;
        if (uMinusOne == -1.0 || double.IsPositiveInfinity(u))
        {
            return uMinusOne;
        }

        // Kahan's trick again: (u − 1) · x / log u cancels the rounding error of e^x.
        return uMinusOne * x / Math.Log(u);
    }

    /// <summary>ψ(x) = d/dx log Γ(x) for x &gt; 0: recurrence up to x ≥ 10, then the asymptotic series.</summary>
    public static double Digamma(double x)
    {
        if (!(x > 0.0))
        {
            return double.NaN;
        }

        var shift = 0.0;
        while (x < 10.0)
        {
            shift -= 1.0 / x;
            x += 1.0;
        }

        var inv2 = 1.0 / (x * x);
        // ψ(x) ~ ln x − 1/(2x) − Σ B₂ₖ / (2k x²ᵏ); truncation error < 1e-15 for x ≥ 10.
        var series = inv2 * ((1.0 / 12.0) - (inv2 * ((1.0 / 120.0) - (inv2 * ((1.0 / 252.0) - (inv2 * ((1.0 / 240.0) - (inv2 * (1.0 / 132.0)))))))));
        return shift + Math.Log(x) - (0.5 / x) - series;
    }

    /// <summary>
    /// (₂F₁(a, b; c; z) − 1) / b for 0 ≤ z &lt; 1 and c &gt; 0, summing Σₙ≥₁ (a)ₙ(b)ₙ / ((c)ₙ n! b) zⁿ directly.
    /// Every term of ₂F₁ − 1 carries the factor b, so dividing it out inside the sum keeps the result
    /// exact as b → 0, where the BG/NBD expectation (b = a − 1) would otherwise be 0 / 0.
    /// </summary>
    /// <exception cref="InvalidOperationException">The series did not converge (z extremely close to 1).</exception>
    public static double Hypergeometric2F1MinusOneOverB(double a, double b, double c, double z)
    {
        const int maxTerms = 1_000_000;
        var term = a / c * z;
        var sum = term;
        for (var n = 1; n < maxTerms; n++)
        {
            if (term == 0.0)
            {
                return sum;
            }

            var ratio = (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
            term *= ratio;
            sum += term;
            // The term ratio tends to z monotonically for large n, so max(|ratio|, z) bounds the later
            // ratios and the remaining terms by a geometric tail.
            var bound = Math.Max(Math.Abs(ratio), z);
            if (bound < 1.0 && Math.Abs(term) * bound / (1.0 - bound) <= 1e-16 * Math.Abs(sum))
            {
                return sum;
            }
        }

        throw new InvalidOperationException(
            $"The hypergeometric series did not converge within {maxTerms:N0} terms (z = {z}); the horizon is far longer than the customer's observed age.");
    }
}
