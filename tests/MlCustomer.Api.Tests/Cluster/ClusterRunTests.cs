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
/// replica is held by one replica and its chunks are scored by every free one; when a replica dies, its run and chunks are
/// taken over once their leases have expired; a replica that starts does not fail the runs others execute; a run never
/// mixes bundles.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterRunTests
{
    // A base big enough that the run is still writing when its replica is killed (seconds of work, chunks of 4,096).
    private const int Customers = 200_000;

    // Short leases keep the take-over (and the test) short, long enough for a chunk on a loaded 2-core machine; production's default is 30 s.
    private const int LeaseSeconds = 10;

    // Smaller chunks than production's 4,096 share the run more evenly among three processes on two cores.
    private const int ChunkCustomers = 1_024;

    private static readonly Lazy<string> BigData = new(() =>
    {
        var folder = Path.Combine(TestBundle.Instance.Folder, "cluster-run-data");
        SampleDataGenerator.Write(new SampleDataOptions { Customers = Customers, Seed = 11 }, folder);
        return folder;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    [SkippableFact]
    public async Task ARunRequestedOnOneReplicaIsSplitAcrossAllThreeAndARunSurvivesItsHoldersDeathAndARestartStoringEveryCustomerOnce()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        var data = BigData.Value;
        var settings = new Dictionary<string, string>
        {
            ["MlCustomer:Storage:PostgreSql"] = database,
            ["MlCustomer:Storage:RunLeaseSeconds"] = LeaseSeconds.ToString(CultureInfo.InvariantCulture),
            ["MlCustomer:Storage:RunPollSeconds"] = "1",
            ["MlCustomer:Storage:RunChunkCustomers"] = ChunkCustomers.ToString(CultureInfo.InvariantCulture),
            ["MlCustomer:TransactionsPath"] = Path.Combine(data, SampleDataGenerator.TransactionsFile),
            ["MlCustomer:CustomersPath"] = Path.Combine(data, SampleDataGenerator.CustomersFile),
            ["MlCustomer:ServiceEventsPath"] = Path.Combine(data, SampleDataGenerator.ServiceEventsFile),
        };
        await using var a = new Replica("a", database, settings);
        await using var b = new Replica("b", database, settings);
        await using var c = new Replica("c", database, settings);
        Replica[] replicas = [a, b, c];
        await Task.WhenAll(replicas.Select(r => r.StartAsync()));
        var pids = replicas.ToDictionary(r => r.ProcessId!.Value.ToString(CultureInfo.InvariantCulture), r => r);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();

        // 1. Requested on one replica, executed once, its chunks stored by all three. The other two start claiming once they
        // have read the data and built the features themselves, which on a loaded two-core machine can take longer than
        // the holder needs for every chunk: the test holds the run's unclaimed chunks (row locks, which claims skip) until
        // every replica says it claims chunks, so "all three shared the work" does not depend on the machine's speed.
        var first = await StartRunAsync(a);
        await using (var gate = await HoldUnclaimedChunksAsync(database, first))
        {
            await WaitAsync(database, first, TimeSpan.FromMinutes(4), _ => Task.FromResult<string?>(
                replicas.All(r => r.Output.Contains($"Scoring run {first}: replica ", StringComparison.Ordinal) || r.Output.Contains($"Scoring run {first} claimed", StringComparison.Ordinal))
                    ? "ready" : null));
        }

        using var reader = c.Client(ApiFactory.ScorerKey);
        var run = await WaitForEndAsync(reader, first, TimeSpan.FromMinutes(5));
        Assert.True(run.GetProperty("status").GetString() == "succeeded", $"{run}\n{string.Join("\n", replicas.Select(r => r.Output))}");
        Assert.Equal(Customers, run.GetProperty("customersScored").GetInt64());
        var chunksBy = await DoneByAsync(connection, first);
        Assert.True(pids.Keys.All(pid => chunksBy.Any(d => d.Owner.Split('/')[1] == pid)), $"chunks by replica: {string.Join(", ", chunksBy)}");
        Assert.Equal((Customers + ChunkCustomers - 1) / ChunkCustomers, chunksBy.Sum(d => d.Chunks));
        Assert.Equal(1, replicas.Sum(r => Count(r.Output, $"Scoring run {first} stored {Customers} scores")));
        // The holder combined the other replicas' chunks from the summary inputs they stored with them, reading no customer row back.
        Assert.Equal(1, replicas.Sum(r => Count(r.Output, $"Scoring run {first}: summaries from ")));
        Assert.DoesNotContain(replicas, r => r.Output.Contains("stored without summary inputs", StringComparison.Ordinal));
        var (_, firstKey) = await LeaseAsync(connection, first);
        Assert.Equal(Customers, await CountAsync(connection, $"SELECT COUNT(*) FROM customer_scores WHERE score_key = {firstKey}"));

        // 2. Another run: its holder is killed once chunks are stored and some are left, and another replica restarts.
        var second = await StartRunAsync(b);
        var holder = await WaitAsync(database, second, TimeSpan.FromMinutes(4), async wait =>
        {
            var (owner, key) = await LeaseAsync(wait, second);
            var pending = await CountAsync(wait, $"SELECT COUNT(*) FROM scoring_run_chunks WHERE run_id = '{second}' AND status <> 'done'");
            if (await CountAsync(wait, $"SELECT COUNT(*) FROM scoring_runs WHERE id = '{second}' AND status = 'succeeded'") == 1)
            {
                throw new InvalidOperationException($"The run ended before its holder could be killed.\n{string.Join("\n", replicas.Select(r => r.Output))}");
            }

            return owner is not null && key is { } k && pending > 5 && await CountAsync(wait, $"SELECT COUNT(*) FROM customer_scores WHERE score_key = {k}") > 0
                ? owner
                : null;
        });
        var killed = pids[holder.Split('/')[1]];
        var others = replicas.Where(r => r != killed).ToList();
        await killed.StopAsync();
        await others[0].StopAsync();
        await others[0].StartAsync();
        using var survivor = others[1].Client(ApiFactory.ScorerKey);
        Assert.NotEqual("failed", (await survivor.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/scoring-runs/{second}", UriKind.Relative))).GetProperty("status").GetString());

        run = await WaitForEndAsync(survivor, second, TimeSpan.FromMinutes(5));
        Assert.True(run.GetProperty("status").GetString() == "succeeded", $"{run}\n{string.Join("\n", others.Select(r => r.Output))}");
        Assert.Equal(Customers, run.GetProperty("customersScored").GetInt64());
        var (finalHolder, secondKey) = await LeaseAsync(connection, second);
        Assert.NotEqual(holder, finalHolder);
        // Every customer stored exactly once under the run's key; ended once, not by the dead holder.
        Assert.Equal(Customers, await CountAsync(connection, $"SELECT COUNT(*) FROM customer_scores WHERE score_key = {secondKey}"));
        Assert.Equal(Customers, await CountAsync(connection, $"SELECT COUNT(DISTINCT customer_id) FROM customer_scores WHERE score_key = {secondKey}"));
        Assert.Equal(1, others.Sum(r => Count(r.Output, $"Scoring run {second} stored {Customers} scores")));
        // The new holder combined the chunks the dead one and the others stored from their summary inputs too.
        Assert.Equal(1, others.Sum(r => Count(r.Output, $"Scoring run {second}: summaries from ")));
        Assert.Equal(0, Count(killed.Output, $"Scoring run {second} stored {Customers} scores"));
        Assert.Equal(2, await CountAsync(connection, "SELECT COUNT(*) FROM scoring_runs"));
        using var customer = await survivor.GetAsync(new Uri($"/api/v1/customers/{Uri.EscapeDataString(FirstCustomer(BigData.Value))}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, customer.StatusCode);
    }

    // Locks (FOR UPDATE, in a transaction left open) every chunk of the run not yet claimed, once the run is planned: claims
    // skip locked chunks, so no replica can take them until the returned transaction ends (disposing it rolls it back).
    private static async Task<NpgsqlTransaction> HoldUnclaimedChunksAsync(string database, string runId)
    {
        await WaitAsync(database, runId, TimeSpan.FromMinutes(4), async wait =>
            await CountAsync(wait, $"SELECT COUNT(*) FROM scoring_run_chunks WHERE run_id = '{runId}'") > 0 ? "planned" : null);
        var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var hold = new NpgsqlCommand(
            "SELECT chunk_index FROM scoring_run_chunks WHERE run_id = $1 AND status = 'pending' FOR UPDATE SKIP LOCKED", connection, transaction);
        hold.Parameters.AddWithValue(runId);
        await using (var reader = await hold.ExecuteReaderAsync())
        {
            var held = 0;
            while (await reader.ReadAsync())
            {
                held++;
            }

            Assert.True(held > 50, $"Only {held} chunks of run {runId} were still unclaimed when the test held them.");
        }

        return transaction;
    }

    private static async Task<string> StartRunAsync(Replica replica)
    {
        using var admin = replica.Client(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        return (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    [SkippableFact]
    public async Task AnAbandonedRunAndItsChunksAreTakenOverOnlyByAReplicaServingItsBundleAndOnlyOnceTheirLeasesExpired()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        using var first = Store(database);
        using var other = Store(database);
        await first.InitializeAsync(CancellationToken.None);
        await other.InitializeAsync(CancellationToken.None);
        var lease = TimeSpan.FromSeconds(2);
        await first.CreateRunAsync(new ScoringRun { Id = "run-1", Status = RunStatus.Queued, RequestedBy = "test", RequestedAt = DateTimeOffset.UtcNow }, CancellationToken.None);

        var claimed = await first.ClaimRunAsync("mlc-aaaaaaaaaaaa", lease, CancellationToken.None);
        Assert.Equal(("run-1", "running", "mlc-aaaaaaaaaaaa"), (claimed?.Id, claimed?.Status, claimed?.ModelVersion));
        await first.PlanChunksAsync("run-1", new DateOnly(2025, 6, 30), customers: 3, chunkSize: 2, CancellationToken.None);
        var chunk0 = await first.ClaimChunkAsync("mlc-aaaaaaaaaaaa", lease, null, CancellationToken.None);
        Assert.True(await first.WriteChunkAsync(chunk0!, [Row("c-1"), Row("c-2")], new Dictionary<int, string> { [0] = "Champions" }, null, null, CancellationToken.None));
        // The first replica claims the second chunk, then dies: no renewal, no write.
        var chunk1 = await first.ClaimChunkAsync("mlc-aaaaaaaaaaaa", lease, null, CancellationToken.None);
        Assert.Equal((0, 1), (chunk0!.ChunkIndex, chunk1!.ChunkIndex));
        Assert.Null(await other.ClaimChunkAsync("mlc-aaaaaaaaaaaa", lease, null, CancellationToken.None));
        Assert.Null(await other.ClaimRunAsync("mlc-aaaaaaaaaaaa", lease, CancellationToken.None));
        await Task.Delay(lease + TimeSpan.FromSeconds(0.5));

        Assert.Null(await other.ClaimRunAsync("mlc-bbbbbbbbbbbb", lease, CancellationToken.None));
        Assert.Null(await other.ClaimChunkAsync("mlc-bbbbbbbbbbbb", lease, null, CancellationToken.None));
        Assert.Equal([("run-1", "mlc-aaaaaaaaaaaa")], await other.RunsOfOtherBundlesAsync("mlc-bbbbbbbbbbbb", CancellationToken.None));
        var takenOver = await other.ClaimRunAsync("mlc-aaaaaaaaaaaa", TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(("run-1", claimed!.ScoreKey), (takenOver?.Id, takenOver?.ScoreKey));
        var again = await other.ClaimChunkAsync("mlc-aaaaaaaaaaaa", TimeSpan.FromSeconds(30), "run-1", CancellationToken.None);
        Assert.Equal((1, 2), (again?.ChunkIndex, again?.Claim));

        // The first replica, back, can neither store its chunk, renew its lease nor end the run it lost.
        Assert.False(await first.WriteChunkAsync(chunk1, [Row("c-3")], new Dictionary<int, string>(), null, null, CancellationToken.None));
        Assert.False(await first.RenewLeaseAsync(claimed, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.False(await first.UpdateLeasedRunAsync(claimed with { Status = RunStatus.Succeeded }, CancellationToken.None));
        Assert.True(await other.WriteChunkAsync(again!, [Row("c-3")], new Dictionary<int, string>(), null, null, CancellationToken.None));
        Assert.Equal((2, 2), await other.ChunkProgressAsync("run-1", CancellationToken.None));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        Assert.Equal(3, await CountAsync(connection, $"SELECT COUNT(*) FROM customer_scores WHERE score_key = {claimed.ScoreKey}"));
        Assert.Equal(3, await CountAsync(connection, "SELECT COUNT(DISTINCT customer_id) FROM customer_scores"));

        static CompactScore Row(string id) => new(id, 0.5, "medium", 0, 1, 2, [0], null);
    }

    private static ScoreStore Store(string database) => new(
        Options.Create(new StorageOptions { Storage = new ScoreDatabase { PostgreSql = database } }),
        new HostingEnvironment { ContentRootPath = Path.GetTempPath() }, NullLogger<ScoreStore>.Instance);

    private static async Task<List<(string Owner, long Chunks)>> DoneByAsync(NpgsqlConnection connection, string runId)
    {
        await using var command = new NpgsqlCommand(
            "SELECT done_by, COUNT(*) FROM scoring_run_chunks WHERE run_id = $1 AND status = 'done' GROUP BY done_by", connection);
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync();
        var doneBy = new List<(string, long)>();
        while (await reader.ReadAsync())
        {
            doneBy.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return doneBy;
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
        where T : class
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
