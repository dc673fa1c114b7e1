using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Paging;

/// <summary>
/// The lists that page (retention targets, scoring runs, the reload audit): following the next page's address from
/// the first page gives the whole list once, in its one order; a cursor the list did not hand out is a 400 naming it.
/// </summary>
public sealed class PagingTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Targets = "/api/v1/retention/targets?budget=5000&saveRate=0.3";

    [Fact]
    public async Task TargetPagesConcatenateToTheWholeListWithTheSameTotalsOnEveryPage()
    {
        await RunScoringAsync("2025-06-30");
        using var client = factory.ClientWith(ApiFactory.MarketingKey);
        var whole = await client.GetFromJsonAsync<JsonElement>(new Uri(Targets, UriKind.Relative));
        var wholeIds = Ids(whole.GetProperty("targets"), "customerId");
        Assert.True(wholeIds.Count > 10, $"the list has only {wholeIds.Count} customers: too short to page");
        Assert.Equal(JsonValueKind.Null, whole.GetProperty("nextCursor").ValueKind);

        var paged = new List<string>();
        var pages = 0;
        Uri? next = new($"{Targets}&pageSize=7", UriKind.Relative);
        while (next is not null)
        {
            using var response = await client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            var ids = Ids(page.GetProperty("targets"), "customerId");
            Assert.InRange(ids.Count, 1, 7);
            paged.AddRange(ids);
            pages++;
            // Every page carries the whole list's totals, not the page's.
            Assert.Equal(whole.GetProperty("customersChosen").GetInt32(), page.GetProperty("customersChosen").GetInt32());
            Assert.Equal(whole.GetProperty("spend").GetDouble(), page.GetProperty("spend").GetDouble());
            next = NextLink(response);
            Assert.Equal(next is null, page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null);
            if (next is not null)
            {
                Assert.Contains($"cursor={Uri.EscapeDataString(page.GetProperty("nextCursor").GetString()!)}", next.OriginalString, StringComparison.Ordinal);
            }
        }

        Assert.Equal(wholeIds, paged);
        Assert.Equal(paged.Count, paged.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal((wholeIds.Count + 6) / 7, pages);
    }

    [Fact]
    public async Task ACursorForOtherSettingsOrACsvDownloadThatPagesIsRefused()
    {
        await RunScoringAsync("2025-06-30");
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var first = await client.GetFromJsonAsync<JsonElement>(new Uri($"{Targets}&pageSize=3", UriKind.Relative));
        var cursor = Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!);

        await AssertBadRequestAsync(client, $"/api/v1/retention/targets?budget=900&pageSize=3&cursor={cursor}", "cursor");
        await AssertBadRequestAsync(client, $"{Targets}&pageSize=0", "pageSize");
        using var csv = new HttpRequestMessage(HttpMethod.Get, $"{Targets}&pageSize=3");
        csv.Headers.Accept.ParseAdd("text/csv");
        using var refused = await client.SendAsync(csv);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("CSV download is always the whole list", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoringRunPagesConcatenateToTheWholeListNewestFirst()
    {
        await RunScoringAsync("2025-03-31");
        await RunScoringAsync("2025-04-30");
        await RunScoringAsync("2025-05-31");
        using var client = factory.ClientWith(ApiFactory.MarketingKey);
        var whole = Ids(await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/scoring-runs?limit=200", UriKind.Relative)), "id");
        Assert.True(whole.Count >= 3);

        var paged = await FollowAsync(client, "/api/v1/scoring-runs?limit=2", "id");

        Assert.Equal(whole, paged);
        Assert.Equal(paged.Count, paged.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task ReloadAuditPagesConcatenateToTheWholeAudit()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        for (var i = 0; i < 3; i++)
        {
            using var reloaded = await admin.ReloadAsync(null);
            Assert.Equal(HttpStatusCode.OK, reloaded.StatusCode);
        }

        var whole = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models/reloads?limit=1000", UriKind.Relative));
        var wholeKeys = whole.EnumerateArray().Select(Key).ToList();
        Assert.True(wholeKeys.Count >= 4);

        var paged = new List<string>();
        Uri? next = new("/api/v1/models/reloads?limit=1", UriKind.Relative);
        while (next is not null)
        {
            using var response = await admin.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            paged.AddRange((await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(Key));
            next = NextLink(response);
        }

        Assert.Equal(wholeKeys, paged);

        static string Key(JsonElement entry) => $"{entry.GetProperty("requestedAt").GetString()} {entry.GetProperty("source").GetString()}";
    }

    [Theory]
    [InlineData("/api/v1/scoring-runs?cursor=not-a-cursor!")]
    [InlineData("/api/v1/scoring-runs?cursor=aGVsbG8")]
    [InlineData("/api/v1/models/reloads?cursor=aGVsbG8")]
    [InlineData(Targets + "&pageSize=5&cursor=aGVsbG8")]
    public async Task ACursorTheListDidNotHandOutIsAValidationProblemNamingIt(string path)
    {
        await RunScoringAsync("2025-06-30");
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        await AssertBadRequestAsync(admin, path, "cursor");
    }

    private static async Task AssertBadRequestAsync(HttpClient client, string path, string field)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
    }

    private static async Task<List<string>> FollowAsync(HttpClient client, string first, string idProperty)
    {
        var ids = new List<string>();
        Uri? next = new(first, UriKind.Relative);
        while (next is not null)
        {
            using var response = await client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            ids.AddRange(Ids(await response.Content.ReadFromJsonAsync<JsonElement>(), idProperty));
            next = NextLink(response);
        }

        return ids;
    }

    private static List<string> Ids(JsonElement list, string property) =>
        [.. list.EnumerateArray().Select(e => e.GetProperty(property).GetString()!)];

    // Link: </path?query>; rel="next" (RFC 8288).
    private static Uri? NextLink(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Link", out var values) && values.Single() is var link && link.EndsWith("; rel=\"next\"", StringComparison.Ordinal)
            ? new Uri(link[1..link.IndexOf('>', StringComparison.Ordinal)], UriKind.Relative)
            : null;

    private async Task RunScoringAsync(string asOfDate)
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
    }
}
