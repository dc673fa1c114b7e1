using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Cluster;

/// <summary>Model activation across real API processes sharing one PostgreSQL: a reload or rollback on one replica is served by all.</summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterModelTests
{
    // Each replica reads the cluster's bundle every second; loading and warming the test bundle takes a few seconds more
    // on a busy two-core machine running three replicas.
    private static readonly Dictionary<string, string> FastCheck = new() { ["MlCustomer:Cluster:ModelCheckSeconds"] = "1" };

    // The timed check alone (no LISTEN): the fallback for notifications lost while a replica was not listening.
    private static readonly Dictionary<string, string> CheckOnly = new()
    {
        ["MlCustomer:Cluster:ModelCheckSeconds"] = "1",
        ["MlCustomer:Cluster:ListenForActivations"] = "false",
    };
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task AReloadOnOneReplicaIsServedByAllThreeWithinTheBoundAndNoRequestFails()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        await using var a = new Replica("a", database, CheckOnly);
        await using var b = new Replica("b", database, CheckOnly);
        await using var c = new Replica("c", database, CheckOnly);
        Replica[] replicas = [a, b, c];
        var next = replicas.Select(r => r.AddBundle("next", variant: 1)).Distinct().Single();
        await Task.WhenAll(replicas.Select(r => r.StartAsync()));
        Assert.NotEqual(TestBundle.Instance.Version, next);
        foreach (var replica in replicas)
        {
            Assert.Equal(TestBundle.Instance.Version, await ServedVersionAsync(replica));
            Assert.Contains("no reload recorded for the cluster yet", await ReadyAsync(replica), StringComparison.Ordinal);
        }

        // Scoring requests to every replica for the whole reload: none may fail, and each says which bundle scored it.
        using var stop = new CancellationTokenSource();
        var traffic = replicas.Select(r => ScoreUntilAsync(r, next, stop.Token)).ToList();
        var clock = Stopwatch.StartNew();
        using (var admin = a.Client(ApiFactory.AdminKey))
        {
            using var reload = await admin.ReloadAsync("next");
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        var converged = await WaitUntilAllServeAsync(replicas, next);
        var convergence = clock.Elapsed;
        // Each replica's traffic goes on until it has been answered by the new bundle (or the bound passed): a request
        // in flight during the swap may still answer with the old one, however long the machine takes for the next.
        await stop.CancelAsync();
        var seen = await Task.WhenAll(traffic);

        Assert.True(converged, $"Not every replica served {next} within {Bound}: " + string.Join(", ", await Task.WhenAll(replicas.Select(ReadyAsync))));
        foreach (var (replica, versions) in replicas.Zip(seen))
        {
            Assert.Contains(next, versions);
            Assert.All(versions, v => Assert.Contains(v, new[] { TestBundle.Instance.Version, next }));
            // The readiness text follows the swap (the replica records what it serves after loading it): read until it does.
            Assert.True(await EventuallyAsync(async () => (await ReadyAsync(replica)).Contains($"serving {next}, the cluster's bundle", StringComparison.Ordinal)),
                $"{replica.Name}'s readiness never said it serves {next}: {await ReadyAsync(replica)}");
        }

        // A rollback on another replica is cluster-wide too.
        using (var admin = b.Client(ApiFactory.AdminKey))
        {
            using var rollback = await admin.PostAsync(new Uri("/api/v1/models/rollback", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        }

        Assert.True(await WaitUntilAllServeAsync(replicas, TestBundle.Instance.Version), "The rollback did not reach every replica");
        // The other replicas' audits say they followed the cluster (each writes its audit after it swapped: read until there).
        using var audits = a.Client(ApiFactory.AdminKey);
        Assert.True(await EventuallyAsync(async () =>
            (await audits.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models/reloads", UriKind.Relative))).EnumerateArray()
                .Any(e => e.GetProperty("requestedBy").GetString() == "cluster" && e.GetProperty("toVersion").GetString() == TestBundle.Instance.Version)),
            "No replica audited following the cluster's rollback");
        Console.WriteLine($"Reload convergence across three replicas: {convergence.TotalSeconds:0.0} s (check every 1 s); requests during it: {seen.Sum(s => s.Count)}, none failed");
    }

    [SkippableFact]
    public async Task AReloadIsAnnouncedSoTheOtherReplicaServesItLongBeforeItsNextCheck()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        // A check every 300 s (the longest allowed): within the 30 s bound only the notification can bring the bundle.
        var slowCheck = new Dictionary<string, string> { ["MlCustomer:Cluster:ModelCheckSeconds"] = "300" };
        await using var a = new Replica("a", database, slowCheck);
        await using var b = new Replica("b", database, slowCheck);
        Replica[] replicas = [a, b];
        var next = replicas.Select(r => r.AddBundle("next", variant: 1)).Distinct().Single();
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        Assert.True(await EventuallyAsync(() => Task.FromResult(b.Output.Contains("Listening for the cluster's bundle activations", StringComparison.Ordinal))),
            $"b never said it listens:\n{b.Output}");

        var clock = Stopwatch.StartNew();
        using (var admin = a.Client(ApiFactory.AdminKey))
        {
            using var reload = await admin.ReloadAsync("next");
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        Assert.True(await WaitUntilAllServeAsync(replicas, next), $"b did not serve {next} within {Bound}: {await ReadyAsync(b)}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(300));
        Console.WriteLine($"Reload convergence by notification across two replicas: {clock.Elapsed.TotalSeconds:0.0} s (check every 300 s)");
    }

    [SkippableFact]
    public async Task AReplicaThatCannotLoadTheClustersBundleKeepsItsOwnAndSaysSo()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        await using var a = new Replica("a", database, FastCheck);
        await using var b = new Replica("b", database, FastCheck);
        var next = a.AddBundle("next", variant: 1);
        // b's folder of that name holds another bundle: b must not serve it under the cluster's version.
        var other = b.AddBundle("next", variant: 2);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        using (var admin = a.Client(ApiFactory.AdminKey))
        {
            using var reload = await admin.ReloadAsync("next");
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        string ready = "";
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < Bound; await Task.Delay(250))
        {
            ready = await ReadyAsync(b);
            if (ready.StartsWith("Degraded", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.StartsWith($"Degraded: the cluster's bundle {next} cannot be loaded here, still serving {TestBundle.Instance.Version}", ready, StringComparison.Ordinal);
        Assert.Contains($"now holds bundle {other}, not {next}", ready, StringComparison.Ordinal);
        Assert.Equal(TestBundle.Instance.Version, await ServedVersionAsync(b));
        Assert.Equal(next, await ServedVersionAsync(a));
        // Degraded is still ready (200): the replica keeps serving its bundle while an operator looks.
        using var client = b.Client(null);
        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [SkippableFact]
    public async Task AReloadTheClusterCannotRecordIsA503AndTheOldBundleKeepsServing()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        await using var a = new Replica("a", database, FastCheck);
        a.AddBundle("next", variant: 1);
        await a.StartAsync();
        // The table is gone after the replica created it: the record fails the way an unreachable database does.
        await using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await TestPostgres.ExecuteAsync(connection, "ALTER TABLE mlcustomer_active_model RENAME TO mlcustomer_active_model_away");
        }

        using var admin = a.Client(ApiFactory.AdminKey);
        using var reload = await admin.ReloadAsync("next");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, reload.StatusCode);
        var problem = await reload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The cluster could not record the bundle", problem.GetProperty("title").GetString());
        Assert.Contains($"The model serving is unchanged on every replica ({TestBundle.Instance.Version})", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TestBundle.Instance.Version, await ServedVersionAsync(a));
        var audit = (await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models/reloads", UriKind.Relative))).EnumerateArray().First();
        Assert.Equal("refused", audit.GetProperty("outcome").GetString());
        Assert.Contains("the cluster's coordination database could not record it, so no replica switched to it", audit.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<bool> WaitUntilAllServeAsync(IReadOnlyList<Replica> replicas, string version) =>
        await EventuallyAsync(async () => (await Task.WhenAll(replicas.Select(ServedVersionAsync))).All(v => v == version));

    // True once the condition holds, read every 100 ms up to the bound; false if it never did.
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < Bound; await Task.Delay(100))
        {
            if (await condition())
            {
                return true;
            }
        }

        return await condition();
    }

    private static async Task<string> ServedVersionAsync(Replica replica)
    {
        using var client = replica.Client(ApiFactory.ScorerKey);
        var model = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models", UriKind.Relative));
        return model.GetProperty("version").GetString()!;
    }

    private static async Task<string> ReadyAsync(Replica replica)
    {
        using var client = replica.Client(null);
        return await client.GetStringAsync(new Uri("/health/ready", UriKind.Relative));
    }

    // Scores one customer after another until stopped and answered by <paramref name="awaited"/> (or the bound passed after
    // the stop); any answer but 200 fails the test with the replica's name.
    private static async Task<List<string>> ScoreUntilAsync(Replica replica, string awaited, CancellationToken stop)
    {
        using var client = replica.Client(ApiFactory.ScorerKey);
        var versions = new List<string>();
        var body = Requests.FeaturesBody(1);
        var afterStop = new Stopwatch();
        while (!stop.IsCancellationRequested || (!versions.Contains(awaited) && afterStop.Elapsed < Bound))
        {
            if (stop.IsCancellationRequested)
            {
                afterStop.Start();
            }

            using var response = await client.ScoreAsync(body);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{replica.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
            var scored = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
            versions.Add(scored.GetProperty("modelVersion").GetString()!);
            await Task.Delay(20, CancellationToken.None);
        }

        return versions;
    }
}

/// <summary>The cluster tests start several API processes each: they run one at a time, not beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcesses
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Cluster replicas";
}
