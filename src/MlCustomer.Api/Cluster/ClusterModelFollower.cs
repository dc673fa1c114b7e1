using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Models;

namespace MlCustomer.Api.Cluster;

/// <summary>
/// Keeps this replica on the cluster's bundle: every <see cref="ClusterOptions.ModelCheckSeconds"/> reads the active bundle
/// from the coordination database and, when another replica reloaded or rolled back, loads, verifies and swaps to it
/// (<see cref="ModelHost.FollowClusterAsync"/>). Requests keep being served by the old bundle until the swap. A bundle that
/// does not load here is tried again after <see cref="ClusterOptions.ModelRetrySeconds"/>, or as soon as the cluster moves on.
/// With <see cref="ClusterOptions.ListenForActivations"/> it also reads the bundle as soon as a reload or rollback anywhere
/// announces it (PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c>); the timed check stays as the fallback.
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
        // One pending wake-up at most: notifications that come while a check runs are one more check, not one each.
        var announced = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var listening = settings.ListenForActivations ? ListenAsync(announced.Writer, TimeSpan.FromSeconds(settings.ModelCheckSeconds), stoppingToken) : Task.CompletedTask;
        try
        {
            Task<bool>? tick = null;
            Task<bool>? notified = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                notified ??= announced.Reader.WaitToReadAsync(stoppingToken).AsTask();
                if (await Task.WhenAny(tick, notified) == tick)
                {
                    if (!await tick)
                    {
                        break;
                    }

                    tick = null;
                }
                else
                {
                    await notified;
                    announced.Reader.TryRead(out _);
                    notified = null;
                }

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
        finally
        {
            // Ends on the same stop (it returns rather than throws).
            await listening;
        }
    }

    // Listens for announced activations until stopped; a lost connection is opened again after the check interval (the
    // timed checks go on meanwhile), and each (re)start is a wake-up, for what was announced while not listening.
    private async Task ListenAsync(ChannelWriter<bool> announced, TimeSpan retry, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await activation.ListenAsync(stoppingToken);
                connection.Notification += (_, _) => announced.TryWrite(true);
                LogListening(logger);
                announced.TryWrite(true);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                LogNotListening(logger, e.Message);
            }

            try
            {
                await Task.Delay(retry, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for the cluster's bundle activations")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not listening for the cluster's bundle activations (checking on the timer meanwhile): {Reason}")]
    private static partial void LogNotListening(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the cluster's bundle {Version} (activation {Activation}, by {RequestedBy})")]
    private static partial void LogFollowed(ILogger logger, string version, long activation, string requestedBy);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cluster's bundle {Version} (activation {Activation}) cannot be served here; still serving {Serving}: {Reason}")]
    private static partial void LogNotFollowed(ILogger logger, string version, long activation, string serving, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's active bundle cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
