using Microsoft.Extensions.Options;
using MlCustomer.Api.Models;
using MlCustomer.Api.Movement;
using MlCustomer.Api.Retention;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace;

/// <summary>
/// After a start, puts in memory what the end of the current run left there before the restart
/// (<see cref="WorkspaceOptions.WarmUpOnStart"/>): the current run's target candidates (and one plan chosen from them, so the
/// planner's code is compiled), and the movement between the current run and the one before, merged from both runs' stored
/// movement facts. Without it the first planner call after a restart reads and decodes the candidates and the first movement
/// list merges both runs (1.6 s at a million customers); with it those calls read memory like every later one.
/// </summary>
public sealed partial class WorkspaceWarmUp(
    IOptions<WorkspaceOptions> options,
    ScoreStore store,
    ModelHost host,
    TimeProvider time,
    ILogger<WorkspaceWarmUp> logger) : BackgroundService
{
    // A budget for the one plan chosen to compile the planner's code: any budget walks the same code, this one keeps the
    // plan short. Its list is kept in the target list cache like any other and is dropped first.
    private const double WarmUpBudget = 1_000;

    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the warm-up has ended: done, failed (logged), found nothing to warm, or turned off.</summary>
    public Task Finished => finished.Task;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (options.Value.WarmUpOnStart)
            {
                await WarmAsync(stoppingToken);
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or ArgumentException or IOException or FormatException)
        {
            // Only a first call's speed is lost: the page does the same work when asked.
            LogFailed(logger, e);
        }
        finally
        {
            finished.TrySetResult();
        }
    }

    private async Task WarmAsync(CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        var current = await store.GetCurrentRunAsync(stoppingToken);
        if (current is null)
        {
            return;
        }

        // The rules choose the plan: wait for the bundle like the start-up run does; a bundle that never loads leaves the
        // planner nothing to plan with, and the movement is still worth warming.
        while (!host.IsReady && host.LastError is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        if (host.IsReady)
        {
            // Loads and keeps the current run's candidates, and chooses one plan from them through the planner's own path.
            var (plan, _) = await RetentionApi.PlanAsync(WarmUpBudget, null, null, null, null, null, null, null, null, store, host, stoppingToken);
            if (plan is not null)
            {
                _ = RetentionApi.Response(plan, 0, Planner.PlannerModel.PageSize);
            }
        }

        // The default comparison, the one the movement page and its lists open with.
        if (await MovementApi.RunsAsync(null, null, store, stoppingToken) is { Runs: var (from, to) })
        {
            await store.GetMovementAsync(from, to, stoppingToken);
        }

        var elapsed = time.GetElapsedTime(started);
        LogWarmed(logger, current.Id, elapsed.TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace warmed up for scoring run {RunId} in {Milliseconds:F0} ms (target candidates, one plan, the movement from the run before).")]
    private static partial void LogWarmed(ILogger logger, string runId, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The workspace's warm-up failed; the first planner and movement calls do the work instead")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
