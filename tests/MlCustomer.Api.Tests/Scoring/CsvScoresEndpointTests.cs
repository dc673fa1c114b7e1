using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Features;

namespace MlCustomer.Api.Tests.Scoring;

public sealed class CsvScoresEndpointTests : IDisposable
{
    // Chunks of 50 rows, so a bad row after the first chunk is reachable with a small file.
    private readonly ApiFactory factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:Scoring:CsvChunkRows"] = "50" });

    [Fact]
    public async Task ACsvOfFeaturesIsScoredRowByRowInInputOrder()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var rows = Requests.Features.Rows.Take(120).ToList();

        using var response = await PostCsvAsync(client, Csv(rows));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TestBundle.Instance.Version, response.Headers.GetValues("X-Model-Version").Single());
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("customer_id,churn_probability,risk_band", lines[0], StringComparison.Ordinal);
        Assert.Equal(rows.Select(r => r.CustomerId), lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.All(lines.Skip(1), l => Assert.InRange(double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture), 0, 1));
        var revenueColumn = Array.IndexOf(lines[0].Split(','), "predicted_revenue");
        Assert.Equal(6, revenueColumn);
        Assert.All(lines.Skip(1), l => Assert.True(double.IsFinite(double.Parse(l.Split(',')[revenueColumn], CultureInfo.InvariantCulture))));

        // The 80% intervals beside the predictions, ordered P10 ≤ P50 ≤ P90.
        var header = lines[0].Split(',');
        foreach (var prefix in new[] { "gross_profit", "revenue" })
        {
            var (p10, p50, p90) = (Array.IndexOf(header, prefix + "_p10"), Array.IndexOf(header, prefix + "_p50"), Array.IndexOf(header, prefix + "_p90"));
            Assert.True(p10 > 0 && p50 == p10 + 1 && p90 == p50 + 1, lines[0]);
            Assert.All(lines.Skip(1), l =>
            {
                var cells = l.Split(',');
                double Cell(int i) => double.Parse(cells[i], CultureInfo.InvariantCulture);
                Assert.True(Cell(p10) <= Cell(p50) && Cell(p50) <= Cell(p90), l);
            });
        }
    }

    [Fact]
    public async Task TheCsvCarriesTheSameDecisionAsTheJsonForTheSameCustomers()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var rows = Requests.Features.Rows.Take(30).ToList();

        using var csvResponse = await PostCsvAsync(client, Csv(rows));
        using var jsonResponse = await client.ScoreAsync(Requests.FeaturesBody(30));

        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        var json = (await jsonResponse.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!;
        var lines = Records(await csvResponse.Content.ReadAsStringAsync());
        var header = lines[0];
        foreach (var column in Core.Decisions.DecisionCsv.Columns)
        {
            Assert.Contains(column, header);
        }

        string Cell(string[] line, string column) => line[Array.IndexOf(header, column)];
        double Number(string[] line, string column) => double.Parse(Cell(line, column), CultureInfo.InvariantCulture);
        for (var i = 0; i < rows.Count; i++)
        {
            var line = lines[i + 1];
            var result = json.Customers[i];
            var decision = result.Decision!;
            Assert.Equal(result.CustomerId, Cell(line, "customer_id"));
            Assert.Equal(decision.Tier, Cell(line, "current_tier"));
            Assert.Equal(decision.PredictedTier, Cell(line, "predicted_tier"));
            Assert.Equal(decision.LifecycleStage, Cell(line, "lifecycle_stage"));
            Assert.Equal(decision.RecommendedAction, Cell(line, "recommended_action"));
            Assert.Equal(decision.LossMaking ? "true" : "false", Cell(line, "loss_making"));
            Assert.Equal(decision.ProfitLast365Days, Number(line, "profit_last_365_days"), 0.006);
            Assert.Equal(decision.PredictedProfit, Number(line, "predicted_profit"), 0.006);
            Assert.Equal(decision.ValueAtRisk, Number(line, "value_at_risk"), 0.006);
            Assert.Equal(decision.OfferCost, Number(line, "offer_cost"), 0.006);
            Assert.Equal(result.PredictedGrossProfit!.Value - decision.ExpectedCostToServe, decision.PredictedProfit, 1e-6);
            Assert.Equal(string.Join(" | ", decision.Reasons), Cell(line, "rule_reasons"));
        }
    }

    [Fact]
    public async Task RevenueReasonsAddUpToThePredictedRevenueInTheJsonAndTheCsv()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var rows = Requests.Features.Rows.Take(30).ToList();

        using var csvResponse = await PostCsvAsync(client, Csv(rows));
        using var jsonResponse = await client.ScoreAsync(Requests.FeaturesBody(30));

        var json = await jsonResponse.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Requests.Json);
        Assert.Contains("revenueReasons, revenueExplanation and predictedRevenue", json.GetProperty("units").GetString(), StringComparison.Ordinal);
        var lines = Records(await csvResponse.Content.ReadAsStringAsync());
        var header = lines[0];
        string Cell(string[] line, string column) => line[Array.IndexOf(header, column)];
        double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
        var customers = json.GetProperty("customers").EnumerateArray().ToList();
        for (var i = 0; i < rows.Count; i++)
        {
            // JSON: baseline + the reasons' contributions + all other = predicted revenue, each reason with a sentence.
            var customer = customers[i];
            var revenue = customer.GetProperty("predictedRevenue").GetDouble();
            var explanation = customer.GetProperty("revenueExplanation");
            var reasons = customer.GetProperty("revenueReasons").EnumerateArray().ToList();
            Assert.Equal(3, reasons.Count);
            Assert.All(reasons, r => Assert.Contains("predicted revenue by", r.GetProperty("sentence").GetString(), StringComparison.Ordinal));
            var explained = explanation.GetProperty("baseline").GetDouble() + reasons.Sum(r => r.GetProperty("contribution").GetDouble())
                + explanation.GetProperty("allOther").GetDouble();
            Assert.Equal(revenue, explained, 1e-6 * Math.Max(1, Math.Abs(revenue)));

            // CSV: the same three columns, adding up to the written decimals.
            var line = lines[i + 1];
            var contributions = Cell(line, "revenue_reasons").Split(';').Select(r => Number(r[(r.LastIndexOf(':') + 1)..])).ToList();
            Assert.Equal(reasons.Select(r => r.GetProperty("feature").GetString()), Cell(line, "revenue_reasons").Split(';').Select(r => r.Split('=', ':')[0]));
            var written = Number(Cell(line, "revenue_baseline")) + contributions.Sum() + Number(Cell(line, "revenue_all_other"));
            Assert.Equal(Number(Cell(line, "predicted_revenue")), written, 0.011);
        }
    }

    [Fact]
    public async Task DecisionsFalseLeavesTheDecisionColumnsOutAndKeepsTheScores()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(10).ToList());

        using var full = await PostCsvAsync(client, csv);
        using var scoresOnly = await client.PostAsync(
            new Uri("/api/v1/scores/csv?decisions=false", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv"));

        var withDecisions = Records(await full.Content.ReadAsStringAsync());
        var without = Records(await scoresOnly.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, scoresOnly.StatusCode);
        Assert.All(Core.Decisions.DecisionCsv.Columns, c => Assert.DoesNotContain(c, without[0]));
        Assert.Equal(withDecisions[0].Length - Core.Decisions.DecisionCsv.Columns.Count, without[0].Length);
        for (var i = 1; i < without.Count; i++)
        {
            Assert.Equal(withDecisions[i][..9], without[i][..9]); // id, scores, segment, predictions and model reasons
            Assert.Equal(without[0].Length, without[i].Length);
        }
    }

    [Fact]
    public async Task TheExampleCsvThatTheHttpFilePostsScoresItsTwentyCustomers()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var example = Path.Combine(Requests.RepositoryRoot(), "src", "MlCustomer.Api", "examples", "features-20-customers.csv");
        Assert.Contains("< examples/features-20-customers.csv", File.ReadAllText(Path.Combine(Requests.RepositoryRoot(), "src", "MlCustomer.Api", "MlCustomer.Api.http")), StringComparison.Ordinal);

        using var response = await PostCsvAsync(client, File.ReadAllText(example));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(21, lines.Length);
        Assert.EndsWith(",model_version,error", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.InRange(double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture), 0, 1));
        // Every row scored: the model version, then an empty error column.
        Assert.All(lines.Skip(1), l => Assert.EndsWith($",{TestBundle.Instance.Version},", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABadRowInTheFirstChunkRefusesTheWholeCsvBeforeAnythingIsWritten()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(10).ToList()).Split('\n');
        csv[3] = Replace(csv[3], "recency_days", "NaN");

        using var response = await PostCsvAsync(client, string.Join('\n', csv));

        await AssertRefusedAsync(response, "line[4].recency_days", "not a finite number");
    }

    [Fact]
    public async Task ABadRowAfterTheFirstChunkBecomesAnErrorRowAndTheRestIsScored()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(80).ToList()).Split('\n');
        csv[61] = Replace(csv[61], "purchase_days", "-3");

        using var response = await PostCsvAsync(client, string.Join('\n', csv));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(81, lines.Length);
        Assert.Contains("line[62].purchase_days: -3 cannot be negative", lines[61], StringComparison.Ordinal);
        Assert.Equal(string.Empty, lines[61].Split(',')[1]);
        Assert.NotEqual(string.Empty, lines[62].Split(',')[1]);
        // The error row has every column, so the model version and the error land under their headers.
        var header = lines[0].Split(',');
        var errorRow = lines[61].Split(',');
        Assert.Equal("model_version", header[^2]);
        Assert.StartsWith("mlc-", errorRow[Array.IndexOf(header, "model_version")], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHeaderWithUnknownOrMissingColumnsIsRefused()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await PostCsvAsync(client, "customer_id,recency_days,shoe_size\nC1,3,44\n");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await Requests.ErrorsAsync(response);
        Assert.Contains("line[1].shoe_size", errors.Keys);
        Assert.Contains("line[1].purchase_days", errors.Keys);
    }

    [Fact]
    public async Task APlainCsvAndTheSameCsvWithEveryCellQuotedGetTheSameAnswer()
    {
        // Plain lines are read in place and quoted ones by the general reader: both must say the same, warnings included.
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(150).ToList()).Split('\n');
        csv[5] = Replace(Replace(Replace(csv[5], "recency_days", "99999"), "days_since_first_purchase", "99999"), "tenure_days", "99999");
        csv[7] = Replace(csv[7], "region", "Atlantis");
        csv[9] = Replace(csv[9], "region", "");
        csv[11] = Replace(csv[11], "sd_days_between_purchases", "");
        csv[70] = Replace(csv[70], "purchase_days", "-3");
        csv[90] = Replace(csv[90], "main_channel", " web ");
        var quoted = csv.Select(l => l.Length == 0 ? l : string.Join(',', l.Split(',').Select(c => $"\"{c}\""))).ToArray();

        using var plain = await PostCsvAsync(client, string.Join('\n', csv));
        using var general = await PostCsvAsync(client, string.Join('\n', quoted));

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        var answer = await plain.Content.ReadAsStringAsync();
        Assert.Equal(await general.Content.ReadAsStringAsync(), answer);
        Assert.Contains("outside the training range", answer, StringComparison.Ordinal);
        Assert.Contains("'Atlantis' was not seen in training", answer, StringComparison.Ordinal);
        Assert.Contains("cannot be negative", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQuoteThatIsNeverClosedIsRefusedNamingTheLineWhereItOpened()
    {
        // 300 KB after the quote: read once up to the bound, not once per line (this took minutes when every line re-read the record).
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(2).ToList()) + "C9,\"never closed\n" + string.Concat(Enumerable.Repeat("x,y,z\n", 50_000));

        using var response = await PostCsvAsync(client, csv);

        await AssertRefusedAsync(response, "line[4]", "opens a quoted field that is not closed within 65,536 characters");
    }

    [Fact]
    public async Task ALineWithoutLineBreaksIsRefusedAtTheBoundNamingTheLine()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(1).ToList()) + new string('7', 2_000_000);

        using var response = await PostCsvAsync(client, csv);

        await AssertRefusedAsync(response, "line[3]", "is longer than 65,536 characters");
    }

    [Fact]
    public async Task AQuoteNeverClosedAfterTheFirstChunkEndsTheAnswerWithAnErrorRowNamingTheLine()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(60).ToList()) + "C9,\"never closed\n" + string.Concat(Enumerable.Repeat("x,y,z\n", 50_000));

        using var response = await PostCsvAsync(client, csv);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(62, lines.Length);
        Assert.Contains("line[62]: opens a quoted field that is not closed within 65,536 characters", lines[^1], StringComparison.Ordinal);
        Assert.Contains("reading stopped here", lines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"customer_id,recency_days\n", "opens a quoted field that is never closed")]
    [InlineData("customer_id,rec\"en\"cy_days\nC1,3\n", "has a quote inside an unquoted field")]
    public async Task AHeaderWithAQuoteThatIsNotClosedOrOutOfPlaceIsA400NamingLineOne(string csv, string problem)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await PostCsvAsync(client, csv);

        await AssertRefusedAsync(response, "line[1]", problem);
    }

    [Fact]
    public async Task AJsonBodySentToTheCsvEndpointIsRefusedSayingWhereJsonGoes()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var json = Requests.FeaturesBody(2).ToJsonString();

        using var asJson = await client.PostAsync(new Uri("/api/v1/scores/csv", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        using var asCsv = await PostCsvAsync(client, json);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, asJson.StatusCode);
        var problem = await asJson.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Contains("This endpoint reads CSV: send Content-Type text/csv", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, asCsv.StatusCode);
        Assert.Contains("looks like JSON", Assert.Single((await Requests.ErrorsAsync(asCsv))["line[1]"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("C\u00071", "contains the control character U+0007")]
    [InlineData("C\u009B1", "contains the control character U+009B")]
    [InlineData("C\u202E1", "contains the invisible character U+202E (a text-direction control)")]
    [InlineData("C\u200D1", "contains the invisible character U+200D (a zero-width or format character)")]
    [InlineData("\uFEFFC1", "contains the invisible character U+FEFF (a byte order mark)")]
    public async Task AnIdWithAControlOrInvisibleCharacterIsRefused(string id, string problem)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(3).ToList()).Split('\n');
        csv[2] = Replace(csv[2], "customer_id", id);

        using var response = await PostCsvAsync(client, string.Join('\n', csv));

        await AssertRefusedAsync(response, "line[3].customer_id", problem);
    }

    [Fact]
    public async Task AnIdLongerThanTheJsonCapIsRefusedInTheCsvToo()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(3).ToList()).Split('\n');
        csv[1] = Replace(csv[1], "customer_id", new string('c', 201));

        using var response = await PostCsvAsync(client, string.Join('\n', csv));

        await AssertRefusedAsync(response, "line[2].customer_id", "is longer than 200 characters");
    }

    [Fact]
    public async Task ACsvThatIsNotUtf8IsRefusedNamingTheLineInsteadOfScoringReplacementCharacters()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(5).ToList()).Split('\n');
        csv[2] = Replace(csv[2], "customer_id", "M\u00fcller"); // written below as Latin-1: ü is the single byte 0xFC

        using var response = await PostCsvBytesAsync(client, Encoding.Latin1.GetBytes(string.Join('\n', csv)));

        await AssertRefusedAsync(response, "line[3]", "is not valid UTF-8");
    }

    [Fact]
    public async Task BytesThatAreNotUtf8AfterTheFirstChunkEndTheAnswerWithAnErrorRowNamingTheLine()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(60).ToList()).Split('\n');
        csv[54] = Replace(csv[54], "customer_id", "M\u00fcller");

        using var response = await PostCsvBytesAsync(client, Encoding.Latin1.GetBytes(string.Join('\n', csv)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(55, lines.Length);
        Assert.Contains("line[55]: is not valid UTF-8", lines[^1], StringComparison.Ordinal);
        Assert.Contains("reading stopped here", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUtf8ByteOrderMarkAndNonAsciiIdsAreRead()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(3).ToList()).Split('\n');
        csv[1] = Replace(csv[1], "customer_id", "M\u00fcller-\u6771\u4eac");

        using var response = await PostCsvBytesAsync(client, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(string.Join('\n', csv))]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("M\u00fcller-\u6771\u4eac,0.", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeaturesThatContradictEachOtherAreRefusedInTheCsvAsInTheJson()
    {
        // Checked on the plain-line path and the general one alike: the plain line falls back to the general path, which words it.
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var csv = Csv(Requests.Features.Rows.Take(80).ToList()).Split('\n');
        csv[2] = Replace(Replace(csv[2], "purchase_days", "50"), "order_count", "0");
        csv[61] = Replace(Replace(csv[61], "recency_days", "900"), "tenure_days", "30");

        using var first = await PostCsvAsync(client, string.Join('\n', csv));
        csv[2] = Csv(Requests.Features.Rows.Take(2).ToList()).Split('\n')[2];
        using var later = await PostCsvAsync(client, string.Join('\n', csv));

        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        Assert.Contains("is more than order_count (0)", Assert.Single((await Requests.ErrorsAsync(first))["line[3].purchase_days"]), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        var lines = (await later.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("line[62].recency_days: 900 is more than tenure_days (30)", lines[61], StringComparison.Ordinal);
        Assert.Equal(string.Empty, lines[61].Split(',')[1]);
    }

    public void Dispose() => factory.Dispose();

    // Every record of a CSV text (one per line here), quoted fields (rule reasons hold commas) unquoted.
    // Also read by the purchase outlook's surface tests: one CSV reader for the tests' answers.
    internal static List<string[]> Records(string text)
    {
        var records = new List<string[]>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == ',' && !quoted)
                {
                    fields.Add(field.ToString());
                    field.Clear();
                }
                else
                {
                    field.Append(c);
                }
            }

            fields.Add(field.ToString());
            records.Add([.. fields]);
        }

        return records;
    }

    // A 400 whose only error under key is the problem named.
    private static async Task AssertRefusedAsync(HttpResponseMessage response, string key, string problem)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(problem, Assert.Single((await Requests.ErrorsAsync(response))[key]), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostCsvAsync(HttpClient client, string csv) =>
        client.PostAsync(new Uri("/api/v1/scores/csv", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv"));

    private static Task<HttpResponseMessage> PostCsvBytesAsync(HttpClient client, byte[] csv)
    {
        var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        return client.PostAsync(new Uri("/api/v1/scores/csv", UriKind.Relative), content);
    }

    private static string[] Header()
    {
        var table = Requests.Features;
        return [FeatureColumns.CustomerId, .. FeatureColumns.Numeric.Where(n => Requests.InContract(n.Name)).Select(n => n.Name), FeatureColumns.MainChannel, .. table.AttributeNames];
    }

    private static string Csv(IReadOnlyList<CustomerFeatures> rows)
    {
        var text = new StringBuilder().AppendJoin(',', Header()).Append('\n');
        foreach (var row in rows)
        {
            text.AppendJoin(',', [row.CustomerId, .. FeatureColumns.Numeric.Where(n => Requests.InContract(n.Name)).Select(n => Number(n.Value(row))), row.MainChannel, .. row.Attributes]).Append('\n');
        }

        return text.ToString();
    }

    private static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Replace(string line, string column, string value)
    {
        var cells = line.Split(',');
        cells[Array.IndexOf(Header(), column)] = value;
        return string.Join(',', cells);
    }
}
