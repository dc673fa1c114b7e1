using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Features;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Api.Tests.Scoring;

/// <summary>
/// The two-part value model's purchase outlook (the chance of buying and the gross profit if buying) of the committed
/// bundle on the committed data: Core computes it once (<see cref="PurchaseOutlook"/>), and POST /scores, POST /scores/csv,
/// the console's score, a stored run's GET /customers/{id}, the retention targets and their CSV export all serve the same
/// figures for the same customers, on both stores; rows stored before the columns existed read as not available.
/// </summary>
public abstract class PurchaseOutlookSurfacesTests(StoreProvider provider)
{
    // The stored probability is whole basis points: within half of one of the unrounded one.
    private const double StoredPrecision = 0.5 / 10_000;

    [SkippableFact]
    public async Task EverySurfaceServesCoresPurchaseProbabilityAndGrossProfitIfBuyingForTheSameCustomers()
    {
        provider.Require();
        var committed = CommittedData.Instance;
        var sample = committed.Sample(each: 15);
        Assert.Equal(30, sample.Count);
        using var api = provider.Fresh(CommittedData.Settings(CommittedData.NewRoot()));
        await api.RunSucceededAsync(committed.AsOf);
        using var client = api.ClientWith(ApiFactory.ScorerKey);

        // Stored: every customer of the run has the outlook, and the stored probabilities are Core's to the basis point.
        Assert.Equal(committed.Scores.Count, api.StoreScalar("SELECT COUNT(*) FROM customer_scores"));
        Assert.Equal(0, api.StoreScalar("SELECT COUNT(*) FROM customer_scores WHERE purchase_probability_basis_points IS NULL OR gross_profit_if_buying_p90 IS NULL"));
        Assert.Equal(
            committed.Scores.Values.Sum(s => (long)PurchaseOutlook.BasisPoints(s.GrossProfitInterval!.PurchaseProbability!.Value)),
            api.StoreScalar("SELECT SUM(purchase_probability_basis_points) FROM customer_scores"));

        // A stored run's customer view.
        foreach (var score in sample)
        {
            var customer = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{score.CustomerId}", UriKind.Relative));
            AssertServed(score, customer.GetProperty("purchaseOutlook"), committed.Currency);
        }

        // POST /scores with the same customers' features.
        using var json = await client.PostAsJsonAsync(new Uri("/api/v1/scores", UriKind.Relative), ScoresBody(committed, sample));
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var scored = (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customers").EnumerateArray().ToList();
        Assert.Equal(sample.Select(s => s.CustomerId), scored.Select(c => c.GetProperty("customerId").GetString()));
        foreach (var (score, customer) in sample.Zip(scored))
        {
            AssertServed(score, customer.GetProperty("purchaseOutlook"), committed.Currency);
            // The point of the outlook: a likely non-buyer's interval is [0, 0], the outlook still says what a purchase is worth.
            if (customer.GetProperty("grossProfitInterval").GetProperty("p90").GetDouble() == 0)
            {
                Assert.True(customer.GetProperty("purchaseOutlook").GetProperty("grossProfitIfBuyingP90").GetDouble() > 0, customer.ToString());
            }
        }

        // POST /scores/csv with the same features.
        using var csv = await client.PostAsync(new Uri("/api/v1/scores/csv", UriKind.Relative), new StringContent(FeatureCsv(committed, sample), Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        AssertCsv(sample, CsvScoresEndpointTests.Records(await csv.Content.ReadAsStringAsync()), "gross_profit");

        // The console's score over the committed data at the same date.
        var file = Path.Combine(api.Root, "console-scores.csv");
        var (exitCode, _, error) = TrainingConsole.Run(
            "score", "--bundle", CommittedData.BundleFolder, "--data", CommittedData.DataFolder, "--as-of", committed.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "-o", file);
        Assert.True(exitCode == 0, error);
        var console = CsvScoresEndpointTests.Records(await File.ReadAllTextAsync(file));
        var ids = sample.Select(s => s.CustomerId).ToHashSet(StringComparer.Ordinal);
        AssertCsv(sample, [console[0], .. console.Skip(1).Where(r => ids.Contains(r[0]))], "gross_profit");

        // The retention targets from the stored run, as JSON and as their CSV export.
        var list = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/retention/targets?budget=1000000&pageSize=40", UriKind.Relative));
        var targets = list.GetProperty("targets").EnumerateArray().ToList();
        Assert.NotEmpty(targets);
        Assert.All(targets, t => AssertServed(committed.Scores[t.GetProperty("customerId").GetString()!], t.GetProperty("purchaseOutlook"), committed.Currency));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/retention/targets?budget=1000000", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/csv");
        using var export = await client.SendAsync(request);
        var exported = CsvScoresEndpointTests.Records(await export.Content.ReadAsStringAsync());
        Assert.Equal(list.GetProperty("customersChosen").GetInt32(), exported.Count - 1);
        var idColumn = Array.IndexOf(exported[0], "customer_id");
        AssertCsv([.. exported.Skip(1).Take(40).Select(r => committed.Scores[r[idColumn]])], [exported[0], .. exported.Skip(1).Take(40)], "gross_profit", idColumn);
    }

    [SkippableFact]
    public async Task RowsStoredBeforeTheOutlookColumnsReadAsNotAvailableBesideTheirIntervals()
    {
        provider.Require();
        var committed = CommittedData.Instance;
        var root = CommittedData.NewRoot();
        using var api = provider.Fresh(CommittedData.Settings(root));
        await api.RunSucceededAsync(committed.AsOf);

        // The store as it was before the outlook's migration (found by its description: its number can move when branches
        // merge), with this run's rows in it; a restarted host migrates it again, and the columns it adds are null for the
        // rows already there, as for every run stored before the migration.
        var version = api.StoreScalar("SELECT version FROM schema_version WHERE description LIKE 'each compact score carries the purchase probability%'");
        Assert.True(version > 13, $"the outlook's migration is {version}");
        api.StoreScalar("ALTER TABLE customer_scores DROP COLUMN purchase_probability_basis_points");
        api.StoreScalar("ALTER TABLE customer_scores DROP COLUMN gross_profit_if_buying_p90");
        api.StoreScalar("ALTER TABLE customer_scores DROP COLUMN gross_profit_if_buying_p10");
        // Migrations apply above the highest version recorded, so a store from before the outlook has none of the later
        // ones either: undo each of them too (15, the shared run chunks' summary inputs; 16, lz4 for PostgreSQL's blobs, which
        // applies again as it is).
        var latest = api.StoreScalar("SELECT MAX(version) FROM schema_version");
        Assert.Equal(16, latest); // a later migration must be undone here too
        api.StoreScalar("ALTER TABLE scoring_run_chunks DROP COLUMN summary_inputs");
        api.StoreScalar($"DELETE FROM schema_version WHERE version >= {version}");
        var settings = CommittedData.Settings(root);
        if (api.StorePostgreSql is { } postgres)
        {
            settings["MlCustomer:Storage:PostgreSql"] = postgres;
        }
        else
        {
            settings["MlCustomer:DatabasePath"] = Path.Combine(api.Root, "api.db");
        }

        using var restarted = ApiFactory.With(settings);
        await restarted.WaitUntilReadyAsync();
        // Read through the first host's store settings: the restarted host's is the same database.
        Assert.Equal(1, api.StoreScalar($"SELECT COUNT(*) FROM schema_version WHERE version = {version}"));
        Assert.Equal(latest, api.StoreScalar("SELECT MAX(version) FROM schema_version"));
        Assert.Equal(committed.Scores.Count, api.StoreScalar("SELECT COUNT(*) FROM customer_scores WHERE purchase_probability_basis_points IS NULL"));
        using var client = restarted.ClientWith(ApiFactory.ScorerKey);

        var score = committed.Sample(each: 1)[0];
        var customer = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{score.CustomerId}", UriKind.Relative));
        Assert.Equal(score.GrossProfitInterval!.P90, customer.GetProperty("grossProfitInterval").GetProperty("p90").GetDouble());
        Assert.Equal(JsonValueKind.Null, customer.GetProperty("purchaseOutlook").ValueKind);

        var list = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/retention/targets?budget=1000000&pageSize=10", UriKind.Relative));
        Assert.All(list.GetProperty("targets").EnumerateArray(), t =>
        {
            Assert.Equal(JsonValueKind.Object, t.GetProperty("grossProfitInterval").ValueKind);
            Assert.Equal(JsonValueKind.Null, t.GetProperty("purchaseOutlook").ValueKind);
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/retention/targets?budget=1000000", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/csv");
        using var export = await client.SendAsync(request);
        var exported = CsvScoresEndpointTests.Records(await export.Content.ReadAsStringAsync());
        var columns = PurchaseOutlook.CsvColumns().Select(c => Array.IndexOf(exported[0], c)).ToList();
        Assert.DoesNotContain(-1, columns);
        Assert.All(exported.Skip(1), row => Assert.All(columns, c => Assert.Equal("", row[c])));
        Assert.All(exported.Skip(1), row => Assert.NotEqual("", row[Array.IndexOf(exported[0], "gross_profit_p90")]));
    }

    // A served outlook (JSON) against Core's: the probability at the stored precision (exactly the rounded one, and within
    // half a basis point of the unrounded), the amounts as Core computed them, and the sentence.
    private static void AssertServed(CustomerScore score, JsonElement served, string currency)
    {
        var interval = score.GrossProfitInterval!;
        var expected = PurchaseOutlook.Of(interval)!;
        var probability = served.GetProperty("purchaseProbability").GetDouble();
        Assert.Equal(expected.PurchaseProbability, probability);
        Assert.InRange(Math.Abs(probability - interval.PurchaseProbability!.Value), 0, StoredPrecision + 1e-12);
        Assert.Equal(interval.AmountIfBuyingP10!.Value, served.GetProperty("grossProfitIfBuyingP10").GetDouble());
        Assert.Equal(interval.AmountIfBuyingP90!.Value, served.GetProperty("grossProfitIfBuyingP90").GetDouble());
        Assert.Equal(expected.Words(currency), served.GetProperty("inWords").GetString());
    }

    // CSV rows (header first) against Core: the probability as written (4 decimals) is Core's rounded one, the amounts to the cent.
    private static void AssertCsv(IReadOnlyList<CustomerScore> expected, IReadOnlyList<string[]> records, string amount, int idColumn = 0)
    {
        var header = records[0];
        var columns = PurchaseOutlook.CsvColumns(amount).Select(c => Array.IndexOf(header, c)).ToList();
        Assert.DoesNotContain(-1, columns);
        var rows = records.Skip(1).ToDictionary(r => r[idColumn], StringComparer.Ordinal);
        Assert.Equal(expected.Count, rows.Count);
        foreach (var score in expected)
        {
            var row = rows[score.CustomerId];
            var outlook = PurchaseOutlook.Of(score.GrossProfitInterval)!;
            Assert.Equal(outlook.PurchaseProbability, Number(row[columns[0]]));
            Assert.Equal(outlook.IfBuyingP10, Number(row[columns[1]]), 0.0051);
            Assert.Equal(outlook.IfBuyingP90, Number(row[columns[2]]), 0.0051);
        }

        static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
    }


    // The committed contract's numeric features (the bundle leaves out constant ones), the main channel and the attributes.
    private static IReadOnlyList<NumericFeature> Numeric(CommittedData committed)
    {
        var names = committed.Bundle.Card.FeatureContract.Features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        return [.. FeatureColumns.Numeric.Where(c => names.Contains(c.Name))];
    }

    private static JsonObject ScoresBody(CommittedData committed, IReadOnlyList<CustomerScore> sample)
    {
        var rows = committed.Table.Rows.ToDictionary(r => r.CustomerId, StringComparer.Ordinal);
        var customers = new JsonArray();
        foreach (var score in sample)
        {
            var row = rows[score.CustomerId];
            var features = new JsonObject();
            foreach (var column in Numeric(committed))
            {
                var value = column.Value(row);
                features[column.Name] = double.IsNaN(value) ? null : JsonValue.Create(value);
            }

            features[FeatureColumns.MainChannel] = row.MainChannel;
            for (var i = 0; i < committed.Table.AttributeNames.Count; i++)
            {
                features[committed.Table.AttributeNames[i]] = row.Attributes[i];
            }

            customers.Add(new JsonObject { ["customerId"] = row.CustomerId, ["features"] = features });
        }

        return new JsonObject { ["asOfDate"] = committed.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["customers"] = customers };
    }

    private static string FeatureCsv(CommittedData committed, IReadOnlyList<CustomerScore> sample)
    {
        var rows = committed.Table.Rows.ToDictionary(r => r.CustomerId, StringComparer.Ordinal);
        var numeric = Numeric(committed);
        var text = new StringBuilder()
            .AppendJoin(',', [FeatureColumns.CustomerId, .. numeric.Select(n => n.Name), FeatureColumns.MainChannel, .. committed.Table.AttributeNames]).Append('\n');
        foreach (var score in sample)
        {
            var row = rows[score.CustomerId];
            text.AppendJoin(',', [row.CustomerId, .. numeric.Select(n => Number(n.Value(row))), row.MainChannel, .. row.Attributes]).Append('\n');
        }

        return text.ToString();

        static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);
    }
}

/// <summary>The purchase outlook's surfaces on the SQLite file.</summary>
public sealed class PurchaseOutlookSurfacesTestsOnSqlite() : PurchaseOutlookSurfacesTests(StoreProvider.Sqlite);

/// <summary>The purchase outlook's surfaces on PostgreSQL (a schema of its own).</summary>
[Collection(PostgresStores.Name)]
public sealed class PurchaseOutlookSurfacesTestsOnPostgreSql() : PurchaseOutlookSurfacesTests(StoreProvider.PostgreSql);
