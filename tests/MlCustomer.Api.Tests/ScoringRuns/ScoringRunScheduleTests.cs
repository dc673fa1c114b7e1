using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.ScoringRuns;

/// <summary>Scoring runs started by the cron schedule (Quartz).</summary>
public sealed class ScoringRunScheduleTests
{
    [Fact]
    public async Task TheScheduleStartsRunsOneAtATimeThatScoreTheCurrentData()
    {
        // Every second: far faster than a run, so the schedule must wait for each run to end before starting the next.
        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:Schedule:Cron"] = "* * * * * ?" });
        await factory.WaitUntilReadyAsync();
        using var reader = factory.ClientWith(ApiFactory.ScorerKey);

        var deadline = DateTime.UtcNow.AddSeconds(90);
        List<JsonElement> runs = [];
        while (DateTime.UtcNow < deadline)
        {
            runs = (await reader.GetFromJsonAsync<List<JsonElement>>(new Uri("/api/v1/scoring-runs", UriKind.Relative)))!;
            // Never two at once: a firing while a run is queued or running is skipped.
            Assert.True(runs.Count(r => r.GetProperty("status").GetString() is "queued" or "running") <= 1, string.Join('\n', runs));
            if (runs.Count(r => r.GetProperty("status").GetString() == "succeeded") >= 2)
            {
                break;
            }

            await Task.Delay(200);
        }

        var succeeded = runs.Where(r => r.GetProperty("status").GetString() == "succeeded").ToList();
        Assert.True(succeeded.Count >= 2, string.Join('\n', runs));
        Assert.All(runs, r => Assert.Equal("schedule", r.GetProperty("requestedBy").GetString()));
        Assert.All(succeeded, r => Assert.Equal(TestBundle.Instance.Data.LastOrderDate.ToString("yyyy-MM-dd"), r.GetProperty("asOfDate").GetString()));
        Assert.DoesNotContain(runs, r => r.GetProperty("status").GetString() == "failed");
    }

    [Fact]
    public void ABadCronExpressionStopsTheStartNamingTheKey()
    {
        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:Schedule:Cron"] = "every night" });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("MlCustomer:Schedule:Cron 'every night' is not a Quartz cron expression", error.ToString(), StringComparison.Ordinal);
    }
}
