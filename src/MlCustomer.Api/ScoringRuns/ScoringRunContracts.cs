using MlCustomer.Api.Storage;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Api.ScoringRuns;

/// <summary><c>POST /scoring-runs</c>.</summary>
/// <param name="AsOfDate">Score as of this day; null means the last order date in the data.</param>
public sealed record ScoringRunRequest(DateOnly? AsOfDate);

/// <summary>A scoring run's state.</summary>
/// <param name="Id">Run id.</param>
/// <param name="Status">queued, running, succeeded or failed.</param>
/// <param name="RequestedBy">Who started it.</param>
/// <param name="RequestedAt">When.</param>
/// <param name="RequestedAsOfDate">The as-of date asked for (null = last order date).</param>
/// <param name="AsOfDate">The as-of date used.</param>
/// <param name="ModelVersion">The bundle that scored it.</param>
/// <param name="StartedAt">When scoring started.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="TransactionsRead">Order lines read.</param>
/// <param name="CustomersScored">Customers scored and stored.</param>
/// <param name="Timings">Milliseconds per step.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="DriftShifted">
/// Once succeeded: the features and model outputs whose distribution has shifted from training (PSI ≥ 0.25; details
/// at <c>/scoring-runs/{id}/drift</c>); empty when none has; null before the run succeeds or when nothing was recorded.
/// </param>
public sealed record ScoringRunResponse(
    string Id,
    string Status,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    DateOnly? RequestedAsOfDate,
    DateOnly? AsOfDate,
    string? ModelVersion,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long? TransactionsRead,
    long? CustomersScored,
    ScoringRunTimings Timings,
    string? Error,
    IReadOnlyList<string>? DriftShifted = null)
{
    /// <summary>The wire form of a stored run, with the drift it recorded when it has one.</summary>
    public static ScoringRunResponse From(ScoringRun run, RunDrift? drift = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var shifted = drift is null || drift.Features.Count + drift.Outputs.Count == 0
            ? null
            : drift.Features.Concat(drift.Outputs).Where(d => d.Level == DriftLevel.Shifted).Select(d => d.Feature).ToList();
        return new ScoringRunResponse(run.Id, run.Status, run.RequestedBy, run.RequestedAt, run.RequestedAsOfDate, run.AsOfDate, run.ModelVersion,
            run.StartedAt, run.FinishedAt, run.TransactionsRead, run.CustomersScored,
            new ScoringRunTimings(run.LoadMilliseconds, run.FeaturesMilliseconds, run.ScoringMilliseconds, run.StoringMilliseconds), run.Error, shifted);
    }
}

/// <summary>Milliseconds per step of a run.</summary>
/// <param name="LoadMilliseconds">Reading the data files.</param>
/// <param name="FeaturesMilliseconds">Computing features.</param>
/// <param name="ScoringMilliseconds">Scoring.</param>
/// <param name="StoringMilliseconds">Storing the scores.</param>
public sealed record ScoringRunTimings(long? LoadMilliseconds, long? FeaturesMilliseconds, long? ScoringMilliseconds, long? StoringMilliseconds);

/// <summary><c>GET /scoring-runs/{id}/drift</c>: how far the run's customers have moved from the training customers.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="ModelVersion">The bundle whose training distributions they were compared with.</param>
/// <param name="AsOfDate">The as-of date of the run's features.</param>
/// <param name="Shifted">Features with PSI ≥ 0.25: the models now see customers unlike those they learned from.</param>
/// <param name="Moderate">Features with PSI from 0.1 to 0.25.</param>
/// <param name="Features">Every feature, most moved first.</param>
/// <param name="Outputs">The models' churn probability and predicted profit for the run's customers against the held-out customers' at training.</param>
/// <param name="Note">How to read the numbers, or why there are none.</param>
public sealed record ScoringRunDriftResponse(
    string RunId,
    string? ModelVersion,
    DateOnly? AsOfDate,
    IReadOnlyList<string> Shifted,
    IReadOnlyList<string> Moderate,
    IReadOnlyList<FeatureDriftItem> Features,
    IReadOnlyList<FeatureDriftItem> Outputs,
    string Note);

/// <summary>One feature's drift.</summary>
/// <param name="Feature">Feature name.</param>
/// <param name="Psi">Population stability index against the training distribution kept in the model card.</param>
/// <param name="Level">stable (PSI &lt; 0.1), moderate, or shifted (PSI ≥ 0.25).</param>
/// <param name="TrainingMissingShare">Share of training customers without a value.</param>
/// <param name="MissingShare">Share of the run's customers without a value.</param>
/// <param name="LargestMove">The bin whose share moved most ("&gt; 643: 10.0% → 31.3%").</param>
public sealed record FeatureDriftItem(string Feature, double Psi, string Level, double TrainingMissingShare, double MissingShare, string LargestMove);
