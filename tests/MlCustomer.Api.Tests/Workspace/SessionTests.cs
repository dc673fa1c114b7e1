using System.Net;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

public sealed class SessionTests
{
    [SkippableFact]
    [Trait("Category", "Browser")]
    public async Task ASessionSurvivesARestartBecauseTheKeysAreKeptOnDisk()
    {
        var keys = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "keys-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["MlCustomer:Workspace:KeysPath"] = keys };
        IReadOnlyList<BrowserContextCookiesResult> cookies;
        await using (var before = new WorkspaceApp(scored: false, settings))
        {
            await before.InitializeAsync();
            var page = await before.NewPageAsync();
            await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
            cookies = await page.Context.CookiesAsync();
        }

        Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
        await using var after = new WorkspaceApp(scored: false, settings);
        await after.InitializeAsync();
        var again = await after.NewPageAsync();
        await again.Context.AddCookiesAsync(cookies.Select(c => new Microsoft.Playwright.Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, SameSite = c.SameSite, Expires = c.Expires,
        }));

        await again.GotoAsync("/");

        await Expect(again.GetByText("Signed in as test-marketing (marketing)")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ASignInPostWithoutTheAntiforgeryTokenIsRefused()
    {
        await using var app = new WorkspaceApp(scored: false);
        await app.InitializeAsync();
        using var client = app.Client(null);

        using var response = await client.PostAsync(
            new Uri("/sign-in", UriKind.Relative), new FormUrlEncodedContent([new("Key", ApiFactory.MarketingKey)]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith("mlcustomer-session=", StringComparison.Ordinal)));
    }
}
