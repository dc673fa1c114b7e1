using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Observability;

/// <summary>/metrics in the Prometheus text format: admin only, and the product's counters move with traffic.</summary>
public sealed partial class MetricsTests
{
    private static readonly Uri Metrics = new("/metrics", UriKind.Relative);

    [Fact]
    public async Task ScoringReloadsAndRunsMoveTheirMetricsWhichOnlyAnAdminMayScrape()
    {
        using var factory = ApiFactory.With();
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var scorer = factory.ClientWith(ApiFactory.ScorerKey);
        using var anonymous = factory.ClientWith(null);

        using (var refused = await scorer.GetAsync(Metrics))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var refused = await anonymous.GetAsync(Metrics))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var before = await admin.GetStringAsync(Metrics);
        var onlineBefore = Sum(before, "mlcustomer_customers_scored_total", "path=\"online\"");

        using (var scored = await scorer.ScoreAsync(Requests.FeaturesBody(5)))
        {
            Assert.Equal(HttpStatusCode.OK, scored.StatusCode);
        }

        factory.AddBundle("again");
        using (var reload = await admin.ReloadAsync("again"))
        {
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        using var started = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = "2025-06-30" });
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var customers = run.GetProperty("customersScored").GetInt64();

        // The exporter caches a scrape for a moment; the next one after that shows the traffic.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var after = await admin.GetStringAsync(Metrics);
        Assert.True(Sum(after, "mlcustomer_customers_scored_total", "path=\"online\"") >= onlineBefore + 5, after);
        Assert.True(Sum(after, "mlcustomer_customers_scored_total", "path=\"run\"") >= customers, after);
        Assert.True(Sum(after, "mlcustomer_prediction_duration_seconds_count", "path=\"online\"") >= 1, after);
        Assert.True(Sum(after, "mlcustomer_churn_probability_count", "path=\"online\"") >= 5, after);
        Assert.True(Sum(after, "mlcustomer_predicted_gross_profit_count", "path=\"run\"") >= 1, after);
        Assert.True(Sum(after, "mlcustomer_model_reloads_total", "outcome=\"succeeded\"") >= 2, after);
        Assert.True(Sum(after, "mlcustomer_scoring_runs_total", "status=\"succeeded\"") >= 1, after);
        Assert.True(Sum(after, "mlcustomer_scoring_run_duration_seconds_count", "status=\"succeeded\"") >= 1, after);
        Assert.Contains("mlcustomer_model_info{", after, StringComparison.Ordinal);
        Assert.True(Sum(after, "mlcustomer_drift_psi", "kind=\"feature\"") >= 0, after);
        Assert.Matches(DriftLine(), after);
        // ASP.NET Core's own request metrics come along.
        Assert.Contains("http_server_request_duration_seconds", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAMetricsPortTheScrapeNeedsNoKeyThereAndIsNotServedOnTheApiPort()
    {
        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:Metrics:Port"] = "9464" });
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var scraper = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost:9464") });

        using var scrape = await scraper.GetAsync(Metrics);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("mlcustomer_model_info{", await scrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // On the API's own port not even an admin key gets it: the metrics port is the one place it is served.
        using var onApiPort = await admin.GetAsync(Metrics);
        Assert.Equal(HttpStatusCode.NotFound, onApiPort.StatusCode);
    }

    // The sum over a metric's series whose labels contain `label` (several test hosts share the process's meter).
    private static double Sum(string scrape, string metric, string label) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));

    [GeneratedRegex(@"mlcustomer_drift_psi\{[^}]*feature=""[^""]+""[^}]*\} \d")]
    private static partial Regex DriftLine();
}
