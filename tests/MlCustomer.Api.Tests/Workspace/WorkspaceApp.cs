using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Workspace;

/// <summary>
/// The API on a real Kestrel port (a browser cannot reach the in-memory test server), with a browser. With
/// <c>scored</c>, an admin scoring run has succeeded before the first test, so the pages have figures.
/// </summary>
public class WorkspaceApp(bool scored, IReadOnlyDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    private IPlaywright? playwright;
    private IBrowser? browser;

    /// <summary>The factory (its keys, folders and clients).</summary>
    public ApiFactory Factory { get; } = ApiFactory.With(settings);

    /// <summary>Where Kestrel listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The succeeded run's id, when scored.</summary>
    public string? RunId { get; private set; }

    /// <inheritdoc />
    public virtual async Task InitializeAsync()
    {
        Factory.UseKestrel(0);
        Factory.StartServer();
        var addresses = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        await Factory.WaitUntilReadyAsync();
        if (scored)
        {
            using var admin = Client(ApiFactory.AdminKey);
            using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { });
            started.EnsureSuccessStatusCode();
            var run = await admin.WaitForRunAsync(started.Headers.Location!);
            Assert.Equal("succeeded", run.GetProperty("status").GetString());
            RunId = run.GetProperty("id").GetString();
        }
    }

    /// <summary>An HTTP client to the Kestrel address sending <paramref name="key"/> (none when null); it does not follow redirects.</summary>
    public HttpClient Client(string? key)
    {
#pragma warning disable CA2000 // The client owns the handler (disposeHandler: true).
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }, disposeHandler: true) { BaseAddress = Address };
#pragma warning restore CA2000
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    /// <summary>GETs JSON from the API with <paramref name="key"/>.</summary>
    public async Task<JsonElement> GetJsonAsync(string path, string key)
    {
        using var client = Client(key);
        return await client.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative));
    }

    /// <summary>A new browser page in its own context (its own cookies), at a 1280 px wide window unless told otherwise.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        Chromium.Require();
        if (browser is null)
        {
            playwright = await Playwright.CreateAsync();
            browser = await Chromium.LaunchAsync(playwright);
        }

        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Address.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Signs in through the form with <paramref name="key"/> and returns once the form's navigation has loaded: the
    /// overview after a good key, the sign-in page with its reason after a refused one. A test that reloaded or navigated
    /// while the form's post was still in flight failed in CI ("Not attached to an active page").
    /// </summary>
    public static async Task SignInAsync(IPage page, string key)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("API key").FillAsync(key);
        // Obsolete upstream because waiting for a navigation after the action races it; this form starts waiting before the
        // click, and it is the only wait that fits both outcomes (WaitForURLAsync needs to know where the post ends).
#pragma warning disable CS0612
        await page.RunAndWaitForNavigationAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync());
#pragma warning restore CS0612
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        await Factory.DisposeAsync();
    }
}

/// <summary>A workspace after one succeeded scoring run.</summary>
public sealed class ScoredWorkspace() : WorkspaceApp(scored: true);

/// <summary>A workspace on a fresh start: the model is loaded, no scoring run has run.</summary>
public sealed class FreshWorkspace() : WorkspaceApp(scored: false);
