using MlCustomer.Api.Storage;

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
    string? Error)
{
    /// <summary>The wire form of a stored run.</summary>
    public static ScoringRunResponse From(ScoringRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new ScoringRunResponse(run.Id, run.Status, run.RequestedBy, run.RequestedAt, run.RequestedAsOfDate, run.AsOfDate, run.ModelVersion,
            run.StartedAt, run.FinishedAt, run.TransactionsRead, run.CustomersScored,
            new ScoringRunTimings(run.LoadMilliseconds, run.FeaturesMilliseconds, run.ScoringMilliseconds, run.StoringMilliseconds), run.Error);
    }
}

/// <summary>Milliseconds per step of a run.</summary>
/// <param name="LoadMilliseconds">Reading the data files.</param>
/// <param name="FeaturesMilliseconds">Computing features.</param>
/// <param name="ScoringMilliseconds">Scoring.</param>
/// <param name="StoringMilliseconds">Storing the scores.</param>
public sealed record ScoringRunTimings(long? LoadMilliseconds, long? FeaturesMilliseconds, long? ScoringMilliseconds, long? StoringMilliseconds);
