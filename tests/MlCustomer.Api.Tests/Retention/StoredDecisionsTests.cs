using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Retention;

public abstract class StoredDecisionsTests(ApiFactory factory, StoreProvider provider)
{
    private const double Budget = 500;

    [SkippableFact]
    public async Task TargetsFromTheLatestRunStayWithinTheBudgetOrderedByExpectedReturn()
    {
        provider.Require();
        var run = await RunScoringAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        var list = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/retention/targets?budget={Budget}&saveRate=0.3", UriKind.Relative));

        Assert.Equal(run.GetProperty("id").GetString(), list.GetProperty("runId").GetString());
        Assert.Equal("2025-06-30", list.GetProperty("asOfDate").GetString());
        Assert.Equal(TestBundle.Instance.Version, list.GetProperty("modelVersion").GetString());
        var targets = list.GetProperty("targets").EnumerateArray().ToList();
        Assert.NotEmpty(targets);
        Assert.Equal(targets.Count, list.GetProperty("customersChosen").GetInt32());
        Assert.InRange(list.GetProperty("spend").GetDouble(), 0, Budget);
        Assert.Equal(list.GetProperty("spend").GetDouble(), targets.Sum(t => t.GetProperty("offerCost").GetDouble()), 6);
        var returns = targets.Select(t => t.GetProperty("expectedReturn").GetDouble()).ToList();
        Assert.All(returns, r => Assert.True(r > 0));
        Assert.Equal(returns.OrderByDescending(r => r), returns);
        Assert.Equal(run.GetProperty("customersScored").GetInt64(), list.GetProperty("leftOut").GetProperty("considered").GetInt64());
    }

    [SkippableFact]
    public async Task TargetsCarryTierSegmentAndReasonsAndComeAsCsvWhenAskedFor()
    {
        provider.Require();
        await RunScoringAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var query = new Uri($"/api/v1/retention/targets?budget={Budget}&offerCost=35", UriKind.Relative);

        var list = await client.GetFromJsonAsync<JsonElement>(query);
        using var request = new HttpRequestMessage(HttpMethod.Get, query);
        request.Headers.Accept.ParseAdd("text/csv");
        using var csv = await client.SendAsync(request);

        var targets = list.GetProperty("targets").EnumerateArray().ToList();
        Assert.NotEmpty(targets);
        Assert.All(targets, t =>
        {
            Assert.Contains(t.GetProperty("tier").GetString(), new[] { "A", "B", "C" });
            Assert.False(string.IsNullOrEmpty(t.GetProperty("segment").GetString()));
            Assert.Contains("offer cost 35.00", t.GetProperty("reason").GetString(), StringComparison.Ordinal);
            var action = t.GetProperty("ruleReasons").EnumerateArray().Select(r => r.GetString()!).Single(r => r.StartsWith("action ", StringComparison.Ordinal));
            Assert.Contains("offer cost 35.00 (asked for this list", action, StringComparison.Ordinal);
        });
        Assert.Contains("offer cost 35.00 each", list.GetProperty("threshold").GetProperty("basis").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', Core.Decisions.TargetListCsv.Columns), lines[0]);
        Assert.Equal(targets.Count, lines.Length - 1);
        Assert.Equal(targets.Select(t => t.GetProperty("customerId").GetString()), lines.Skip(1).Select(l => l.Split(',')[1]));
    }

    [SkippableTheory]
    [InlineData("budget=0", "budget")]
    [InlineData("budget=-5", "budget")]
    [InlineData("saveRate=0.3", "budget")]
    [InlineData("budget=100&saveRate=1.5", "saveRate")]
    [InlineData("budget=100&offerCost=-1", "offerCost")]
    [InlineData("budget=100&limit=0", "limit")]
    public async Task InvalidTargetSettingsGetAValidationProblemNamingTheField(string query, string field)
    {
        provider.Require();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.GetAsync(new Uri($"/api/v1/retention/targets?{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, (await Requests.ErrorsAsync(response)).Keys);
    }

    [SkippableFact]
    public async Task TheTierSummaryCountsEveryScoredCustomerInTiersAToD()
    {
        provider.Require();
        var run = await RunScoringAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        var summary = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/tiers/summary", UriKind.Relative));

        var tiers = summary.GetProperty("tiers").EnumerateArray().ToList();
        Assert.Equal(["A", "B", "C", "D"], tiers.Select(t => t.GetProperty("tier").GetString()));
        var scored = run.GetProperty("customersScored").GetInt64();
        Assert.Equal(scored, tiers.Sum(t => t.GetProperty("customers").GetInt64()));
        Assert.Equal(scored, summary.GetProperty("customers").GetInt64());
        Assert.Equal(tiers.Sum(t => t.GetProperty("falseBigCustomers").GetInt32()), summary.GetProperty("falseBigCustomers").GetInt32());
        Assert.True(summary.GetProperty("topProfitShare").GetDouble() > 0.2, "the top 20% by profit bring more than 20% of the profit");
    }

    [SkippableFact]
    public async Task TheCustomerEndpointReturnsTheStoredDecision()
    {
        provider.Require();
        await RunScoringAsync();
        var customerId = TestBundle.Instance.Data.Customers![0].CustomerId;
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        var customer = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));

        var decision = customer.GetProperty("decision");
        Assert.Contains(decision.GetProperty("tier").GetString(), new[] { "A", "B", "C", "D" });
        Assert.False(string.IsNullOrEmpty(decision.GetProperty("recommendedAction").GetString()));
        Assert.NotEmpty(decision.GetProperty("reasons").EnumerateArray());
        Assert.Contains(customer.GetProperty("riskBand").GetString(), new[] { "low", "medium", "high" });
    }

    [SkippableTheory]
    [InlineData("/api/v1/retention/targets?budget=100")]
    [InlineData("/api/v1/tiers/summary")]
    public async Task BeforeAnyRunHasSucceededTheStoredViewsGet404SayingToStartOne(string path)
    {
        provider.Require();
        using var fresh = provider.Fresh();
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("POST /api/v1/scoring-runs", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> RunScoringAsync()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = "2025-06-30" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        return run;
    }
}

/// <summary>Stored decisions and target lists on the SQLite file.</summary>
public sealed class StoredDecisionsTestsOnSqlite(ApiFactory factory) : StoredDecisionsTests(factory, StoreProvider.Sqlite), IClassFixture<ApiFactory>;

/// <summary>Stored decisions and target lists on PostgreSQL (a schema of its own).</summary>
[Collection(PostgresStores.Name)]
public sealed class StoredDecisionsTestsOnPostgreSql(PostgresApiFactory factory) : StoredDecisionsTests(factory, StoreProvider.PostgreSql), IClassFixture<PostgresApiFactory>;
