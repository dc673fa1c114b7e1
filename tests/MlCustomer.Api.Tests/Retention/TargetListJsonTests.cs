using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Retention;
using MlCustomer.Api.Models;
using MlCustomer.Api.Storage;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Retention;

/// <summary>
/// The JSON target list written straight to the response from each target's kept JSON (<see cref="TargetListJson"/>)
/// is byte for byte what serializing <see cref="RetentionApi.Response"/> (the planner's form, and the endpoint's before)
/// gives, for budgets, save rates, one offer cost, one action's cost, limits, filters and pages; read from the store the
/// first time and from the kept JSON after.
/// </summary>
public abstract class TargetListJsonTests(ApiFactory factory, StoreProvider provider)
{
    [SkippableTheory]
    [InlineData("budget=1000000")]
    [InlineData("budget=500&saveRate=0.3")]
    [InlineData("budget=2000&offerCost=35")]
    [InlineData("budget=3000&actionCost=PAID:7.5&saveRate=0.45")]
    [InlineData("budget=2000&offerCost=3.25&actionCost=PAID:80")]
    [InlineData("budget=800&limit=25&saveRate=0.45")]
    [InlineData("budget=3000&stage=atRisk&saveRate=0.5")]
    [InlineData("budget=3000&offerCost=12&tier=B&limit=40")]
    [InlineData("budget=1500&segment=SEGMENT")]
    [InlineData("budget=1500&action=PAID&saveRate=0.2")]
    [InlineData("budget=2000&pageSize=7")]
    [InlineData("budget=5000&offerCost=9&pageSize=20&saveRate=0.6")]
    public async Task TheWrittenListIsTheSerializedResponseByteForByte(string query)
    {
        provider.Require();
        await factory.RunSucceededAsync(new DateOnly(2025, 6, 30));
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        query = await WithNamesAsync(client, query);
        var settings = Settings.Parse(query);

        // The first page and, when paged, the next one from its cursor; each asked twice (the second time from the kept JSON).
        var (first, cursor) = await AssertSameAsync(client, settings, query, offset: 0, cursor: null);
        await AssertSameAsync(client, settings, query, offset: 0, cursor: null);
        if (settings.PageSize is { } size && cursor is not null)
        {
            await AssertSameAsync(client, settings, query, offset: size, cursor);
            await AssertSameAsync(client, settings, query, offset: size, cursor);
        }

        Assert.NotEmpty(first.RootElement.GetProperty("targets").EnumerateArray());
    }

    [SkippableFact]
    public async Task AListWrittenStraightToTheResponseIsTheSerializedResponseByteForByte()
    {
        // The writer itself, outside the endpoint (which would answer the same bytes with the serializer alone).
        provider.Require();
        await factory.RunSucceededAsync(new DateOnly(2025, 6, 30));
        var store = factory.Services.GetRequiredService<ScoreStore>();
        foreach (var (query, offset, pageSize) in new[] { ("budget=2500&saveRate=0.35", 0, (int?)null), ("budget=4000&offerCost=6", 3, 11) })
        {
            var plan = await PlanAsync(Settings.Parse(query));
            Assert.True(TargetListJson.Fits(plan));
            var context = new DefaultHttpContext { RequestServices = factory.Services };
            using var body = new MemoryStream();
            context.Response.Body = body;

            await new TargetListJson(plan, offset, pageSize, null, store).ExecuteAsync(context);

            Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
            Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
            Assert.Equal(Serialized(RetentionApi.Response(plan, offset, pageSize, null)), Encoding.UTF8.GetString(body.ToArray()));
        }
    }

    // The endpoint's answer for the settings against the serialized response of the same plan (Core's list, read the old way).
    private async Task<(JsonDocument Answer, string? NextCursor)> AssertSameAsync(HttpClient client, Settings settings, string query, int offset, string? cursor)
    {
        using var response = await client.GetAsync(new Uri(
            $"/api/v1/retention/targets?{query}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var written = await response.Content.ReadAsStringAsync();
        var answer = JsonDocument.Parse(written);
        var nextCursor = answer.RootElement.GetProperty("nextCursor").GetString();

        var plan = await PlanAsync(settings);
        Assert.Equal(Serialized(RetentionApi.Response(plan, offset, settings.PageSize, nextCursor)), written);
        return (answer, nextCursor);
    }

    private async Task<TargetPlan> PlanAsync(Settings s)
    {
        var (plan, refused) = await RetentionApi.PlanAsync(
            s.Budget, s.OfferCost, s.SaveRate, s.Limit, s.Tier, s.Stage, s.Segment, s.Action, s.ActionCost,
            factory.Services.GetRequiredService<ScoreStore>(), factory.Services.GetRequiredService<ModelHost>(), CancellationToken.None);
        Assert.Null(refused);
        return plan!;
    }

    private string Serialized(RetentionTargetsResponse response)
    {
        var json = factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return JsonSerializer.Serialize(response, json.GetTypeInfo(typeof(RetentionTargetsResponse)));
    }

    // PAID: the first action with a paid offer on the whole list; SEGMENT: the segment of its first target with one.
    private static async Task<string> WithNamesAsync(HttpClient client, string query)
    {
        using var all = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/retention/targets?budget=1000000", UriKind.Relative)));
        var targets = all.RootElement.GetProperty("targets").EnumerateArray().ToList();
        var paid = targets.GroupBy(t => t.GetProperty("action").GetString()!).OrderByDescending(g => g.Count()).First().Key;
        var segment = targets.Select(t => t.GetProperty("segment").GetString()).First(s => s is not null)!;
        return query.Replace("PAID", paid, StringComparison.Ordinal).Replace("SEGMENT", Uri.EscapeDataString(segment), StringComparison.Ordinal);
    }

    private sealed record Settings(
        double Budget, double? OfferCost, double? SaveRate, int? Limit, string? Tier, string? Stage, string? Segment, string? Action, string[]? ActionCost,
        int? PageSize)
    {
        public static Settings Parse(string query)
        {
            var pairs = query.Split('&').Select(p => p.Split('=')).Select(p => (Key: p[0], Value: Uri.UnescapeDataString(p[1]))).ToList();
            string? Text(string key) => pairs.Where(p => p.Key == key).Select(p => p.Value).FirstOrDefault();
            double? Number(string key) => Text(key) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : null;
            var costs = pairs.Where(p => p.Key == "actionCost").Select(p => p.Value).ToArray();
            return new Settings(
                Number("budget")!.Value, Number("offerCost"), Number("saveRate"), (int?)Number("limit"), Text("tier"), Text("stage"), Text("segment"),
                Text("action"), costs.Length == 0 ? null : costs, (int?)Number("pageSize"));
        }
    }
}

/// <summary>The written target list on the SQLite file.</summary>
public sealed class TargetListJsonTestsOnSqlite(ApiFactory factory) : TargetListJsonTests(factory, StoreProvider.Sqlite), IClassFixture<ApiFactory>;

/// <summary>The written target list on PostgreSQL (a schema of its own).</summary>
[Collection(PostgresStores.Name)]
public sealed class TargetListJsonTestsOnPostgreSql(PostgresApiFactory factory) : TargetListJsonTests(factory, StoreProvider.PostgreSql), IClassFixture<PostgresApiFactory>;
