using MlCustomer.Core.Bundle;

namespace MlCustomer.Core.Churn;

/// <summary>
/// How the churn candidates are searched: named defaults, no logic. Small training sets cross-validate every
/// candidate on every row (a plain grid); larger ones race the candidates by successive halving on growing
/// stratified subsamples, and never cross-validate on more than <see cref="MaxCrossValidationCustomers"/> rows,
/// so that the search costs about the same at 100,000 customers as at 10,000,000 and the time goes to the final fit.
/// </summary>
public sealed record ChurnSearchOptions
{
    /// <summary>At or below this many training customers every candidate is cross-validated on all of them.</summary>
    public int FullGridCustomers { get; init; } = 20_000;

    /// <summary>The most customers any cross-validation (a round, or the chosen settings' calibration folds) uses.</summary>
    public int MaxCrossValidationCustomers { get; init; } = 100_000;

    /// <summary>Each round keeps the best 1/η of the candidates and gives the survivors η times the customers.</summary>
    public int Reduction { get; init; } = 3;

    /// <summary>The rule in words, for the card.</summary>
    public string Describe(int folds) =>
        $"every candidate is cross-validated ({folds} folds, stratified) on all training customers up to {FullGridCustomers:N0}; above that, successive halving: " +
        $"all candidates on a stratified subsample, the best 1/{Reduction} (highest mean AUC, ties to the earlier candidate) go on with {Reduction}× the customers, " +
        $"until the final round on at most {MaxCrossValidationCustomers:N0} customers, which keeps the earliest candidate in the list within one standard error " +
        $"of the best mean AUC (the earlier versions' three settings come first) and fits the calibrator on its out-of-fold scores; the chosen settings are then fitted on every training customer";
}

/// <summary>One candidate's cross-validated score in one round of the search.</summary>
/// <param name="Options">The settings.</param>
/// <param name="Round">Round of the search (1 = the first, every candidate).</param>
/// <param name="Customers">Training customers cross-validated on in that round.</param>
/// <param name="Auc">AUC over the round's folds.</param>
/// <param name="Outcome">"chosen", "advanced" (to the next round) or "dropped".</param>
public sealed record ChurnCandidateScore(ChurnOptions Options, int Round, int Customers, CrossValidated Auc, string Outcome)
{
    /// <summary>Outcome of the settings that serve.</summary>
    public const string Chosen = "chosen";

    /// <summary>Outcome of settings that went on to the next round.</summary>
    public const string Advanced = "advanced";

    /// <summary>Outcome of settings that stopped in this round.</summary>
    public const string Dropped = "dropped";
}
