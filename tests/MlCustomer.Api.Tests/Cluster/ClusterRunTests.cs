using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Storage;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.SampleData;
using Npgsql;

namespace MlCustomer.Api.Tests.Cluster;

/// <summary>
/// Scoring runs shared by replicas on one PostgreSQL store (<c>MlCustomer:Storage:PostgreSql</c>): a run requested on any
/// replica is executed once, by the replica that claims it; when that replica dies, another takes the run over once its
/// lease has expired; a replica that starts does not fail the runs others execute; a run never mixes bundles.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterRunTests
{
    // A base big enough that the run is still writing when its replica is killed (seconds of work, chunks of 4,096).
    private const int Customers = 200_000;

    // Short leases keep the take-over (and the test) short; production's default is 30 s.
    private const int LeaseSeconds = 6;

    private static readonly Lazy<string> BigData = new(() =>
    {
        var folder = Path.Combine(TestBundle.Instance.Folder, "cluster-run-data");
        SampleDataGenerator.Write(new SampleDataOptions { Customers = Customers, Seed = 11 }, folder);
        return folder;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    [SkippableFact]
    public async Task ARunRequestedOnOneReplicaIsExecutedOnceSurvivesItsReplicasDeathAndARestartAndStoresEveryCustomerOnce()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        var data = BigData.Value;
        var settings = new Dictionary<string, string>
        {
            ["MlCustomer:Storage:PostgreSql"] = database,
            ["MlCustomer:Storage:RunLeaseSeconds"] = LeaseSeconds.ToString(CultureInfo.InvariantCulture),
            ["MlCustomer:Storage:RunPollSeconds"] = "1",
            ["MlCustomer:TransactionsPath"] = Path.Combine(data, SampleDataGenerator.TransactionsFile),
            ["MlCustomer:CustomersPath"] = Path.Combine(data, SampleDataGenerator.CustomersFile),
            ["MlCustomer:ServiceEventsPath"] = Path.Combine(data, SampleDataGenerator.ServiceEventsFile),
        };
        await using var a = new Replica("a", database, settings);
        await using var b = new Replica("b", database, settings);
        await using var c = new Replica("c", database, settings);
        Replica[] replicas = [a, b, c];
        await Task.WhenAll(replicas.Select(r => r.StartAsync()));

        using var admin = a.Client(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // The replica executing it has written some chunks: it is killed mid-run.
        var (firstOwner, firstKey) = await WaitAsync(database, runId, TimeSpan.FromMinutes(3), async connection =>
            await LeaseAsync(connection, runId) is { Owner: { } owner, Key: { } key } && await CountAsync(connection, $"SELECT COUNT(*) FROM customer_scores WHERE score_key = {key}") > 0
                ? (owner, key)
                : default((string, long)?));
        var executing = replicas.Single(r => firstOwner.Split('/')[1] == r.ProcessId?.ToString(CultureInfo.InvariantCulture));
        var others = replicas.Where(r => r != executing).ToList();
        await executing.StopAsync();

        // A replica restarting meanwhile does not fail the run the dead one left (nor the run its successor executes).
        await others[0].StopAsync();
        await others[0].StartAsync();
        using var reader = others[1].Client(ApiFactory.ScorerKey);
        Assert.Equal("running", (await reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/scoring-runs/{runId}", UriKind.Relative))).GetProperty("status").GetString());

        var run = await WaitForEndAsync(reader, runId, TimeSpan.FromMinutes(5));
        Assert.True(run.GetProperty("status").GetString() == "succeeded", $"{run}\n{string.Join("\n", others.Select(r => r.Output))}");
        Assert.Equal(Customers, run.GetProperty("customersScored").GetInt64());
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var (finalOwner, finalKey) = await LeaseAsync(connection, runId);
        Assert.NotEqual(firstOwner, finalOwner);
        Assert.NotEqual(firstKey, finalKey);
        // Every customer stored exactly once, under the run's key only: the dead replica's chunks were deleted.
        Assert.Equal(Customers, await CountAsync(connection, "SELECT COUNT(*) FROM customer_scores"));
        Assert.Equal(Customers, await CountAsync(connection, $"SELECT COUNT(DISTINCT customer_id) FROM customer_scores WHERE score_key = {finalKey}"));
        // Executed to its end once: one replica (not the dead one) stored it.
        Assert.Equal(1, others.Sum(r => Count(r.Output, $"Scoring run {runId} stored")));
        Assert.Equal(0, Count(executing.Output, $"Scoring run {runId} stored"));
        Assert.Equal(1, await CountAsync(connection, "SELECT COUNT(*) FROM scoring_runs"));
        using var customer = await reader.GetAsync(new Uri($"/api/v1/customers/{Uri.EscapeDataString(FirstCustomer(BigData.Value))}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, customer.StatusCode);
    }

    [SkippableFact]
    public async Task AnAbandonedRunIsTakenOverOnlyByAReplicaServingItsBundleAndOnlyOnceItsLeaseExpired()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        using var store = new ScoreStore(
            Options.Create(new StorageOptions { Storage = new ScoreDatabase { PostgreSql = database } }),
            new HostingEnvironment { ContentRootPath = Path.GetTempPath() }, NullLogger<ScoreStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        var run = new ScoringRun { Id = "run-1", Status = RunStatus.Queued, RequestedBy = "test", RequestedAt = DateTimeOffset.UtcNow };
        await store.CreateRunAsync(run, CancellationToken.None);

        var claimed = await store.ClaimRunAsync("mlc-aaaaaaaaaaaa", TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.Equal(("run-1", "running", "mlc-aaaaaaaaaaaa"), (claimed?.Id, claimed?.Status, claimed?.ModelVersion));
        // Its holder wrote a chunk, then died (no renewal).
        await using (var writer = await store.BeginRunScoresAsync(run.Id, claimed!.ScoreKey!.Value, CancellationToken.None))
        {
            writer.Add(new CompactScore("c-1", 0.5, "medium", null, 1, 2, [0], null, null, null));
            writer.CommitChunk();
        }

        Assert.Null(await store.ClaimRunAsync("mlc-aaaaaaaaaaaa", TimeSpan.FromSeconds(2), CancellationToken.None));
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.Null(await store.ClaimRunAsync("mlc-bbbbbbbbbbbb", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal([("run-1", "mlc-aaaaaaaaaaaa")], await store.ExpiredRunsOfOtherBundlesAsync("mlc-bbbbbbbbbbbb", CancellationToken.None));
        var takenOver = await store.ClaimRunAsync("mlc-aaaaaaaaaaaa", TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("run-1", takenOver?.Id);
        Assert.NotEqual(claimed.ScoreKey, takenOver!.ScoreKey);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        Assert.Equal(0, await CountAsync(connection, "SELECT COUNT(*) FROM customer_scores"));
        // The first holder, back, can neither renew nor finish the run it lost.
        Assert.False(await store.RenewLeaseAsync(claimed, TimeSpan.FromSeconds(30), CancellationToken.None));
        await using (var late = await store.BeginRunScoresAsync(run.Id, claimed.ScoreKey!.Value, CancellationToken.None))
        {
            late.Add(new CompactScore("c-1", 0.5, "medium", null, 1, 2, [0], null, null, null));
            Assert.Throws<RunLeaseLostException>(late.CommitChunk);
        }

        Assert.Equal(0, await CountAsync(connection, "SELECT COUNT(*) FROM customer_scores"));
    }

    private static string FirstCustomer(string folder) =>
        File.ReadLines(Path.Combine(folder, SampleDataGenerator.CustomersFile)).Skip(1).First().Split(',')[0];

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task<(string? Owner, long? Key)> LeaseAsync(NpgsqlConnection connection, string runId)
    {
        await using var command = new NpgsqlCommand("SELECT lease_owner, score_key FROM scoring_runs WHERE id = $1", connection);
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() && !reader.IsDBNull(0) ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)) : (null, null);
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
#pragma warning disable CA2100 // Test SQL built from the test's own values.
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<T> WaitAsync<T>(string database, string runId, TimeSpan timeout, Func<NpgsqlConnection, Task<T?>> found)
        where T : struct
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < timeout; await Task.Delay(100))
        {
            if (await found(connection) is { } value)
            {
                return value;
            }
        }

        throw new TimeoutException($"Scoring run {runId} did not reach the awaited state in {timeout}.");
    }

    private static async Task<JsonElement> WaitForEndAsync(HttpClient client, string runId, TimeSpan timeout)
    {
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < timeout; await Task.Delay(250))
        {
            var run = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/scoring-runs/{runId}", UriKind.Relative));
            if (run.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                return run;
            }
        }

        throw new TimeoutException($"Scoring run {runId} did not end in {timeout}.");
    }
}
