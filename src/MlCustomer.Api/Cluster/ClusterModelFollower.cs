using Microsoft.Extensions.Options;
using MlCustomer.Api.Models;

namespace MlCustomer.Api.Cluster;

/// <summary>
/// Keeps this replica on the cluster's bundle: every <see cref="ClusterOptions.ModelCheckSeconds"/> reads the active bundle
/// from the coordination database and, when another replica reloaded or rolled back, loads, verifies and swaps to it
/// (<see cref="ModelHost.FollowClusterAsync"/>). Requests keep being served by the old bundle until the swap. A bundle that
/// does not load here is tried again after <see cref="ClusterOptions.ModelRetrySeconds"/>, or as soon as the cluster moves on.
/// </summary>
internal sealed partial class ClusterModelFollower(
    ModelHost host, ClusterModelActivation activation, IOptions<ClusterOptions> options, TimeProvider time, ILogger<ClusterModelFollower> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.ModelCheckSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // The start-up load reads the cluster's bundle itself; following begins once it is done.
            if (!host.IsReady && host.LastError is null)
            {
                continue;
            }

            ClusterBundle? desired;
            try
            {
                desired = await activation.ReadAsync(stoppingToken);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogUnreadable(logger, e.Message);
                continue;
            }

            if (desired is null || desired.Activation <= activation.AppliedActivation)
            {
                continue;
            }

            if (activation.Failure is { } failure && failure.Bundle.Activation == desired.Activation
                && time.GetUtcNow() < failure.At.AddSeconds(settings.ModelRetrySeconds))
            {
                continue;
            }

            if (await host.FollowClusterAsync(desired, stoppingToken) is { } result)
            {
                if (result.Outcome == ReloadOutcome.Succeeded)
                {
                    LogFollowed(logger, desired.Version, desired.Activation, desired.RequestedBy);
                }
                else
                {
                    LogNotFollowed(logger, desired.Version, desired.Activation, result.FromVersion ?? "none", result.Message ?? result.Outcome.ToString());
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the cluster's bundle {Version} (activation {Activation}, by {RequestedBy})")]
    private static partial void LogFollowed(ILogger logger, string version, long activation, string requestedBy);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cluster's bundle {Version} (activation {Activation}) cannot be served here; still serving {Serving}: {Reason}")]
    private static partial void LogNotFollowed(ILogger logger, string version, long activation, string serving, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's active bundle cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
