using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.ScoringRuns;

public abstract class ScoringRunsTests(ApiFactory factory, StoreProvider provider)
{
    [SkippableFact]
    public async Task AScoringRunStoresEveryCustomersScoresThatTheCustomerEndpointReturns()
    {
        provider.Require();
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = "2025-06-30" });

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var location = started.Headers.Location!;
        var run = await admin.WaitForRunAsync(location);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal("2025-06-30", run.GetProperty("asOfDate").GetString());
        Assert.True(run.GetProperty("customersScored").GetInt64() > 1_000);
        Assert.True(run.GetProperty("timings").GetProperty("scoringMilliseconds").GetInt64() >= 0);

        var customerId = TestBundle.Instance.Data.Customers![0].CustomerId;
        using var scorer = factory.ClientWith(ApiFactory.ScorerKey);
        var customer = await scorer.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));
        Assert.Equal(customerId, customer.GetProperty("customerId").GetString());
        Assert.Equal(run.GetProperty("id").GetString(), customer.GetProperty("runId").GetString());
        Assert.InRange(customer.GetProperty("churnProbability").GetDouble(), 0, 1);
        Assert.NotEmpty(customer.GetProperty("churnReasons").EnumerateArray());
        Assert.True(double.IsFinite(customer.GetProperty("predictedGrossProfit").GetDouble()));
        Assert.True(double.IsFinite(customer.GetProperty("predictedRevenue").GetDouble()));

        // The run recorded how far its customers are from the training customers, feature by feature.
        var drift = await scorer.GetFromJsonAsync<JsonElement>(new Uri($"{location}/drift", UriKind.Relative));
        Assert.Equal(run.GetProperty("id").GetString(), drift.GetProperty("runId").GetString());
        var features = drift.GetProperty("features").EnumerateArray().ToList();
        var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestBundle.Instance.BundleFolder, "model-card.json"))).RootElement;
        var contract = card.GetProperty("featureContract").GetProperty("features").EnumerateArray().Select(f => f.GetProperty("name").GetString());
        Assert.Equal(contract.Order(StringComparer.Ordinal), features.Select(f => f.GetProperty("feature").GetString()).Order(StringComparer.Ordinal));
        var psi = features.Select(f => f.GetProperty("psi").GetDouble()).ToList();
        Assert.Equal(psi.OrderDescending(), psi);
        Assert.All(features, f =>
        {
            var level = f.GetProperty("level").GetString();
            var value = f.GetProperty("psi").GetDouble();
            Assert.Equal(value >= 0.25 ? "shifted" : value >= 0.1 ? "moderate" : "stable", level);
            Assert.InRange(f.GetProperty("missingShare").GetDouble(), 0, 1);
            Assert.Contains("→", f.GetProperty("largestMove").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal(
            features.Where(f => f.GetProperty("level").GetString() == "shifted").Select(f => f.GetProperty("feature").GetString()),
            drift.GetProperty("shifted").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(
            features.Concat(drift.GetProperty("outputs").EnumerateArray()).Where(f => f.GetProperty("level").GetString() == "shifted").Select(f => f.GetProperty("feature").GetString()).Order(StringComparer.Ordinal),
            run.GetProperty("driftShifted").EnumerateArray().Select(f => f.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["churn probability", "predicted profit"],
            drift.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("feature").GetString()).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task ARunAfterTheDatasLastOrderFailsNamingTheLastOrderDate()
    {
        provider.Require();
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        var last = TestBundle.Instance.Data.LastOrderDate;

        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = last.AddDays(1) });

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains($"after the data's last order date {last:yyyy-MM-dd}", run.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task DriftOfAnUnknownRunIs404AndOfAFailedRun409()
    {
        provider.Require();
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = "2001-01-01" });
        var failed = await admin.WaitForRunAsync(started.Headers.Location!);
        using var scorer = factory.ClientWith(ApiFactory.ScorerKey);

        using var unknown = await scorer.GetAsync(new Uri("/api/v1/scoring-runs/nope/drift", UriKind.Relative));
        using var notSucceeded = await scorer.GetAsync(new Uri($"/api/v1/scoring-runs/{failed.GetProperty("id").GetString()}/drift", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, notSucceeded.StatusCode);
        Assert.Equal("application/problem+json", notSucceeded.Content.Headers.ContentType?.MediaType);
    }

    [SkippableFact]
    public async Task AnUnknownCustomerGets404ProblemDetails()
    {
        provider.Require();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.GetAsync(new Uri("/api/v1/customers/NO-SUCH-CUSTOMER", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [SkippableFact]
    public async Task AnUnknownRunGets404()
    {
        provider.Require();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.GetAsync(new Uri("/api/v1/scoring-runs/nope", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [SkippableFact]
    public async Task ARunThatCannotWorkFailsWithItsReason()
    {
        provider.Require();
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = "2001-01-01" });

        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("before the first order date", run.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task SegmentsListTheActiveBundlesProfiles()
    {
        provider.Require();
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        var segments = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/segments", UriKind.Relative));

        Assert.Equal(TestBundle.Instance.Version, segments.GetProperty("modelVersion").GetString());
        Assert.True(segments.GetProperty("segments").GetArrayLength() >= 2);
        Assert.All(segments.GetProperty("segments").EnumerateArray(), s => Assert.False(string.IsNullOrEmpty(s.GetProperty("name").GetString())));
    }
}

/// <summary>Scoring runs on the SQLite file.</summary>
public sealed class ScoringRunsTestsOnSqlite(ApiFactory factory) : ScoringRunsTests(factory, StoreProvider.Sqlite), IClassFixture<ApiFactory>;

/// <summary>Scoring runs on PostgreSQL (a schema of its own).</summary>
[Collection(PostgresStores.Name)]
public sealed class ScoringRunsTestsOnPostgreSql(PostgresApiFactory factory) : ScoringRunsTests(factory, StoreProvider.PostgreSql), IClassFixture<PostgresApiFactory>;
