using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Models;
using MlCustomer.Api.Storage;
using Quartz;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>Scoring runs on a schedule (<c>MlCustomer:Schedule</c>), so the stored scores follow the data without anyone asking.</summary>
public sealed class ScheduleOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "MlCustomer:Schedule";

    /// <summary>
    /// A Quartz cron expression (seconds minutes hours day-of-month month day-of-week), e.g. <c>0 0 2 * * ?</c> for 02:00
    /// every day; empty (default) for no schedule. Each firing queues a run at the data's last order date, unless a run
    /// is still queued or running.
    /// </summary>
    public string? Cron { get; set; }

    /// <summary>The time zone the cron expression is read in (IANA id, e.g. <c>Europe/Berlin</c>); UTC by default.</summary>
    [Required]
    public string TimeZone { get; set; } = "UTC";
}

/// <summary>Refuses a cron expression or time zone Quartz cannot use, naming the key, at start-up.</summary>
internal sealed class ScheduleOptionsValidation : IValidateOptions<ScheduleOptions>
{
    public ValidateOptionsResult Validate(string? name, ScheduleOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Cron))
        {
            return ValidateOptionsResult.Success;
        }

        if (CronProblem(options.Cron) is { } problem)
        {
            return ValidateOptionsResult.Fail($"MlCustomer:Schedule:Cron '{options.Cron}' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week, e.g. '0 0 2 * * ?'): {problem}");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            return ValidateOptionsResult.Fail($"MlCustomer:Schedule:TimeZone '{options.TimeZone}' is not a known time zone (an IANA id such as 'Europe/Berlin')");
        }

        return ValidateOptionsResult.Success;
    }

    /// <summary>Why Quartz cannot read <paramref name="cron"/>; null when it can.</summary>
    public static string? CronProblem(string cron)
    {
        try
        {
            _ = new CronExpression(cron);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }
}

/// <summary>Queues a scoring run when the schedule fires; requested by <c>schedule</c>.</summary>
[DisallowConcurrentExecution]
internal sealed partial class ScheduledScoringRunJob(
    ScoreStore store, QueuedScoringRuns queue, ModelHost host, TimeProvider time, ILogger<ScheduledScoringRunJob> logger) : IJob
{
    public const string RequestedBy = "schedule";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!host.IsReady)
        {
            LogSkipped(logger, "no model is loaded yet");
            return;
        }

        // A schedule faster than the runs must not pile them up: the next firing after the run ends starts the next one.
        var recent = await store.GetRunsAsync(20, cancellationToken);
        if (recent.FirstOrDefault(r => r.Status is RunStatus.Queued or RunStatus.Running) is { } busy)
        {
            LogBusy(logger, busy.Id, busy.Status);
            return;
        }

        // Through the API's own StartRun, so the run is queued, stored and audited like one an admin asked for.
        var scheduler = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, RequestedBy)], RequestedBy));
        var result = (await ScoringRunsApi.StartRun(null, store, queue, host, scheduler, time, cancellationToken)).Result;
        if (result is not Accepted<ScoringRunResponse> accepted)
        {
            LogSkipped(logger, (result as ProblemHttpResult)?.ProblemDetails.Detail ?? "refused");
            return;
        }

        LogQueued(logger, accepted.Value!.Id, context.NextFireTimeUtc);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled scoring run {RunId} queued; next at {NextFireTime}")]
    private static partial void LogQueued(ILogger logger, string runId, DateTimeOffset? nextFireTime);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled scoring run skipped: run {RunId} is still {Status}")]
    private static partial void LogBusy(ILogger logger, string runId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled scoring run skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);
}

/// <summary>Puts the configured cron trigger on the Quartz scheduler when the host starts (nothing when no cron is set).</summary>
internal sealed class ScoringRunScheduler(ISchedulerFactory schedulers, IOptions<ScheduleOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var schedule = options.Value;
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var jobKey = new JobKey("scoring-run");
        var triggerKey = new TriggerKey("scoring-run-schedule");
        if (string.IsNullOrWhiteSpace(schedule.Cron))
        {
            // A clustered store keeps the schedule in the database: a replica started without a cron takes it away, so the
            // configuration stays what decides (the in-memory store holds nothing here).
            await scheduler.DeleteJob(jobKey, cancellationToken);
            return;
        }

        // A clustered store already holding this very schedule (another replica put it there) keeps it, with its next firing
        // and misfire state; a changed cron or time zone replaces it.
        if (await scheduler.GetTrigger(triggerKey, cancellationToken) is ICronTrigger existing
            && existing.CronExpressionString == schedule.Cron && existing.TimeZone.Id == schedule.TimeZone)
        {
            return;
        }

        var job = JobBuilder.Create<ScheduledScoringRunJob>().WithIdentity(jobKey).Build();
        var trigger = TriggerBuilder.Create().WithIdentity(triggerKey)
            .WithSchedule(CronScheduleBuilder.Create(schedule.Cron)
                .InTimeZone(TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone))
                // After downtime over a firing, one run catches up at once rather than none until the next firing.
                .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Registration of the schedule.</summary>
public static class ScoringRunScheduleExtensions
{
    /// <summary>
    /// Quartz and the cron trigger of <c>MlCustomer:Schedule:Cron</c>, validated at start-up: in memory, or, with a cluster's
    /// coordination database (<paramref name="cluster"/>), Quartz's clustered ADO.NET store on PostgreSQL, where each firing
    /// runs on exactly one replica.
    /// </summary>
    public static IServiceCollection AddScoringRunSchedule(this IServiceCollection services, Cluster.ClusterOptions? cluster = null)
    {
        services.AddOptions<ScheduleOptions>().BindConfiguration(ScheduleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScheduleOptions>, ScheduleOptionsValidation>();
        services.AddTransient<ScheduledScoringRunJob>();
        // The schedule is read from the options when the host starts, not here: configuration added later (by a host
        // or a test) then counts. The in-memory store fires on every replica; with a coordination database the replicas
        // share one clustered store instead (the store must be chosen here, when services are registered). Quartz keys
        // schedulers by name in a process, so a standalone host gets its own (several test hosts share a process), while
        // clustered replicas share theirs, which is how Quartz knows them for one cluster.
        services.AddQuartz(quartz =>
        {
            if (cluster is { Enabled: true })
            {
                quartz.ConfigureScheduler(scheduler => scheduler.InstanceName = Cluster.ClusterOptions.SchedulerName);
                quartz.UsePersistentStore(store =>
                {
                    // Tables from the committed script (ClusterDatabase), which the scheduler then validates.
                    store.UsePostgres(cluster.PostgreSql!);
                    store.UseClustering();
                });
            }
            else
            {
                quartz.ConfigureScheduler(scheduler => scheduler.InstanceName = $"mlcustomer-{Guid.NewGuid():N}");
            }

            // One job that only queues a run: one thread is plenty.
            quartz.UseDefaultThreadPool(1);
        });
        services.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        services.AddHostedService<ScoringRunScheduler>();
        return services;
    }
}
