using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Security;

/// <summary>
/// Inputs an attacker or a careless client sends (issue 14 §1, the probe's findings): each is refused with a 400 naming
/// the parameter or field in the API's words, never read as a plausible other value.
/// </summary>
public sealed class HostileInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData("budget=1,5", "budget", "no thousands separators")] // was read as a budget of 15
    [InlineData("budget=100&offerCost=1,5", "offerCost", "no thousands separators")] // was an offer cost of 15
    [InlineData("budget=1&budget=2", "budget", "is given 2 times")] // the framework joined them to "1,2", read as 12
    [InlineData("budget=100&SaveRate=0.5&saveRate=0.3", "saveRate", "is given 2 times")]
    [InlineData("budget=100&tier=A&tier=B", "tier", "is given 2 times")]
    [InlineData("budget=abc", "budget", "'abc' is not a number")] // was "Failed to bind parameter \"Nullable<double> budget\""
    [InlineData("budget=100&limit=99999999999", "limit", "is out of range")]
    [InlineData("budget=100&limit=2.5", "limit", "must be a whole number")]
    public async Task AQueryNumberThatIsRepeatedOrNotPlainIsRefusedByName(string query, string parameter, string expected)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.MarketingKey);

        using var response = await client.GetAsync(new Uri($"/api/v1/retention/targets?{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Nullable", text, StringComparison.Ordinal);
        var errors = await Requests.ErrorsAsync(response);
        Assert.Contains(expected, Assert.Single(errors[parameter]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFlagThatIsNeitherTrueNorFalseIsRefusedInTheApiWords()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.PostAsync(new Uri("/api/v1/scores/csv?decisions=maybe", UriKind.Relative),
            new StringContent("customer_id\n", Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("'maybe' must be true or false", Assert.Single((await Requests.ErrorsAsync(response))["decisions"]));
    }

    [Fact]
    public async Task ATargetListFilterOnAnActionTheRulesDoNotHaveIsRefusedNotAnEmptyList()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.MarketingKey);

        using var unknown = await client.GetAsync(new Uri("/api/v1/retention/targets?budget=100&action=VIP-RETENTION", UriKind.Relative));
        using var twice = await client.GetAsync(new Uri(
            "/api/v1/retention/targets?budget=100&actionCost=vip-retention:10&actionCost=vip-retention:20", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("vip-retention", Assert.Single((await Requests.ErrorsAsync(unknown))["action"]), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.Contains("more than once", Assert.Single((await Requests.ErrorsAsync(twice))["actionCost"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReloadBodyThatNamesThePathTwiceIsRefusedNotReadAsTheLastOne()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var response = await admin.PostAsync(new Uri("/api/v1/models/reload", UriKind.Relative),
            new StringContent("""{"path": "no-such-bundle", "path": null}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("appears more than once", Assert.Single((await Requests.ErrorsAsync(response))["path"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReloadBodyWithAMisspelledFieldIsRefusedInsteadOfReloadingTheConfiguredBundle()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var response = await admin.PostAsync(new Uri("/api/v1/models/reload", UriKind.Relative),
            new StringContent("""{"bundle": "no-such-bundle"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = Assert.Single((await Requests.ErrorsAsync(response))["bundle"]);
        Assert.Contains("is not a field this endpoint reads", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(".NET", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFeatureGivenTwiceIsRefusedNotScoredWithTheLastValue()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var features = Requests.FeaturesBody(1)["customers"]![0]!["features"]!.ToJsonString();
        var json = """{"customers": [{"customerId": "C1", "features": """ + features[..^1] + """, "recency_days": 1}}]}""";

        using var response = await client.ScoreRawAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await Requests.ErrorsAsync(response);
        Assert.True(errors.ContainsKey("customers[0].features.recency_days"), string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" / ", e.Value)}")));
        Assert.Contains("appears more than once", Assert.Single(errors["customers[0].features.recency_days"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("C\u202E1", "U+202E")] // right-to-left override: the id reads backwards in logs and exports
    [InlineData("C\u200B1", "U+200B")] // zero-width space: prints like "C1"
    [InlineData("\uFEFFC1", "U+FEFF")] // a byte order mark pasted into the id
    [InlineData("C\u20281", "U+2028")] // line separator
    public async Task AnIdWithAnInvisibleCharacterIsRefused(string id, string named)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var body = Requests.FeaturesBody(1);
        body["customers"]![0]!["customerId"] = id;

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"contains the invisible character {named}", Assert.Single((await Requests.ErrorsAsync(response))["customers[0].customerId"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task ACustomerPathIdNoRunCanHaveStoredIsRefusedBeforeItIsLookedUpOrAudited(string method)
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        foreach (var (id, expected) in new[] { (new string('x', 5000), "is longer than 200 characters"), ("C%E2%80%AE1", "U+202E"), ("%20C1", "starts or ends with a space") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri($"/api/v1/customers/{id}", UriKind.Relative));
            using var response = await admin.SendAsync(request);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(expected, Assert.Single((await Requests.ErrorsAsync(response))["id"]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ASearchPrefixWithAControlCharacterIsRefused()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.MarketingKey);

        using var response = await client.GetAsync(new Uri("/api/v1/customers?prefix=C%00", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("control character U+0000", Assert.Single((await Requests.ErrorsAsync(response))["prefix"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1850-01-01")]
    [InlineData("0001-01-01")]
    public async Task AScoringRunAsOfADateBefore1900IsRefusedNotQueued(string asOf)
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var response = await admin.PostAsJsonAsync(new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = asOf });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"{asOf} is before 1900-01-01, the earliest date accepted", Assert.Single((await Requests.ErrorsAsync(response))["asOfDate"]));
    }

    [Fact]
    public async Task ABodyWithoutAContentTypeIsToldWhichToSendInTheApiWords()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        using var content = new ByteArrayContent("{}"u8.ToArray());

        using var response = await client.PostAsync(new Uri("/api/v1/scores", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("This endpoint reads JSON: send Content-Type application/json (it was sent with no Content-Type).", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ABodyWithMoreCustomersThanALimitIsRefusedWhereReadingStoppedNotReadWhole()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        // 2,000,000 empty objects in 6 MB: each used to become an object before the count was checked.
        var json = "{\"customers\": [" + string.Join(',', Enumerable.Repeat("{}", 2_000_000)) + "]}";

        using var response = await client.ScoreRawAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var (key, problems) = Assert.Single(await Requests.ErrorsAsync(response));
        Assert.StartsWith("customers", key, StringComparison.Ordinal);
        Assert.StartsWith("holds more customers than the 1,000 a request may: send 1 to 1,000 customers (reading stopped at customer 1,001)",
            Assert.Single(problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/scores", "application/json", "{}")]
    [InlineData("/api/v1/scores/csv", "text/csv", "customer_id\n")]
    public async Task ACompressedBodyIsRefusedSayingSoNotAsBrokenText(string path, string contentType, string text)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        using var compressed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(text));
        }

        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The body was sent with Content-Encoding gzip; send it uncompressed (no Content-Encoding). Nothing was done.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AnAddressOrMethodNothingAnswersIsNamedNotJustTheStatus()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var unknown = await client.GetAsync(new Uri("/api/v1/scorez", UriKind.Relative));
        using var put = await client.PutAsync(new Uri("/api/v1/scores", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.StartsWith("Nothing answers GET /api/v1/scorez", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Equal("/api/v1/scores does not take PUT; it takes POST.", (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ASignInFormWithoutItsSecurityTokenIsToldToReloadThePage()
    {
        await factory.WaitUntilReadyAsync();
        using var browser = factory.ClientWith(null);

        using var response = await browser.PostAsync(new Uri("/sign-in", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Key"] = ApiFactory.MarketingKey }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reload the page and send it again", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOrderWhosePurchaseLinesCarryTwoDatesIsRefusedNotScoredAsMorePurchaseDaysThanOrders()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var customer = Requests.Features.Rows.First(r => r.PurchaseDays >= 2);
        var history = Requests.HistoryOf(customer.CustomerId);
        var transactions = history["transactions"]!.AsArray();
        var firstSale = transactions.Select((t, i) => (Line: t!, Index: i)).First(t => t.Line["revenue"]!.GetValue<double>() > 0);
        var sameOrderLater = firstSale.Line.DeepClone();
        sameOrderLater["order_date"] = Requests.Features.AsOfDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        transactions.Add(sameOrderLater);
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["asOfDate"] = Requests.Features.AsOfDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["customers"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["customerId"] = customer.CustomerId, ["history"] = history }),
        };

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = Assert.Single((await Requests.ErrorsAsync(response))[$"customers[0].history.transactions[{transactions.Count - 1}].order_date"]);
        Assert.Contains($"the date of order '{firstSale.Line["order_id"]}' on transactions[{firstSale.Index}]: an order's purchase lines share one date", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/scores", "application/json; charset=bogus", "bogus")] // was a 500: no such encoding
    [InlineData("/api/v1/scores", "application/json; charset=iso-8859-1", "iso-8859-1")]
    [InlineData("/api/v1/scores/csv", "text/csv; charset=utf-16", "utf-16")] // was read as UTF-8 whatever it said
    public async Task ABodyDeclaredInAnotherCharacterSetThanUtf8IsRefusedSayingSo(string path, string contentType, string charset)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        using var content = new ByteArrayContent("{}"u8.ToArray());
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith($"The body was declared as charset={charset}; this service reads UTF-8 only", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
