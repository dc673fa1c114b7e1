namespace MlCustomer.Core.Tests.LifetimeValue;

/// <summary>
/// An independent route to the BG/NBD quantities: integrate the individual-level model over the
/// drop-out probability p numerically (tanh-sinh quadrature against the Beta(a, b) prior), with λ
/// integrated analytically against its Gamma(r, α) prior. No ₂F₁, no Beta or Gamma functions, none of
/// the production code's closed forms.
/// </summary>
/// <remarks>
/// For fixed p, the λ-integrals are Gamma integrals; after dividing by the common factor
/// Γ(r+x)/Γ(r) · α^r · (α+T)^−(r+x):
/// alive(p) = (1−p)^x, dead(p) = 1{x&gt;0} p (1−p)^(x−1) ((α+T)/(α+tₓ))^(r+x),
/// E-part(p) = (1−p)^x / p · (1 − ((α+T)/(α+T+p·t))^(r+x)) from E[Y(t) | λ, p, alive] = (1 − e^(−λpt)) / p,
/// silent(p) = (1−p)^x ((α+T)/(α+T+t))^(r+x).
/// </remarks>
internal static class BgNbdQuadrature
{
    public readonly record struct Values(double LogLikelihood, double ProbabilityAlive, double ExpectedPurchases, double ProbabilityNoPurchase);

    public static Values Compute(double r, double alpha, double a, double b, double x, double tx, double age, double horizon)
    {
        var k = r + x;
        var deadFactor = x > 0 ? Math.Pow((alpha + age) / (alpha + tx), k) : 0;
        var silentFactor = Math.Pow((alpha + age) / (alpha + age + horizon), k);
        double prior = 0, alive = 0, dead = 0, expected = 0, silent = 0;
        Integrate(a, b, (p, oneMinusP, weight) =>
        {
            var survive = Math.Pow(oneMinusP, x);
            prior += weight;
            alive += weight * survive;
            dead += x > 0 ? weight * p * Math.Pow(oneMinusP, x - 1) * deadFactor : 0;
            expected += weight * survive * FractionBought(p, k, horizon / (alpha + age)) / p;
            silent += weight * survive * silentFactor;
        });

        var likelihood = alive + dead;
        // log of the common factor: Γ(r+x)/Γ(r) is a finite product for whole x.
        var logFactor = (r * Math.Log(alpha)) - (k * Math.Log(alpha + age));
        for (var i = 0; i < x; i++)
        {
            logFactor += Math.Log(r + i);
        }

        return new Values(
            logFactor + Math.Log(likelihood / prior),
            alive / likelihood,
            expected / likelihood,
            (silent + dead) / likelihood);
    }

    // 1 − (1 + p·u)^−k, by its Taylor series where the subtraction would cancel.
    private static double FractionBought(double p, double k, double u)
    {
        var e = p * u;
        return e < 1e-6 ? (k * e) - (k * (k + 1) * e * e / 2) : 1 - Math.Pow(1 + e, -k);
    }

    // ∫₀¹ f(p) p^(a−1) (1−p)^(b−1) dp by tanh-sinh: p = logistic(π sinh t), which clusters the nodes at
    // both ends where the Beta weight is singular, and gives p and 1 − p without cancellation.
    private static void Integrate(double a, double b, Action<double, double, double> accumulate)
    {
        const double step = 1.0 / 64;
        for (var i = -6 * 64; i <= 6 * 64; i++)
        {
            var t = i * step;
            var s = Math.PI * Math.Sinh(t);
            var logP = -Softplus(-s);
            var logOneMinusP = -Softplus(s);
            // dp/dt = π cosh t · p (1 − p)
            var logWeight = Math.Log(Math.PI * Math.Cosh(t) * step) + (a * logP) + (b * logOneMinusP);
            var weight = Math.Exp(logWeight);
            if (weight > 0)
            {
                accumulate(Math.Exp(logP), Math.Exp(logOneMinusP), weight);
            }
        }
    }

    private static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
}
