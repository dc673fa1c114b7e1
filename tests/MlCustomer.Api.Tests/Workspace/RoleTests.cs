using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Workspace;

public sealed class RoleTests(ScoredWorkspace app) : IClassFixture<ScoredWorkspace>
{
    [Theory]
    [InlineData("/api/v1/tiers/summary")]
    [InlineData("/api/v1/tiers/pareto")]
    [InlineData("/api/v1/segments")]
    [InlineData("/api/v1/retention/targets?budget=1000")]
    [InlineData("/api/v1/models")]
    public async Task AMarketingKeyReadsResults(string path)
    {
        using var marketing = app.Client(ApiFactory.MarketingKey);

        using var response = await marketing.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AMarketingKeyDownloadsTheTargetListAsCsv()
    {
        using var marketing = app.Client(ApiFactory.MarketingKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/retention/targets?budget=1000", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/csv");

        using var response = await marketing.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("rank,customer_id,", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/scores", "scorer or admin")]
    [InlineData("/api/v1/models/reload", "admin")]
    [InlineData("/api/v1/scoring-runs", "admin")]
    public async Task AMarketingKeyCannotScoreReloadOrStartARun(string path, string needed)
    {
        using var marketing = app.Client(ApiFactory.MarketingKey);

        using var response = await marketing.PostAsJsonAsync(new Uri(path, UriKind.Relative), new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains($"needs role {needed}; this key's role is 'marketing'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    [Trait("Category", "Browser")]
    public async Task AMarketingSessionCannotStartARunThroughTheApi()
    {
        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();

        // The page's own request context carries the session cookie: it is not an API credential.
        var response = await page.APIRequest.PostAsync("/api/v1/scoring-runs", new() { DataObject = new { } });

        Assert.Equal(401, response.Status);
        Assert.StartsWith("application/problem+json", response.Headers["content-type"], StringComparison.Ordinal);
    }
}
