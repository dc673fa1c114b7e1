using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Cluster;
using MlCustomer.Api.Models;
using MlCustomer.Api.ScoringRuns;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace;

/// <summary>
/// On a fresh start, scores the base once (<see cref="WorkspaceOptions.ScoreOnStart"/>) through the API's own
/// <see cref="ScoringRunsApi.StartRun"/>, so the run is queued, stored and audited like any other, requested by "startup".
/// </summary>
internal sealed partial class StartupScoringRun(
    IOptions<WorkspaceOptions> options,
    IHostEnvironment environment,
    ScoreStore store,
    QueuedScoringRuns queue,
    ModelHost host,
    ClusterDatabase cluster,
    TimeProvider time,
    ILogger<StartupScoringRun> logger) : BackgroundService
{
    /// <summary>Who the run is requested by.</summary>
    public const string RequestedBy = "startup";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!(options.Value.ScoreOnStart ?? environment.IsDevelopment()))
        {
            return;
        }

        // The model loads in the background; a bundle that never loads leaves nothing to score with.
        while (!host.IsReady)
        {
            if (host.LastError is not null)
            {
                LogNotStarted(logger, host.LastError);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        // On a cluster, replicas starting together check and queue one at a time: with a score store they share, the first
        // queues the run and the others find it queued. (While each replica keeps its own SQLite store, each scores its own.)
        await using var oneAtATime = cluster.Enabled ? await cluster.LockAsync(ClusterDatabase.StartupScoringRunLock, stoppingToken) : null;
        var latest = await store.GetRunsAsync(1, stoppingToken);
        if (await store.GetCurrentRunAsync(stoppingToken) is not null || latest is [{ Status: RunStatus.Queued or RunStatus.Running }])
        {
            return;
        }

        var startup = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, RequestedBy)], "startup"));
        var result = (await ScoringRunsApi.StartRun(null, store, queue, host, startup, time, stoppingToken)).Result;
        if (result is Accepted<ScoringRunResponse> accepted)
        {
            LogStarted(logger, accepted.Value!.Id);
        }
        else
        {
            LogNotStarted(logger, (result as ProblemHttpResult)?.ProblemDetails.Detail ?? "refused");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No scoring run has succeeded yet: started scoring run {RunId} of the whole base (MlCustomer:Workspace:ScoreOnStart).")]
    private static partial void LogStarted(ILogger logger, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No scoring run has succeeded yet and none could be started at start-up: {Reason}")]
    private static partial void LogNotStarted(ILogger logger, string reason);
}
