using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace MlCustomer.Benchmarks;

/// <summary>
/// A closed-loop load on single-customer <c>POST /api/v1/scores</c> from many connections at once, to see whether the
/// API sheds load (429/503 with Retry-After) and keeps the latency of what it accepts bounded. Every connection sends
/// its next request as soon as the last one is answered, rejected ones included (what an impatient client or an
/// attacker does), or with <c>polite</c> after waiting the Retry-After it was given (what a well-behaved client does),
/// for a fixed time, then stops.
/// <c>dotnet run -c Release --project tests/MlCustomer.Benchmarks -- shed URL CONNECTIONS SECONDS [polite]</c>
/// (<c>shed-load.sh</c> starts the API and runs it).
/// </summary>
public static class LoadShedding
{
    private const string Body = """
        {"asOfDate":"2025-12-31","customers":[{"customerId":"C00001","features":{
        "recency_days":40,"purchase_days":6,"order_count":6,"revenue_total":812.4,"average_order_value":139.2,
        "gross_profit_total":250.1,"profit_total":221.5,"gross_profit_per_purchase_day":41.7,"margin_rate":0.31,
        "revenue_last_365_days":402.2,"profit_last_365_days":101.9,"tenure_days":700,"days_since_first_purchase":600,
        "purchase_days_per_year":3.65,"recency_share_of_age":0.07,"mean_days_between_purchases":98.5,
        "sd_days_between_purchases":40.2,"revenue_last_90_days":120.5,"revenue_prior_90_days":80,"revenue_trend":0.2,
        "categories_bought":3,"return_rate":0.05,"discount_share":0.1,"support_tickets":1,"complaints":0,"satisfaction":4,
        "service_cost":28.6,"main_channel":"web","region":"North","acquisition_channel":"search","loyalty_member":"true",
        "age_band":"35-44"}}]}
        """;

    private sealed record Outcome(int Status, long Ticks, bool RetryAfter, bool ProblemType);

    /// <summary>Runs the load and prints counts by status and latency percentiles.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: shed URL CONNECTIONS SECONDS [polite]");
            return 1;
        }

        var url = new Uri(new Uri(args[0]), "/api/v1/scores");
        var connections = int.Parse(args[1], CultureInfo.InvariantCulture);
        var duration = TimeSpan.FromSeconds(int.Parse(args[2], CultureInfo.InvariantCulture));
        var polite = args.Length > 3 && args[3] == "polite";
        const string key = "mlc-dev-scorer-0000-do-not-use-in-production";
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var body = Encoding.UTF8.GetBytes(Body);

        var results = new List<Outcome>[connections];
        var errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            var mine = results[i] = [];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new("application/json");
                    using var response = await client.PostAsync(url, content);
                    var text = await response.Content.ReadAsStringAsync();
                    var elapsed = Stopwatch.GetTimestamp() - started;
                    var hasType = response.StatusCode != HttpStatusCode.OK && HasProblemType(text);
                    mine.Add(new Outcome((int)response.StatusCode, elapsed, response.Headers.RetryAfter is not null, hasType));
                    if (polite && response.Headers.RetryAfter?.Delta is { } wait)
                    {
                        await Task.Delay(wait);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
                catch (TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;

        var all = results.SelectMany(r => r).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{connections:N0} connections{(polite ? " (waiting Retry-After)" : "")}, {seconds:F1} s: {all.Count:N0} answers ({all.Count / seconds:N0}/s), {errors:N0} connection errors or time-outs"));
        foreach (var group in all.GroupBy(o => o.Status).OrderBy(g => g.Key))
        {
            var ms = group.Select(o => o.Ticks * 1000.0 / Stopwatch.Frequency).Order().ToArray();
            var retry = group.Count(o => o.RetryAfter);
            var typed = group.Count(o => o.ProblemType);
            var rejected = group.Key == 200 ? "" : string.Create(CultureInfo.InvariantCulture, $"; Retry-After on {retry:N0}, problem type on {typed:N0}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {group.Key}: {ms.Length:N0} ({ms.Length / seconds:N0}/s); ms p50 {At(ms, 0.5):F1}, p90 {At(ms, 0.9):F1}, p99 {At(ms, 0.99):F1}, max {ms[^1]:F1}{rejected}"));
        }

        return 0;
    }

    private static double At(double[] sorted, double quantile) => sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];

    private static bool HasProblemType(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
