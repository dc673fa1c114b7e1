using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using MlCustomer.Api.Storage;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;
using Npgsql;

namespace MlCustomer.Api.Tests.ScoringRuns;

/// <summary>
/// What a scoring run stores for the views (pyramid, target candidates) agrees with Core's functions over the same
/// customers' decisions, computed here from the test bundle the way the run computes them; the current run is the
/// latest as-of date; pruning, erasure and the personal-data audit.
/// </summary>
public abstract class StoredRunViewsTests(ApiFactory factory, StoreProvider provider)
{
    private protected static readonly DateOnly AsOf = new(2025, 6, 30);

    private static readonly DateOnly EarlierAsOf = new(2025, 3, 31);

    // Every test customer's decision at the run's as-of date, by the bundle's scorer and rules: what the run decided.
    private static readonly Lazy<IReadOnlyList<CustomerDecision>> Decisions = new(() => DecisionsAt(AsOf));

    private static readonly Lazy<IReadOnlyList<CustomerDecision>> EarlierDecisions = new(() => DecisionsAt(EarlierAsOf));

    private static IReadOnlyList<CustomerDecision> DecisionsAt(DateOnly asOf)
    {
        var (bundle, rows, scores) = Scored(asOf);
        var decide = new BundleDecisions(bundle);
        return [.. rows.Select((row, i) => decide.Decide(row, scores[i])!)];
    }

    // Every test customer's scores at an as-of date as POST /scores serves them (the bundle's scorer), by id.
    private static Dictionary<string, CustomerScore> ScoresAt(DateOnly asOf) =>
        Scored(asOf).Scores.ToDictionary(s => s.CustomerId, StringComparer.Ordinal);

    private static (ModelBundle Bundle, IReadOnlyList<CustomerFeatures> Rows, IReadOnlyList<CustomerScore> Scores) Scored(DateOnly asOf)
    {
        var ml = new MLContext(seed: 1);
        var bundle = ModelBundle.Load(ml, TestBundle.Instance.BundleFolder);
        var table = FeatureBuilder.Build(TestBundle.Instance.Data, new FeatureOptions
        {
            AsOfDate = asOf,
            ChurnHorizonDays = bundle.Card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays,
            ValueHorizonDays = bundle.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
            IncludeLabels = false,
        });
        return (bundle, table.Rows, new BundleScorer(ml, bundle).Score(table.Rows, table.AttributeNames));
    }

    [SkippableFact]
    public async Task MovementFromTheRunsStoredFactsIsCoresComparisonOfBothRunsDecisions()
    {
        provider.Require();
        using var fresh = provider.Fresh();
        var earlier = await RunAsync(fresh, EarlierAsOf);
        var later = await RunAsync(fresh, AsOf);
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);

        var movement = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement", UriKind.Relative));
        var sleeping = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement/customers?category=sleeping&pageSize=200", UriKind.Relative));

