using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MlCustomer.Api.Tests.Workspace;

[Trait("Category", "Browser")]
public sealed class SignInTests(ScoredWorkspace app) : IClassFixture<ScoredWorkspace>
{
    [SkippableFact]
    public async Task SigningInWithAMarketingKeyOpensTheOverviewAndSigningOutEndsTheSession()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/");
        // An unsigned visitor is sent to the sign-in page, and back to where they wanted to go afterwards.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in\\?ReturnUrl=%2F$"));
        await Chromium.ScreenshotAsync(page, "sign-in");

        await page.GetByLabel("API key").FillAsync(ApiFactory.MarketingKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("Signed in as test-marketing (marketing)")).ToBeVisibleAsync();
        var session = (await page.Context.CookiesAsync()).Single(c => c.Name == "mlcustomer-session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

        var copied = await page.Context.CookiesAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Expect(page.GetByText("You are signed out.")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "mlcustomer-session");
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in"));

        // A copy of the signed-out session's cookie does not work either.
        var other = await app.NewPageAsync();
        await other.Context.AddCookiesAsync(copied.Select(c => new Microsoft.Playwright.Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, SameSite = c.SameSite, Expires = c.Expires,
        }));
        await other.GotoAsync("/");
        await Expect(other).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in"));
    }

    [SkippableFact]
    public async Task EveryPageRunsUnderAStrictContentSecurityPolicyWithoutViolations()
    {
        var page = await app.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };

        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        foreach (var path in new[] { "/", "/segments", "/scoring-runs", "/sign-in" })
        {
            var response = await page.GotoAsync(path);
            Assert.Contains("default-src 'none'", response!.Headers["content-security-policy"], StringComparison.Ordinal);
        }

        Assert.Empty(violations);
    }

    [SkippableTheory]
    [InlineData("not-a-key", "This key matches no configured key.")]
    [InlineData(ApiFactory.ScorerKey, "This key has the role 'scorer', which is for API clients")]
    public async Task AKeyThatMayNotUseTheWorkspaceStaysOnTheSignInPageWithTheReason(string key, string reason)
    {
        var page = await app.NewPageAsync();

        await WorkspaceApp.SignInAsync(page, key);

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync(reason);
        await Expect(page.GetByLabel("API key")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "mlcustomer-session");
        if (key == "not-a-key")
        {
            await Chromium.ScreenshotAsync(page, "sign-in-wrong-key");
        }
    }

    [SkippableFact]
    public async Task SigningInAndOutWorksWithTheKeyboardAlone()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/sign-in");

        // The key field has the focus on arrival (autofocus lands after the page is parsed: typing before it lost the key's
        // first characters on a loaded machine); Tab reaches the button, Enter presses it.
        await Expect(page.GetByLabel("API key")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(ApiFactory.MarketingKey);
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Sign in", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();

        // From the top of the page: the skip link, the navigation, then sign out.
        var focused = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            focused.Add(await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        }

        Assert.Equal(["Skip to content", "Overview", "Movement", "Segments", "Campaign planner", "Customers", "Scoring runs", "Sign out"], focused);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("You are signed out.")).ToBeVisibleAsync();
    }

    [SkippableFact]
    public async Task TheJsonApiAnswersABrowserWithoutAKey401ProblemDetailsNeverARedirectEvenWithASession()
    {
        var page = await app.NewPageAsync();
        await WorkspaceApp.SignInAsync(page, ApiFactory.MarketingKey);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();

        // The session cookie goes along (same origin), but the API authenticates header keys only.
        var response = await page.GotoAsync("/api/v1/tiers/summary");

        Assert.NotNull(response);
        Assert.Equal(401, response.Status);
        Assert.EndsWith("/api/v1/tiers/summary", page.Url, StringComparison.Ordinal);
        Assert.StartsWith("application/problem+json", response.Headers["content-type"], StringComparison.Ordinal);
        var problem = JsonDocument.Parse(await response.TextAsync()).RootElement;
        Assert.Equal("No API key", problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("/api/v1/tiers/summary")]
    [InlineData("/api/v1/models")]
    [InlineData("/api/v1/scoring-runs/any")]
    public async Task AnApiCallWithoutAKeyIs401ProblemDetailsNotARedirect(string path)
    {
        using var client = app.Client(null);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
