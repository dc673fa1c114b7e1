namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// Settings for fitting <see cref="BgNbdModel"/> and <see cref="GammaGammaModel"/> by maximum likelihood.
/// Holds no learned state; the defaults reproduce the published CDNOW estimates.
/// </summary>
public sealed record MaximumLikelihoodOptions
{
    /// <summary>The settings used when none are given.</summary>
    public static MaximumLikelihoodOptions Default { get; } = new();

    /// <summary>
    /// L2 penalty coefficient c: the fit minimises −LL / n + c · Σ θ², θ the model's parameters on their
    /// natural scale (lifetimes' <c>penalizer_coef</c>). 0 (the default) is plain maximum likelihood;
    /// small values such as 0.001–0.1 stabilise fits on few or degenerate customers by shrinking the
    /// parameters toward 0.
    /// </summary>
    public double L2Penalty { get; init; }

    /// <summary>Iteration cap per optimiser start.</summary>
    public int MaxIterations { get; init; } = 500;

    internal void Validate()
    {
        if (!double.IsFinite(L2Penalty) || L2Penalty < 0)
        {
            throw new ArgumentException($"{nameof(L2Penalty)} must be a finite number ≥ 0, not {L2Penalty}.", nameof(L2Penalty));
        }

        if (MaxIterations < 1)
        {
            throw new ArgumentException($"{nameof(MaxIterations)} must be at least 1, not {MaxIterations}.", nameof(MaxIterations));
        }
    }
}