        var expected = TierMovement.Compare(
            EarlierDecisions.Value.ToDictionary(d => d.CustomerId, StringComparer.Ordinal), Decisions.Value.ToDictionary(d => d.CustomerId, StringComparer.Ordinal));
        Assert.Equal((earlier.GetProperty("id").GetString(), later.GetProperty("id").GetString()),
            (movement.GetProperty("fromRunId").GetString(), movement.GetProperty("toRunId").GetString()));
        Assert.Equal(1, Scalar(fresh, $"SELECT COUNT(*) FROM run_movement_facts WHERE run_id = '{later.GetProperty("id").GetString()}'"));
        Assert.Equal(expected.Customers.Count, movement.GetProperty("customers").GetInt32());
        Assert.Equal(
            expected.Counts.Select(c => (WireNames.Of(c.Category), c.Customers)),
            movement.GetProperty("categories").EnumerateArray().Select(c => (c.GetProperty("category").GetString()!, c.GetProperty("customers").GetInt32())));
        Assert.Equal(
            expected.Migration.Select(m => (m.Customers, Math.Round(m.ProfitBefore, 6), Math.Round(m.ProfitAfter, 6))),
            movement.GetProperty("migration").EnumerateArray().Select(m =>
                (m.GetProperty("customers").GetInt32(), Math.Round(m.GetProperty("profitBefore").GetDouble(), 6), Math.Round(m.GetProperty("profitAfter").GetDouble(), 6))));
        Assert.True(expected.Count(MovementCategory.Sleeping) > 0, "the test data has customers who fell asleep between the runs");
        Assert.Equal(
            expected.Customers.Where(c => c.Category == MovementCategory.Sleeping).Take(200).Select(c => (c.CustomerId, c.Reason)),
            sleeping.GetProperty("customers").EnumerateArray().Select(c => (c.GetProperty("customerId").GetString()!, c.GetProperty("reason").GetString()!)));
    }

    [SkippableFact]
    public async Task TheMovementSummaryIsStoredWhenARunEndsAndReadFromStorageAfterARestart()
    {
        provider.Require();
        using var fresh = provider.Fresh();
        var earlier = await RunAsync(fresh, EarlierAsOf);
        var later = await RunAsync(fresh, AsOf);
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);
        var movement = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement", UriKind.Relative));
        var (from, to) = (earlier.GetProperty("id").GetString(), later.GetProperty("id").GetString());
        var customers = movement.GetProperty("customers").GetInt32();

        Assert.Equal(1, await StoredMovementsAsync(fresh, from!, to!));
        // A restarted API (a second host on the same database: nothing in its memory) answers from the stored row, which
        // is marked here so the answer shows it was read, not compared again. Its start-up warm-up is off: it would compare
        // the runs again in memory, and the memory's comparison comes before the row.
        Scalar(fresh, $"UPDATE run_movements SET summary = replace(summary, '\"customers\":{customers},', '\"customers\":{customers + 1000},') WHERE to_run_id = '{to}'");
        using var restarted = Restarted(fresh, warmUp: false);
        using var again = restarted.ClientWith(ApiFactory.ScorerKey);
        var read = await again.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement", UriKind.Relative));

        Assert.Equal(customers + 1000, read.GetProperty("customers").GetInt32());
        Assert.Equal(movement.GetProperty("migration").ToString(), read.GetProperty("migration").ToString());
        Assert.Equal(movement.GetProperty("categories").ToString(), read.GetProperty("categories").ToString());
    }

    [SkippableFact]
    public async Task AfterARestartTheWarmUpComparesTheCurrentRunWithTheOneBeforeInMemoryBeforeAnyoneAsks()
    {
        provider.Require();
        using var fresh = provider.Fresh();
        var earlier = await RunAsync(fresh, EarlierAsOf);
        var later = await RunAsync(fresh, AsOf);
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);
        var movement = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement", UriKind.Relative));
        var loyal = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement/customers?category=loyal&pageSize=200", UriKind.Relative));
        var customers = movement.GetProperty("customers").GetInt32();
        // The stored summary is marked (once it is there: else the mark would change nothing and the test would prove
        // nothing): an answer that read it would say 1,000 customers more.
        Assert.Equal(1, await StoredMovementsAsync(fresh, earlier.GetProperty("id").GetString()!, later.GetProperty("id").GetString()!));
        Scalar(fresh, $"UPDATE run_movements SET summary = replace(summary, '\"customers\":{customers},', '\"customers\":{customers + 1000},')");

        using var restarted = Restarted(fresh, warmUp: true);
        await restarted.WaitUntilReadyAsync();
        await restarted.Services.GetRequiredService<MlCustomer.Api.Workspace.WorkspaceWarmUp>().Finished.WaitAsync(TimeSpan.FromMinutes(2));
        using var again = restarted.ClientWith(ApiFactory.ScorerKey);

        // The comparison the warm-up made is in memory (the memory's comparison comes before the stored row): the true count.
        var read = await again.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement", UriKind.Relative));
        Assert.Equal(customers, read.GetProperty("customers").GetInt32());
        Assert.Equal(movement.GetProperty("categories").ToString(), read.GetProperty("categories").ToString());
        Assert.Equal(loyal.ToString(), (await again.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement/customers?category=loyal&pageSize=200", UriKind.Relative))).ToString());
    }

    // The worker compares a new run with the one before as it ends and stores the summary after the run reads as
    // succeeded (and after the page can answer from the comparison in memory): read until the row is there, bounded.
    private static async Task<long> StoredMovementsAsync(ApiFactory api, string fromRunId, string toRunId)
    {
        var stored = 0L;
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); stored == 0 && wait.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(stored == 0 ? 100 : 0))
        {
            stored = Scalar(api, $"SELECT COUNT(*) FROM run_movements WHERE from_run_id = '{fromRunId}' AND to_run_id = '{toRunId}'");
        }

        return stored;
    }

    // A second host on the same store: nothing in its memory, as after a restart.
    private static ApiFactory Restarted(ApiFactory api, bool warmUp)
    {
        var settings = api.StorePostgreSql is { } postgres
            ? new Dictionary<string, string?> { ["MlCustomer:Storage:PostgreSql"] = postgres }
            : new Dictionary<string, string?> { ["MlCustomer:DatabasePath"] = Path.Combine(api.Root, "api.db") };
        settings["MlCustomer:Workspace:WarmUpOnStart"] = warmUp ? "true" : "false";
        return ApiFactory.With(settings);
    }

    [SkippableFact]
    public async Task EachStoredScoreKeepsTheValueIntervalsTheScorerServedAndTheCustomerTargetsAndExportShowThem()
    {
        provider.Require();
        using var fresh = provider.Fresh();
        await RunAsync(fresh, AsOf);
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);
        var served = ScoresAt(AsOf);

        Assert.Equal(0, Scalar(fresh, "SELECT COUNT(*) FROM customer_scores WHERE gross_profit_p10 IS NULL OR gross_profit_p90 IS NULL OR revenue_p50 IS NULL"));
        Assert.Equal(served.Count, Scalar(fresh, "SELECT COUNT(*) FROM customer_scores"));
        var wide = served.Values.First(s => s.GrossProfitInterval is { P90: > 0 } && s.RevenueInterval is not null);
        var customer = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{wide.CustomerId}", UriKind.Relative));
        Assert.Equal(Triple(wide.GrossProfitInterval), Triple(customer.GetProperty("grossProfitInterval")));
        Assert.Equal(Triple(wide.RevenueInterval), Triple(customer.GetProperty("revenueInterval")));

        var list = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/retention/targets?budget=1000000&pageSize=40", UriKind.Relative));
        var targets = list.GetProperty("targets").EnumerateArray().ToList();
        Assert.NotEmpty(targets);
        Assert.All(targets, t =>
        {
            var score = served[t.GetProperty("customerId").GetString()!];
            Assert.Equal(score.PredictedGrossProfit, t.GetProperty("predictedGrossProfit").GetDouble());
            Assert.Equal(Triple(score.GrossProfitInterval), Triple(t.GetProperty("grossProfitInterval")));
        });

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/retention/targets?budget=1000000", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/csv");
        using var csv = await client.SendAsync(request);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',').ToList();
        Assert.Equal(list.GetProperty("customersChosen").GetInt32(), lines.Length - 1);
        foreach (var line in lines.Skip(1).Take(40))
        {
            // The id leads each line and the interval cells end it before the purchase outlook's three (the quoted reasons
            // before them may hold commas).
            var cells = line.Split(',');
            var interval = served[cells[1]].GrossProfitInterval!;
            Assert.Equal(
                [CsvText.Number(interval.P10, 2), CsvText.Number(interval.P50, 2), CsvText.Number(interval.P90, 2)],
                cells[^6..^3]);
            Assert.Equal(["gross_profit_p10", "gross_profit_p50", "gross_profit_p90", .. PurchaseOutlook.CsvColumns()], header[^6..]);
        }

        static (double, double, double) Triple(object? interval) => interval switch
        {
            Core.LifetimeValue.ValueInterval v => (v.P10, v.P50, v.P90),
            JsonElement e => (e.GetProperty("p10").GetDouble(), e.GetProperty("p50").GetDouble(), e.GetProperty("p90").GetDouble()),
            _ => throw new InvalidOperationException("no interval"),
        };
    }

    [SkippableFact]
    public async Task TheCustomerViewServesTheRevenueReasonsTheRunStoredAndTheyAddUpToThePredictedRevenue()
    {
        provider.Require();
        using var fresh = provider.Fresh();
        await RunAsync(fresh, AsOf);
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);
        var served = ScoresAt(AsOf);
        var explained = served.Values.Where(s => s.RevenueReasons.Count > 0 && s.RevenueTotals is not null).Take(5).ToList();
        Assert.NotEmpty(explained);

        foreach (var score in explained)
        {
            var customer = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{score.CustomerId}", UriKind.Relative));
            var reasons = customer.GetProperty("revenueReasons").EnumerateArray().ToList();
            Assert.Equal(score.RevenueReasons.Select(r => r.Feature), reasons.Select(r => r.GetProperty("feature").GetString()));
            // Effects are stored as 4-byte floats (CompactEncoding): the served effects as stored; the all-other effect takes the rounding.
            Assert.Equal(score.RevenueReasons.Select(r => CompactEncoding.AsStored(r.Contribution)), reasons.Select(r => r.GetProperty("contribution").GetDouble()));
            Assert.All(reasons, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("sentence").GetString())));
            var explanation = customer.GetProperty("revenueExplanation");
            Assert.Equal(score.RevenueTotals!.Value.Baseline, explanation.GetProperty("baseline").GetDouble(), 9);
            var sum = explanation.GetProperty("baseline").GetDouble() + reasons.Sum(r => r.GetProperty("contribution").GetDouble())
                + explanation.GetProperty("allOther").GetDouble();
            Assert.Equal(customer.GetProperty("predictedRevenue").GetDouble(), sum, 6);
        }
    }

    [SkippableFact]
    public async Task TheStoredPyramidIsCoresPyramidOfTheRunsDecisions()
    {
        provider.Require();
        var run = await RunAsync(factory, AsOf);
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        var summary = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/tiers/summary", UriKind.Relative));

        var expected = ProfitConcentration.Compute(Decisions.Value);
        Assert.Equal(run.GetProperty("id").GetString(), summary.GetProperty("runId").GetString());
        Assert.Equal(expected.Customers, summary.GetProperty("customers").GetInt32());
        Assert.Equal(expected.TotalProfit, summary.GetProperty("totalProfit").GetDouble(), 6);
        Assert.Equal(expected.TopCustomers, summary.GetProperty("topCustomers").GetInt32());
        Assert.Equal(expected.TopProfitShare!.Value, summary.GetProperty("topProfitShare").GetDouble(), 9);
        var tiers = summary.GetProperty("tiers").EnumerateArray().ToList();
        Assert.Equal(expected.Tiers.Count, tiers.Count);
        foreach (var (want, got) in expected.Tiers.Zip(tiers))
        {
            Assert.Equal(WireNames.Of(want.Tier), got.GetProperty("tier").GetString());
            Assert.Equal(want.Customers, got.GetProperty("customers").GetInt32());
            Assert.Equal(want.Profit, got.GetProperty("profit").GetDouble(), 6);
            Assert.Equal(want.Revenue, got.GetProperty("revenue").GetDouble(), 6);
            Assert.Equal(want.LossMaking, got.GetProperty("lossMaking").GetInt32());
            Assert.Equal(want.FalseBigCustomers, got.GetProperty("falseBigCustomers").GetInt32());
        }
    }

    [SkippableFact]
    public async Task TheStoredDriftIsCoresDriftOfEveryCustomerOfTheRun()
    {
        provider.Require();
        await AssertStoredDriftIsCoresAsync(factory);
    }

    [SkippableTheory]
    [InlineData("budget=500&saveRate=0.3")]
    [InlineData("budget=2000&offerCost=35")]
    [InlineData("budget=1000000")]
    [InlineData("budget=800&limit=25")]
    [InlineData("budget=1000&tier=A")]
    [InlineData("budget=3000&stage=atRisk&saveRate=0.5")]
    [InlineData("budget=3000&offerCost=12&tier=B&limit=40")]
    [InlineData("budget=1500&segment=FIRST")]
    [InlineData("budget=1500&action=FIRST")]
    public async Task TargetsFromStoredCandidatesAreCoresListOverTheRunsDecisions(string query)
    {
        provider.Require();
        var run = await RunAsync(factory, AsOf);
        query = query
            .Replace("segment=FIRST", $"segment={Uri.EscapeDataString(Decisions.Value.First(d => d.PaidOffer && d.Segment is not null).Segment!)}", StringComparison.Ordinal)
            .Replace("action=FIRST", $"action={Uri.EscapeDataString(Decisions.Value.First(d => d.PaidOffer).Action)}", StringComparison.Ordinal);
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        var list = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/retention/targets?{query}", UriKind.Relative));

        var expected = RetentionTargets.Choose(Decisions.Value, OptionsOf(query, run));
        Assert.Equal(run.GetProperty("id").GetString(), list.GetProperty("runId").GetString());
        Assert.Equal(
            expected.Targets.Select(t => (t.Customer.CustomerId, t.OfferCost, t.Reason)),
            list.GetProperty("targets").EnumerateArray().Select(t =>
                (t.GetProperty("customerId").GetString()!, t.GetProperty("offerCost").GetDouble(), t.GetProperty("reason").GetString()!)));
        Assert.Equal(
            expected.Targets.Select(t => t.Customer.Reasons.Select(r => r.Text).ToList()),
            list.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("ruleReasons").EnumerateArray().Select(r => r.GetString()!).ToList()));
        Assert.Equal(expected.Spend, list.GetProperty("spend").GetDouble(), 9);
        Assert.Equal(expected.ExpectedSavedProfit, list.GetProperty("expectedSavedProfit").GetDouble(), 9);
        var leftOut = list.GetProperty("leftOut");
        Assert.Equal(
            (expected.Considered, expected.WithoutPaidOffer, expected.WithoutPositiveReturn, expected.LeftOutByBudget, expected.LeftOutByLimit),
            (leftOut.GetProperty("considered").GetInt32(), leftOut.GetProperty("withoutPaidOffer").GetInt32(),
             leftOut.GetProperty("withoutPositiveReturn").GetInt32(), leftOut.GetProperty("byBudget").GetInt32(), leftOut.GetProperty("byLimit").GetInt32()));
        var threshold = list.GetProperty("threshold");
        // Equal churn probabilities are summed in another order (Core's sort is not stable): the same threshold, sums equal but for rounding.
        Assert.Equal(expected.Threshold.Customers, threshold.GetProperty("customers").GetInt32());
        Assert.Equal(
            expected.Threshold.ChurnProbability,
            threshold.GetProperty("churnProbability").ValueKind == JsonValueKind.Null ? null : threshold.GetProperty("churnProbability").GetDouble());
        Assert.Equal(expected.Threshold.ExpectedReturn, threshold.GetProperty("expectedReturn").GetDouble(), 6);
        Assert.Equal(expected.Threshold.Basis, threshold.GetProperty("basis").GetString());
    }

    [SkippableFact]
    public async Task ASegmentNoCustomerOfTheRunIsInIsRefusedNamingTheRunsSegments()
    {
        provider.Require();
        await RunAsync(factory, AsOf);
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var known = Decisions.Value.First(d => d.Segment is not null).Segment!;

        using var unknown = await client.GetAsync(new Uri("/api/v1/retention/targets?budget=1500&segment=no-such-segment", UriKind.Relative));
        var problem = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        using var existing = await client.GetAsync(new Uri($"/api/v1/retention/targets?budget=1500&segment={Uri.EscapeDataString(known)}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var message = problem.GetProperty("errors").GetProperty("segment")[0].GetString()!;
        Assert.Contains("'no-such-segment' is none of the current run's segments", message, StringComparison.Ordinal);
        Assert.Contains(known, message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, existing.StatusCode);
    }

    [SkippableFact]
    public async Task ABackfillRunAtAnEarlierAsOfDateDoesNotReplaceTheCurrentScores()
    {
        provider.Require();
        using var fresh = provider.Fresh();
        var current = await RunAsync(fresh, AsOf);
        var backfill = await RunAsync(fresh, new DateOnly(2025, 3, 31));
        Assert.True(backfill.GetProperty("finishedAt").GetDateTimeOffset() > current.GetProperty("finishedAt").GetDateTimeOffset());
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);
        var customerId = Decisions.Value[0].CustomerId;

        var customer = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));
        var summary = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/tiers/summary", UriKind.Relative));
        var targets = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/retention/targets?budget=100", UriKind.Relative));

        var id = current.GetProperty("id").GetString();
        Assert.Equal((id, "2025-06-30"), (customer.GetProperty("runId").GetString(), customer.GetProperty("asOfDate").GetString()));
        Assert.Equal((id, "2025-06-30"), (summary.GetProperty("runId").GetString(), summary.GetProperty("asOfDate").GetString()));
        Assert.Equal((id, "2025-06-30"), (targets.GetProperty("runId").GetString(), targets.GetProperty("asOfDate").GetString()));
        var stored = Decisions.Value[0];
        Assert.Equal(stored.ChurnProbability, customer.GetProperty("churnProbability").GetDouble());
        Assert.Equal(stored.Reasons.Select(r => r.Text), customer.GetProperty("decision").GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [SkippableFact]
    public async Task PruningKeepsTheConfiguredNumberOfRunsAndTheCurrentOne()
    {
        provider.Require();
        using var fresh = provider.Fresh(new Dictionary<string, string?> { ["MlCustomer:KeepScoringRuns"] = "2" });
        var first = await RunAsync(fresh, AsOf);
        var second = await RunAsync(fresh, new DateOnly(2025, 3, 31));
        var third = await RunAsync(fresh, new DateOnly(2025, 4, 30));
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);

        // The first run is current (latest as-of date) although it finished first: it is kept, the second is pruned.
        var pruned = await WaitUntilPrunedAsync(client, second);
        var runs = new[] { await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/scoring-runs/{first.GetProperty("id").GetString()}", UriKind.Relative)), pruned,
            await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/scoring-runs/{third.GetProperty("id").GetString()}", UriKind.Relative)) };

        Assert.Equal(["succeeded", "pruned", "succeeded"], runs.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(2, Scalar(fresh, "SELECT COUNT(DISTINCT score_key) FROM customer_scores"));
        Assert.Equal(0, Scalar(fresh, $"SELECT COUNT(*) FROM run_target_candidates WHERE run_id = '{second.GetProperty("id").GetString()}'"));
        Assert.Equal(0, Scalar(fresh, $"SELECT COUNT(*) FROM run_movement_facts WHERE run_id = '{second.GetProperty("id").GetString()}'"));
        Assert.Equal(2, Scalar(fresh, "SELECT COUNT(*) FROM run_movement_facts"));
        Assert.Equal(first.GetProperty("id").GetString(),
            (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/tiers/summary", UriKind.Relative))).GetProperty("runId").GetString());
    }

    [SkippableFact]
    public async Task ErasingACustomerRemovesTheirRowsInEveryRunAndIsAudited()
    {
        provider.Require();
        using var fresh = provider.Fresh();
        await RunAsync(fresh, AsOf);
        await RunAsync(fresh, EarlierAsOf);
        var customerId = Decisions.Value.First(d => d.PaidOffer).CustomerId;
        using var admin = fresh.ClientWith(ApiFactory.AdminKey);
        using var scorer = fresh.ClientWith(ApiFactory.ScorerKey);

        // A row under a key no run records (what a run that failed while writing leaves until the next start): erased too.
        Scalar(fresh, $"""
            INSERT INTO customer_scores (score_key, customer_id, churn_probability, risk_band, reasons)
            SELECT score_key + 1000, customer_id, churn_probability, risk_band, reasons FROM customer_scores
            WHERE customer_id = '{customerId}' AND score_key = (SELECT MAX(score_key) FROM scoring_runs)
            """);
        Assert.Equal(3, Scalar(fresh, $"SELECT COUNT(*) FROM customer_scores WHERE customer_id = '{customerId}'"));

        // The same list asked for before the erasure (and kept by the API's list cache) must not be served after it.
        var before = await scorer.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/retention/targets?budget=1000000", UriKind.Relative));
        using var refused = await scorer.DeleteAsync(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));
        using var erased = await admin.DeleteAsync(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));
        using var after = await scorer.GetAsync(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));
        using var again = await admin.DeleteAsync(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));
        var targets = await scorer.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/retention/targets?budget=1000000", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var body = await erased.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("rowsErased").GetInt64() >= 2, "one row per run, plus the runs' target candidates");
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(0, Scalar(fresh, $"SELECT COUNT(*) FROM customer_scores WHERE customer_id = '{customerId}'"));
        Assert.Contains(before.GetProperty("targets").EnumerateArray(), t => t.GetProperty("customerId").GetString() == customerId);
        Assert.DoesNotContain(targets.GetProperty("targets").EnumerateArray(), t => t.GetProperty("customerId").GetString() == customerId);
        var movement = await scorer.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/movement", UriKind.Relative));
        // The runs' movement facts name the customer too: the comparison no longer counts them.
        Assert.Equal(Decisions.Value.Select(d => d.CustomerId).Union(EarlierDecisions.Value.Select(d => d.CustomerId)).Count() - 1,
            movement.GetProperty("customers").GetInt32());
        Assert.Equal(1, Scalar(fresh,
            $"SELECT COUNT(*) FROM personal_data_audit WHERE action = 'erase' AND customer_id = '{customerId}' AND requested_by = 'test-admin' AND row_count = {body.GetProperty("rowsErased").GetInt64()}"));
        Assert.Equal(2, Scalar(fresh, $"SELECT COUNT(*) FROM personal_data_audit WHERE action = 'erase' AND customer_id = '{customerId}'"));
    }

    [SkippableFact]
    public async Task EveryCsvExportOfATargetListIsAuditedWithItsRunAndRows()
    {
        provider.Require();
        using var fresh = provider.Fresh();
        var run = await RunAsync(fresh, AsOf);
        using var client = fresh.ClientWith(ApiFactory.ScorerKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/retention/targets?budget=700&offerCost=20", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/csv");

        using var csv = await client.SendAsync(request);
        await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/retention/targets?budget=700", UriKind.Relative));

        var rows = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        Assert.True(rows > 0);
        Assert.Equal(1, Scalar(fresh, "SELECT COUNT(*) FROM personal_data_audit"));
        Assert.Equal(1, Scalar(fresh,
            $"SELECT COUNT(*) FROM personal_data_audit WHERE action = 'export-targets' AND requested_by = 'test-scorer' AND run_id = '{run.GetProperty("id").GetString()}' AND row_count = {rows}"));
    }

    private static TargetOptions OptionsOf(string query, JsonElement run)
    {
        var q = query.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        double? Number(string key) => q.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : null;
        var filter = new TargetFilter
        {
            Tier = q.TryGetValue("tier", out var tier) ? WireNames.Parse<ProfitTier>(tier) : null,
            Stage = q.TryGetValue("stage", out var stage) ? WireNames.Parse<LifecycleStage>(stage) : null,
            Segment = q.GetValueOrDefault("segment"),
            Action = q.GetValueOrDefault("action"),
        };
        return new TargetOptions
        {
            Budget = Number("budget")!.Value,
            OfferCost = Number("offerCost"),
            SaveRate = Number("saveRate") ?? RulesSaveRate(),
            Limit = (int?)Number("limit"),
            AsOfDate = DateOnly.Parse(run.GetProperty("asOfDate").GetString()!, CultureInfo.InvariantCulture),
            Filter = filter == new TargetFilter() ? null : filter,
        };
    }

    private static double RulesSaveRate() => ModelBundle.Load(new MLContext(seed: 1), TestBundle.Instance.BundleFolder).Rules.SaveRate;

    private protected static Task<JsonElement> RunAsync(ApiFactory api, DateOnly asOf) => api.RunSucceededAsync(asOf);

    // Pruning runs right after a run succeeds: wait until the worker has pruned the run (or 10 s have passed).
    private static async Task<JsonElement> WaitUntilPrunedAsync(HttpClient client, JsonElement run)
    {
        var location = new Uri($"/api/v1/scoring-runs/{run.GetProperty("id").GetString()}", UriKind.Relative);
        var latest = run;
        for (var attempt = 0; attempt < 200 && latest.GetProperty("status").GetString() != "pruned"; attempt++)
        {
            await Task.Delay(50);
            latest = await client.GetFromJsonAsync<JsonElement>(location);
        }

        return latest;
    }

    private static long Scalar(ApiFactory api, string sql) => api.StoreScalar(sql);

    // The drift a run stored (counted chunk by chunk, on every core, and on PostgreSQL by whichever replica scored each chunk,
    // then added up) is Core's drift of every customer's model row at once, and its outputs' drift Core's over every score.
    protected static async Task AssertStoredDriftIsCoresAsync(ApiFactory api)
    {
        var run = await RunAsync(api, AsOf);
        using var client = api.ClientWith(ApiFactory.ScorerKey);
        var drift = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/scoring-runs/{run.GetProperty("id").GetString()}/drift", UriKind.Relative));

        var (bundle, rows, scores) = Scored(AsOf);
        var contract = bundle.Card.FeatureContract;
        var modelRows = new FeatureRows(contract, TestBundle.Instance.Data.AttributeNames);
        var features = MlCustomer.Core.Modeling.FeatureDrift.Measure(contract, [.. rows.Select(modelRows.From)]);
        var outputs = bundle.Card.OutputDrift([.. scores.Select(s => s.ChurnProbability)], [.. scores.Select(s => s.PredictedGrossProfit ?? double.NaN)]);
        Assert.NotEmpty(features);
        AssertSame(features, drift.GetProperty("features"));
        AssertSame(outputs, drift.GetProperty("outputs"));

        static void AssertSame(IReadOnlyList<MlCustomer.Core.Modeling.FeatureDriftResult> expected, JsonElement stored)
        {
            var items = stored.EnumerateArray().ToList();
            Assert.Equal(expected.Select(e => e.Feature), items.Select(i => i.GetProperty("feature").GetString()));
            foreach (var (want, got) in expected.Zip(items))
            {
                Assert.Equal(want.Psi, got.GetProperty("psi").GetDouble(), 12);
                Assert.Equal(want.MissingShare, got.GetProperty("missingShare").GetDouble(), 12);
                Assert.Equal(want.LargestMove, got.GetProperty("largestMove").GetString());
            }
        }
    }
}

