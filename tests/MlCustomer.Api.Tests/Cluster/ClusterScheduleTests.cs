using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;
using Npgsql;

namespace MlCustomer.Api.Tests.Cluster;

/// <summary>The schedule on a cluster: Quartz's clustered store on PostgreSQL fires each trigger on exactly one replica.</summary>
[Collection(ClusterProcesses.Name)]
public sealed class ClusterScheduleTests
{
    [SkippableFact]
    public async Task OneFiringOfTheScheduleRunsOnceAcrossTwoReplicas()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        // One firing, far enough ahead for both replicas to start: with a store per replica each would queue a run.
        var at = DateTimeOffset.UtcNow.AddSeconds(60);
        var once = new Dictionary<string, string>
        {
            ["MlCustomer:Schedule:Cron"] = string.Create(CultureInfo.InvariantCulture, $"{at:ss} {at:mm} {at:HH} {at:dd} {at:MM} ? {at:yyyy}"),
        };
        await using var a = new Replica("a", database, once);
        await using var b = new Replica("b", database, once);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        Assert.True(DateTimeOffset.UtcNow < at, "The replicas took too long to start for this test's one firing");
        // Quartz's cluster manager checks a node in on its own thread after the scheduler starts, so a replica
        // that answers ready may not have its row yet: wait (bounded) for both check-ins.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var nodes = new NpgsqlCommand("SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = 'mlcustomer'", connection);
            var checkedIn = 0L;
            for (var deadline = DateTimeOffset.UtcNow.AddSeconds(20); DateTimeOffset.UtcNow < deadline && DateTimeOffset.UtcNow < at; await Task.Delay(250))
            {
                checkedIn = (long)(await nodes.ExecuteScalarAsync())!;
                if (checkedIn == 2)
                {
                    break;
                }
            }

            Assert.Equal(2L, checkedIn);
        }

        await Task.Delay(at - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10));
        var runs = new List<(string Replica, JsonElement Run)>();
        foreach (var replica in new[] { a, b })
        {
            using var client = replica.Client(ApiFactory.ScorerKey);
            var list = (await client.GetFromJsonAsync<List<JsonElement>>(new Uri("/api/v1/scoring-runs", UriKind.Relative)))!;
            runs.AddRange(list.Select(run => (replica.Name, run)));
        }

        var scheduled = Assert.Single(runs);
        Assert.Equal("schedule", scheduled.Run.GetProperty("requestedBy").GetString());
    }
}
