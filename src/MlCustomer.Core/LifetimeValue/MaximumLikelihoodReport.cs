namespace MlCustomer.Core.LifetimeValue;

/// <summary>How a model's parameters were estimated: the attained fit and its uncertainty.</summary>
/// <param name="LogLikelihood">Total log-likelihood of the fitted customers at the estimate (without the penalty).</param>
/// <param name="CustomerCount">Customers the likelihood was computed on.</param>
/// <param name="Iterations">Optimiser iterations of the best start.</param>
/// <param name="Converged">
/// Whether the optimiser reached an interior optimum: the gradient vanished and no shape parameter ran
/// off toward 0 or ∞ (beyond e^±15). False means the data cannot pin down a parameter (too few
/// customers, too little variety); the parameters are then the best found, predictions from them are
/// still the likelihood's best guess, and an L2 penalty or more data usually helps.
/// </param>
/// <param name="StandardErrors">
/// Asymptotic standard errors of the parameters, in the model's parameter order and on their natural
/// scale (inverse observed information on the log scale, then the delta method; the curvature of the
/// penalised objective when an L2 penalty is set); NaN where the information matrix is singular.
/// </param>
public sealed record MaximumLikelihoodReport(
    double LogLikelihood,
    int CustomerCount,
    int Iterations,
    bool Converged,
    IReadOnlyList<double> StandardErrors);