/// <summary>The stored run views on the SQLite file.</summary>
public sealed class StoredRunViewsTestsOnSqlite(ApiFactory factory) : StoredRunViewsTests(factory, StoreProvider.Sqlite), IClassFixture<ApiFactory>;

/// <summary>The stored run views on PostgreSQL (a schema of its own).</summary>
[Collection(PostgresStores.Name)]
public sealed class StoredRunViewsTestsOnPostgreSql(PostgresApiFactory factory) : StoredRunViewsTests(factory, StoreProvider.PostgreSql), IClassFixture<PostgresApiFactory>
{
    [SkippableFact]
    public async Task TheDriftOfARunOfManyChunksIsTheirStoredCountsAddedUpAndCoresDriftOfEveryCustomer()
    {
        StoreProvider.PostgreSql.Require();
        // Chunks of 256 customers (the least allowed): the run's drift is the sum of several chunks' stored counts.
        using var api = PostgresApiFactory.WithSettings(new Dictionary<string, string?> { ["MlCustomer:Storage:RunChunkCustomers"] = "256" });
        await AssertStoredDriftIsCoresAsync(api);
        Assert.True(api.StoreScalar("SELECT COUNT(*) FROM scoring_run_chunks WHERE drift_counts IS NOT NULL") > 1);
        Assert.Equal(0, api.StoreScalar("SELECT COUNT(*) FROM scoring_run_chunks WHERE drift_counts IS NULL"));

        // Migration 16: on a server built with lz4 (Debian's is), the blobs it compresses use lz4, the run's candidates with them.
        if (api.StoreScalar("SELECT COUNT(*) FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)") == 1)
        {
            Assert.Equal(4, api.StoreScalar("""
                SELECT COUNT(*) FROM pg_attribute WHERE attcompression = 'l' AND (attrelid, attname) IN (
                    ('scoring_run_chunks'::regclass, 'summary_inputs'), ('scoring_run_chunks'::regclass, 'drift_counts'),
                    ('run_target_candidates'::regclass, 'candidates'), ('run_movement_facts'::regclass, 'facts'))
                """));
            Assert.Equal(1, api.StoreScalar("SELECT COUNT(*) FROM run_target_candidates WHERE pg_column_compression(candidates) = 'lz4'"));
        }
    }

