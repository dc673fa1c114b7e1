using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Scoring;

/// <summary>
/// A customer table trained with the console, then the same file scored by the console, <c>POST /scores/csv</c> and
/// <c>POST /scores</c> as it is (its own id column, its label, Yes/No words, blanks): every surface gives the same
/// probabilities, because every one reads the rows through the card's one encoder.
/// </summary>
public sealed class CustomerTableEndToEndTests : IDisposable
{
    private const int Rows = 600;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "tables", Guid.NewGuid().ToString("N"));

    public CustomerTableEndToEndTests() => Directory.CreateDirectory(folder);

    [Fact]
    public async Task ATableTrainedWithTheConsoleScoresAlikeThroughTheConsoleTheCsvEndpointAndTheJsonEndpoint()
    {
        var table = Path.Combine(folder, "contracts.csv");
        File.WriteAllText(table, TrainingConsole.ContractTable(Rows), new UTF8Encoding(false));
        var bundle = Path.Combine(folder, "bundle");
        var train = TrainingConsole.Run("train", "--table", table, "--id", "customerID", "--label", "Churn", "--folds", "2", "--output", bundle);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        var scores = Path.Combine(folder, "scores.csv");
        var score = TrainingConsole.Run("score", "--bundle", bundle, "--table", table, "-o", scores);
        Assert.True(score.ExitCode == 0, score.Error + score.Output);
        var console = File.ReadAllLines(scores).Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[1], StringComparer.Ordinal);
        Assert.Equal(Rows, console.Count);

        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:BundlePath"] = bundle }, withBundle: false);
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        // The training file as it is: its id column name, its label column, Yes/No words and blank charges.
        using var csvResponse = await client.PostAsync(new Uri("/api/v1/scores/csv", UriKind.Relative), new StringContent(File.ReadAllText(table), Encoding.UTF8, "text/csv"));
        var csvText = await csvResponse.Content.ReadAsStringAsync();
        Assert.True(csvResponse.StatusCode == HttpStatusCode.OK, csvText);
        var csvLines = csvText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = csvLines[0].Split(',');
        var warningsColumn = Array.IndexOf(header, "warnings");
        var csv = csvLines.Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c, StringComparer.Ordinal);
        Assert.Equal(console.Keys.Order(StringComparer.Ordinal), csv.Keys.Order(StringComparer.Ordinal));
        Assert.All(console, c => Assert.Equal(c.Value, csv[c.Key][1]));
        Assert.All(csv.Values, c => Assert.Equal("", c[warningsColumn]));
        // No value or revenue model: their cells are empty, not a zero baseline.
        foreach (var empty in new[] { "predicted_gross_profit", "value_baseline", "value_all_other", "revenue_baseline", "revenue_all_other" })
        {
            var column = Array.IndexOf(header, empty);
            Assert.All(csv.Values, c => Assert.Equal("", c[column]));
        }

        // The JSON endpoint: the usual customerId + features map, the features being the file's cells as text.
        var fileLines = File.ReadAllLines(table);
        var names = fileLines[0].Split(',');
        foreach (var batch in fileLines.Skip(1).Chunk(200))
        {
            var customers = CustomersFromFileLines(names, batch);
            using var response = await client.ScoreAsync(new JsonObject { ["customers"] = customers });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            var json = JsonNode.Parse(body)!["customers"]!.AsArray();
            foreach (var customer in json)
            {
                var id = customer!["customerId"]!.GetValue<string>();
                var probability = customer["churnProbability"]!.GetValue<double>();
                Assert.Equal(console[id], Math.Round(probability, 6).ToString(CultureInfo.InvariantCulture));
                Assert.Empty(customer["warnings"]!.AsArray());
                Assert.Null(customer["segmentId"]);
            }
        }

        // Scoring runs build features from transactions: refused up front with what to do instead, not failed later.
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var run = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new JsonObject());
        Assert.Equal(HttpStatusCode.Conflict, run.StatusCode);
        var refused = await run.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("no segments and no profit tiers", refused!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("POST /api/v1/scores/csv", refused["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // GET /models says plainly what the bundle cannot give and why.
        var model = await client.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/models", UriKind.Relative));
        Assert.Equal("customer-table", model!["inputKind"]!.GetValue<string>());
        Assert.Equal(["segments", "profitTiers"], model["notAvailable"]!["outputs"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.StartsWith("Segments and profit tiers are not available: a bundle trained on a customer table has no segments and no profit tiers (there is no order history",
            model["notAvailable"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RawValuesTrainingNeverSawAreScoredWithAWarningAndAMissingColumnIsAProblemNamingIt()
    {
        var table = Path.Combine(folder, "contracts.csv");
        File.WriteAllText(table, TrainingConsole.ContractTable(Rows), new UTF8Encoding(false));
        var bundle = Path.Combine(folder, "bundle");
        var train = TrainingConsole.Run("train", "--table", table, "--id", "customerID", "--label", "Churn", "--folds", "2", "--output", bundle);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:BundlePath"] = bundle }, withBundle: false);
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        JsonObject Customer(string id, string partner, string contract, JsonNode? charges) => new()
        {
            ["customerId"] = id,
            ["features"] = new JsonObject
            {
                ["Partner"] = partner, ["Contract"] = contract, ["tenure"] = 12, ["TotalCharges"] = charges, ["SeniorCitizen"] = 0,
                ["PaymentMethod"] = "Mailed check", ["Region"] = "North",
            },
        };
        using var response = await client.ScoreAsync(new JsonObject
        {
            ["customers"] = new JsonArray(Customer("a", "Yes", "Two year", 240.5), Customer("b", "perhaps", "Lifetime", "n/a")),
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var customers = JsonNode.Parse(body)!["customers"]!.AsArray();
        var first = customers[0]!["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
        Assert.Equal(["ignored 1 column(s) the model was not trained with: 'Region'"], first);
        var second = customers[1]!["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).ToList();
        Assert.Contains(second, w => w.StartsWith("Partner 'perhaps' is not one of the values training read", StringComparison.Ordinal));
        Assert.Contains("Contract 'Lifetime' was not seen in training; scored as '(other)'", second);

        var missing = await client.PostAsync(new Uri("/api/v1/scores/csv", UriKind.Relative),
            new StringContent("customerID,Partner,tenure,TotalCharges,SeniorCitizen,PaymentMethod\nX1,Yes,3,30,0,Mailed check\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        var problem = await missing.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("is a column the model reads", problem!["errors"]!["line[1].Contract"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATableBundlesValueAtRiskIsTheConsolesThroughTheCsvAndJsonEndpoints()
    {
        // The contract table with a value label: twelve months of charges for who stays, nothing from who leaves.
        var lines = TrainingConsole.ContractTable(Rows).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var table = Path.Combine(folder, "contracts-with-value.csv");
        File.WriteAllLines(table, [lines[0] + ",NextYearValue", .. lines.Skip(1).Select(l =>
        {
            var cells = l.Split(',');
            var monthly = 20 + (int.Parse(cells[3], CultureInfo.InvariantCulture) % 50);
            return $"{l},{(cells[7] == "Yes" ? 0 : 12) * monthly}";
        })], new UTF8Encoding(false));
        var bundle = Path.Combine(folder, "bundle-with-value");
        // The two-part form (a purchase classifier × the value if any): a table's value model serves the purchase outlook too.
        var train = TrainingConsole.Run(
            "train", "--table", table, "--id", "customerID", "--label", "Churn", "--value-column", "NextYearValue", "--folds", "2", "--value-form", "two-part", "--output", bundle);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        var scores = Path.Combine(folder, "scores-with-value.csv");
        var score = TrainingConsole.Run("score", "--bundle", bundle, "--table", table, "-o", scores);
        Assert.True(score.ExitCode == 0, score.Error + score.Output);
        var written = File.ReadAllLines(scores);
        var consoleColumn = Array.IndexOf(written[0].Split(','), "value_at_risk");
        var console = written.Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => Number(c[consoleColumn]), StringComparer.Ordinal);
        Assert.Contains(console.Values, v => v > 0);
        var consoleOutlookColumn = Array.IndexOf(written[0].Split(','), "purchase_probability");
        var consoleOutlook = written.Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[consoleOutlookColumn], StringComparer.Ordinal);
        Assert.Equal(["purchase_probability", "predicted_value_if_buying_p10", "predicted_value_if_buying_p90"], written[0].Split(',')[consoleOutlookColumn..(consoleOutlookColumn + 3)]);
        Assert.All(consoleOutlook.Values, p => Assert.InRange(Number(p), 0, 1));

        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:BundlePath"] = bundle }, withBundle: false);
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        using var csvResponse = await client.PostAsync(new Uri("/api/v1/scores/csv", UriKind.Relative), new StringContent(File.ReadAllText(table), Encoding.UTF8, "text/csv"));
        var csvText = await csvResponse.Content.ReadAsStringAsync();
        Assert.True(csvResponse.StatusCode == HttpStatusCode.OK, csvText);
        var csvLines = csvText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = csvLines[0].Split(',');
        var (csvColumn, probabilityColumn, valueColumn) = (Array.IndexOf(header, "value_at_risk"), Array.IndexOf(header, "churn_probability"), Array.IndexOf(header, "predicted_gross_profit"));
        foreach (var cells in csvLines.Skip(1).Select(l => l.Split(',')))
        {
            Assert.Equal(console[cells[0]], Number(cells[csvColumn]), 0.006);
            Assert.Equal(Number(cells[probabilityColumn]) * Math.Max(0, Number(cells[valueColumn])), Number(cells[csvColumn]), 0.01);
            Assert.Equal(Number(consoleOutlook[cells[0]]), Number(cells[Array.IndexOf(header, "purchase_probability")]));
        }

        var names = lines[0].Split(',');
        var customers = CustomersFromFileLines(names, lines.Skip(1).Take(50));
        using var response = await client.ScoreAsync(new JsonObject { ["customers"] = customers });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        foreach (var customer in JsonNode.Parse(body)!["customers"]!.AsArray())
        {
            var valueAtRisk = customer!["valueAtRisk"]!.GetValue<double>();
            Assert.Equal(console[customer["customerId"]!.GetValue<string>()], valueAtRisk, 0.006);
            Assert.Equal(customer["churnProbability"]!.GetValue<double>() * Math.Max(0, customer["predictedGrossProfit"]!.GetValue<double>()), valueAtRisk, 1e-9);
            Assert.Equal(Number(consoleOutlook[customer["customerId"]!.GetValue<string>()]), customer["purchaseOutlook"]!["purchaseProbability"]!.GetValue<double>());
        }

        static double Number(string cell) => double.Parse(cell, CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A process may still hold a file for a moment; the temp folder is cleaned by the system.
        }
    }

    // The JSON endpoint's customers from the training file's own lines: customerId + a features map of the cells as text.
    private static JsonArray CustomersFromFileLines(string[] names, IEnumerable<string> lines) =>
        new([.. lines.Select(line =>
        {
            var cells = line.Split(',');
            var features = new JsonObject();
            for (var i = 0; i < names.Length; i++)
            {
                features[names[i]] = cells[i];
            }

            return (JsonNode)new JsonObject { ["customerId"] = cells[0], ["features"] = features };
        })]);
}
