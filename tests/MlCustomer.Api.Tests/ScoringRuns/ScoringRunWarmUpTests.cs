using System.Net;
using System.Net.Http.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.ScoringRuns;

/// <summary>
/// The start-up rehearsal of a scoring run (<c>MlCustomer:WarmUpRunOnStart</c>): it records nothing in the store, and the
/// first real run after it stores exactly what the first run of a process without it stores.
/// </summary>
public sealed class ScoringRunWarmUpTests
{
    [Fact]
    public async Task TheRehearsalStoresNothingAndTheFirstRunAfterItStoresWhatARunWithoutItStores()
    {
        using var warmed = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:WarmUpRunOnStart"] = "true" });
        using var cold = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:WarmUpRunOnStart"] = "false" });

        var warmedRun = await FirstRunAsync(warmed);
        var coldRun = await FirstRunAsync(cold);

        // The rehearsal's runs and rows went to its own throw-away file: the store holds the one run that was asked for.
        Assert.Equal(1, warmed.StoreScalar("SELECT COUNT(*) FROM scoring_runs"));
        Assert.Equal(1, warmed.StoreScalar("SELECT COUNT(DISTINCT score_key) FROM customer_scores"));
        Assert.Equal(coldRun, warmedRun);
        Assert.Equal(warmedRun, warmed.StoreScalar("SELECT COUNT(*) FROM customer_scores"));
        // Row for row the same scores, decisions' facts, reasons and intervals.
        foreach (var fingerprint in new[]
        {
            "SELECT SUM(CAST(churn_probability * 1e9 AS INTEGER)) FROM customer_scores",
            "SELECT SUM(CAST(COALESCE(predicted_gross_profit, 0) * 1e3 AS INTEGER) + CAST(COALESCE(gross_profit_p90, 0) * 1e3 AS INTEGER)) FROM customer_scores",
            "SELECT SUM(LENGTH(reasons) + COALESCE(LENGTH(facts), 0) + unicode(risk_band) + COALESCE(segment_id, -1)) FROM customer_scores",
        })
        {
            Assert.Equal(cold.StoreScalar(fingerprint), warmed.StoreScalar(fingerprint));
        }
    }

    private static async Task<long> FirstRunAsync(ApiFactory factory)
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = "2025-06-30" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        return run.GetProperty("customersScored").GetInt64();
    }
}
