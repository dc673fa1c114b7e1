using Microsoft.Playwright;

namespace MlCustomer.Api.Tests.Workspace;

/// <summary>
/// Debian's Chromium driven by Playwright (Playwright's own browser download does not work here). Without Chromium
/// the browser tests skip locally, saying how to install it; with CI=true they fail: CI must never pass without them.
/// </summary>
public static class Chromium
{
    /// <summary>The browser: <c>MLCUSTOMER_CHROMIUM</c> when set, else <c>/usr/bin/chromium</c> (<c>apt-get install -y chromium</c>).</summary>
    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("MLCUSTOMER_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Where each page's screenshot is saved: <c>screenshots/</c> under the test output folder.</summary>
    public static string ScreenshotsFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Skips the test when Chromium is missing, unless CI=true, where that is a failure.</summary>
    public static void Require()
    {
        if (File.Exists(ExecutablePath))
        {
            return;
        }

        var message = $"Chromium is not installed at {ExecutablePath}: apt-get install -y chromium (or set MLCUSTOMER_CHROMIUM).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true: the browser tests must run. {message}");
        }

        Skip.If(true, message);
    }

    /// <summary>Starts headless Chromium as the machine's probe does: no sandbox (root), nothing that phones home.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // The closed network refuses Chromium's background connections, many at a time, without these.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>Saves a full-page screenshot as <c>screenshots/{name}.png</c>.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        Directory.CreateDirectory(ScreenshotsFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotsFolder, name + ".png"), FullPage = true });
    }
}
