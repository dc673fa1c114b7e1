using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Api.Cluster;
using Npgsql;

namespace MlCustomer.Api.Tests.Cluster;

/// <summary>The start-up scoring run on a cluster: checked and queued under a PostgreSQL advisory lock, one replica at a time.</summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterStartupRunTests
{
    [SkippableFact]
    public async Task TheStartUpRunWaitsForTheClustersLockAndIsQueuedOnceItIsFree()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        await using var a = new Replica("a", database, new Dictionary<string, string> { ["MlCustomer:Workspace:ScoreOnStart"] = "true" });

        // Another replica holds the lock (as one does while it checks and queues its own start-up run).
        await using var other = new NpgsqlConnection(database);
        await other.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({ClusterDatabase.StartupScoringRunLock})", other))
        {
            await take.ExecuteNonQueryAsync();
        }

        await a.StartAsync();
        // The replica is waiting for the lock (observed in PostgreSQL's lock table, however long it took to get there), and
        // has queued nothing meanwhile.
        var waiting = false;
        await using (var locks = new NpgsqlCommand(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", other))
        {
            for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(60) && !waiting; await Task.Delay(200))
            {
                waiting = (long)(await locks.ExecuteScalarAsync())! > 0;
            }
        }

        Assert.True(waiting, $"The replica never waited for the start-up run's lock:\n{a.Output}");
        Assert.Empty(await RunsAsync(a));

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({ClusterDatabase.StartupScoringRunLock})", other))
        {
            await release.ExecuteNonQueryAsync();
        }

        List<JsonElement> runs = [];
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(30) && runs.Count == 0; await Task.Delay(200))
        {
            runs = await RunsAsync(a);
        }

        Assert.Equal("startup", Assert.Single(runs).GetProperty("requestedBy").GetString());
    }

    private static async Task<List<JsonElement>> RunsAsync(Replica replica)
    {
        using var client = replica.Client(ApiFactory.ScorerKey);
        return (await client.GetFromJsonAsync<List<JsonElement>>(new Uri("/api/v1/scoring-runs", UriKind.Relative)))!;
    }
}