    private static readonly Dictionary<string, string?> ChunksOf256 = new() { ["MlCustomer:Storage:RunChunkCustomers"] = "256", ["MlCustomer:Storage:RunPollSeconds"] = "1" };

    [SkippableFact]
    public async Task ARunSharedInChunksOnPostgreSqlStoresExactlyWhatASingleProcessRunStoresOnSqlite()
    {
        StoreProvider.PostgreSql.Require();
        // The same customers, bundle and as-of date: one process in 4,096-customer chunks on the SQLite file, and the shared
        // path's holder in 256-customer chunks on PostgreSQL (drift from the chunks' stored counts, summaries from its chunks).
        using var sqlite = ApiFactory.With();
        var expected = await StoredViewsAsync(sqlite, (await RunAsync(sqlite, AsOf)).GetProperty("id").GetString()!);
        Assert.Contains("\"psi\"", expected, StringComparison.Ordinal);

        using var postgres = PostgresApiFactory.WithSettings(ChunksOf256);
        Assert.Equal(expected, await StoredViewsAsync(postgres, (await RunAsync(postgres, AsOf)).GetProperty("id").GetString()!));
        Assert.Equal(0, postgres.Services.GetRequiredService<ScoreStore>().RowsReadBack);
    }

    [SkippableTheory]
    [InlineData("stored")]
    [InlineData("missing")]
    [InlineData("damaged")]
    public async Task ARunSharedByTwoReplicasOnPostgreSqlStoresExactlyWhatASingleProcessRunStoresOnSqlite(string otherReplicasSummaryInputs)
    {
        StoreProvider.PostgreSql.Require();
        using var sqlite = ApiFactory.With();
        var expected = await StoredViewsAsync(sqlite, (await RunAsync(sqlite, AsOf)).GetProperty("id").GetString()!);

        // Two API hosts on one PostgreSQL schema (two replicas), chunks of 256 customers. The test holds the lock
        // every replica takes as it encodes its first chunk of a run, so the holder and the other replica each claim a chunk
        // and wait there: each stores at least one chunk, whatever the machine's speed, and the holder's summaries combine the
        // chunks it kept with the summary inputs the other replica stored with its chunks.
        using var first = PostgresApiFactory.WithSettings(ChunksOf256);
        using var second = ApiFactory.With(new Dictionary<string, string?>(ChunksOf256) { ["MlCustomer:Storage:PostgreSql"] = first.StorePostgreSql });
        ApiFactory[] replicas = [first, second];
        foreach (var replica in replicas)
        {
            await replica.WaitUntilReadyAsync();
        }

        var stores = replicas.Select(r => r.Services.GetRequiredService<ScoreStore>()).ToArray();
        await using var gate = new NpgsqlConnection(first.StorePostgreSql);
        await gate.OpenAsync();
        await ScalarAsync(gate, $"SELECT pg_advisory_lock({ScoreStore.NamesLockKey})");
        using var admin = first.ClientWith(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(
            new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Convert.ToInt64(await ScalarAsync(gate, "SELECT COUNT(DISTINCT claimed_by) FROM scoring_run_chunks WHERE status = 'claimed'"), CultureInfo.InvariantCulture) < 2)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(3), "Both replicas did not claim a chunk of the run within 3 minutes.");
            await Task.Delay(50);
        }

