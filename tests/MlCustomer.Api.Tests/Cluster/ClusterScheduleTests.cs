using System.Diagnostics;
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
        // One firing, far enough ahead for both replicas to start and check in: with a store per replica each would queue a
        // run. How long starting takes depends on the machine's load: when the firing came first, the test starts over on a
        // new database with a lead of twice the start-up it measured (a bounded number of times), instead of assuming a speed.
        var lead = TimeSpan.FromSeconds(60);
        for (var attempt = 1; ; attempt++)
        {
            var database = await Replica.NewClusterDatabaseAsync();
            var at = DateTimeOffset.UtcNow.Add(lead);
            var once = new Dictionary<string, string>
            {
                ["MlCustomer:Schedule:Cron"] = string.Create(CultureInfo.InvariantCulture, $"{at:ss} {at:mm} {at:HH} {at:dd} {at:MM} ? {at:yyyy}"),
            };
            var starting = Stopwatch.StartNew();
            await using var a = new Replica("a", database, once);
            await using var b = new Replica("b", database, once);
            await Task.WhenAll(a.StartAsync(), b.StartAsync());
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            // Quartz's cluster manager checks a node in on its own thread after the scheduler starts, so a replica that
            // answers ready may not have its row yet: wait (until the firing at most) for both check-ins.
            var checkedIn = 0L;
            while (DateTimeOffset.UtcNow < at && (checkedIn = await CountAsync(connection, "SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = 'mlcustomer'")) < 2)
            {
                await Task.Delay(250);
            }

            if (checkedIn < 2 && attempt < 3)
            {
                lead = (starting.Elapsed * 2) + TimeSpan.FromSeconds(30);
                continue;
            }

            Assert.True(checkedIn == 2, $"Both replicas were not checked in before the firing at {at:O} ({checkedIn} were), in {attempt} attempts");

            // The firing is over once the run is queued, no execution is in flight and the trigger will not fire again
            // (a cron of one year has no next time): read until then, bounded, however late the loaded machine fires it.
            List<(string Replica, JsonElement Run)> runs = [];
            while (true)
            {
                runs = [];
                foreach (var replica in new[] { a, b })
                {
                    using var client = replica.Client(ApiFactory.ScorerKey);
                    var list = (await client.GetFromJsonAsync<List<JsonElement>>(new Uri("/api/v1/scoring-runs", UriKind.Relative)))!;
                    runs.AddRange(list.Select(run => (replica.Name, run)));
                }

                var settled = runs.Count > 0
                    && await CountAsync(connection, "SELECT count(*) FROM qrtz_fired_triggers WHERE sched_name = 'mlcustomer'") == 0
                    && await CountAsync(connection, "SELECT count(*) FROM qrtz_triggers WHERE sched_name = 'mlcustomer' AND next_fire_time IS NOT NULL AND trigger_state <> 'COMPLETE'") == 0;
                if (settled || DateTimeOffset.UtcNow > at + TimeSpan.FromMinutes(3))
                {
                    break;
                }

                await Task.Delay(500);
            }

            var scheduled = Assert.Single(runs);
            Assert.Equal("schedule", scheduled.Run.GetProperty("requestedBy").GetString());
            return;
        }
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
#pragma warning disable CA2100 // Test SQL written in the test.
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