        var holder = (string)(await ScalarAsync(gate, "SELECT lease_owner FROM scoring_runs"))!;
        var other = stores.Single(s => s.ReplicaId != holder);
        if (otherReplicasSummaryInputs != "stored")
        {
            // The other replica's chunks stored as one of the version before migration 15 writes them (without summary inputs),
            // or with inputs cut short (format 1, then one byte).
            var inputs = otherReplicasSummaryInputs == "missing" ? "NULL" : "'\\x01ff'::bytea";
            await ScalarAsync(gate, $"""
                CREATE FUNCTION other_replica() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.done_by = '{other.ReplicaId}' AND OLD.status <> 'done' THEN NEW.summary_inputs := {inputs}; END IF; RETURN NEW; END $$;
                CREATE TRIGGER other_replica BEFORE UPDATE ON scoring_run_chunks FOR EACH ROW EXECUTE FUNCTION other_replica();
                """);
        }

        await ScalarAsync(gate, $"SELECT pg_advisory_unlock({ScoreStore.NamesLockKey})");
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());

        Assert.Equal(2, Convert.ToInt64(await ScalarAsync(gate, "SELECT COUNT(DISTINCT done_by) FROM scoring_run_chunks"), CultureInfo.InvariantCulture));
        var customers = run.GetProperty("customersScored").GetInt64();
        Assert.Equal((customers + 255) / 256, Convert.ToInt64(await ScalarAsync(gate, "SELECT COUNT(*) FROM scoring_run_chunks WHERE status = 'done'"), CultureInfo.InvariantCulture));
        // The inputs went with the summaries' commit.
        Assert.Equal(0, Convert.ToInt64(await ScalarAsync(gate, "SELECT COUNT(*) FROM scoring_run_chunks WHERE summary_inputs IS NOT NULL"), CultureInfo.InvariantCulture));
        // No customer row is read back, unless a chunk came without summary inputs it can read: then the holder reads every row back, as before.
        Assert.Equal(otherReplicasSummaryInputs == "stored" ? 0 : customers, stores.Sum(s => s.RowsReadBack));
        foreach (var replica in replicas)
        {
            Assert.Equal(expected, await StoredViewsAsync(replica, run.GetProperty("id").GetString()!));
        }

        static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
        {
#pragma warning disable CA2100 // Test SQL built from the test's own values.
            await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
            return await command.ExecuteScalarAsync();
        }
    }

    // What a run stored, as the views serve it: its drift, the pyramid, two target lists and two customers, without what
    // says which run it was and when (ids, times, the cursor naming the kept list), which differ between stores.
    private static async Task<string> StoredViewsAsync(ApiFactory api, string id)
    {
        using var client = api.ClientWith(ApiFactory.ScorerKey);
        var views = new System.Text.StringBuilder();
        foreach (var path in new[]
        {
            $"/api/v1/scoring-runs/{id}/drift", "/api/v1/tiers/summary", "/api/v1/retention/targets?budget=1000000&pageSize=100",
            "/api/v1/retention/targets?budget=3000&offerCost=12&saveRate=0.5&tier=B", "/api/v1/customers/C00001", "/api/v1/customers/C00750",
        })
        {
            var view = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync(new Uri(path, UriKind.Relative)))!;
            views.Append(path.Replace(id, "{run}", StringComparison.Ordinal)).Append(": ").AppendLine(WithoutRunIdentity(view).ToJsonString());
        }

        return views.ToString();

        static System.Text.Json.Nodes.JsonNode WithoutRunIdentity(System.Text.Json.Nodes.JsonNode node)
        {
            if (node is System.Text.Json.Nodes.JsonObject fields)
            {
                foreach (var name in fields.Select(f => f.Key).ToList())
                {
                    if (name is "runId" or "scoredAt" or "requestedAt" or "startedAt" or "finishedAt" or "listId" or "nextCursor")
                    {
                        fields.Remove(name);
                    }
                    else if (fields[name] is { } child)
                    {
                        WithoutRunIdentity(child);
                    }
                }
            }
            else if (node is System.Text.Json.Nodes.JsonArray items)
            {
                foreach (var item in items)
                {
                    if (item is not null)
                    {
                        WithoutRunIdentity(item);
                    }
                }
            }

            return node;
        }
    }
}
