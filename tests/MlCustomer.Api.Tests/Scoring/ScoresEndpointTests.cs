using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Decisions;

namespace MlCustomer.Api.Tests.Scoring;

public sealed class ScoresEndpointTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task ScoringOneCustomerFromFeaturesReturnsAnExplainedScoreWithTheModelItUsed()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.ScoreAsync(Requests.FeaturesBody(1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!;
        Assert.Equal(TestBundle.Instance.Version, body.ModelVersion);
        Assert.Equal(180, body.ChurnHorizonDays);
        Assert.Contains("predictedGrossProfit: gross profit in the 365 days after the as-of date (revenue − cost of goods, returns included, before cost-to-serve), in EUR;", body.Units, StringComparison.Ordinal);
        Assert.Contains("decision.predictedProfit: predictedGrossProfit − decision.expectedCostToServe", body.Units, StringComparison.Ordinal);
        var result = Assert.Single(body.Customers);
        Assert.Equal(Requests.Features.Rows[0].CustomerId, result.CustomerId);
        Assert.InRange(result.ChurnProbability, 0, 1);
        Assert.Equal(result.ChurnProbability >= 0.6 ? "high" : result.ChurnProbability >= 0.3 ? "medium" : "low", result.RiskBand);
        Assert.NotNull(result.SegmentId);
        Assert.NotNull(result.SegmentName);
        Assert.Equal(3, result.ChurnReasons.Count);
        Assert.NotNull(result.PredictedGrossProfit);
        Assert.NotNull(result.PredictedRevenue);
    }

    [Fact]
    public async Task EveryScoreCarriesOrderedValueIntervalsAroundItsPredictions()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.ScoreAsync(Requests.FeaturesBody(40));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Requests.Json);
        var anyZeroMedian = false;
        foreach (var customer in body.GetProperty("customers").EnumerateArray())
        {
            foreach (var (property, value) in new[] { ("grossProfitInterval", "predictedGrossProfit"), ("revenueInterval", "predictedRevenue") })
            {
                var interval = customer.GetProperty(property);
                var (p10, p50, p90) = (interval.GetProperty("p10").GetDouble(), interval.GetProperty("p50").GetDouble(), interval.GetProperty("p90").GetDouble());
                Assert.True(p10 <= p50 && p50 <= p90, $"{property}: {interval}");
                Assert.True(double.IsFinite(customer.GetProperty(value).GetDouble()));
                anyZeroMedian |= p50 == 0;
            }
        }

        // Zero-inflated value: some customers' median outcome is exactly nothing.
        Assert.True(anyZeroMedian);
    }

    [Fact]
    public async Task EveryScoreCarriesTheProfitRulesDecisionWithAReasonPerRule()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.ScoreAsync(Requests.FeaturesBody(20));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!;
        Assert.All(body.Customers, c =>
        {
            var decision = Assert.IsType<DecisionBody>(c.Decision);
            Assert.Contains(decision.Tier, new[] { "A", "B", "C", "D" });
            Assert.Contains(decision.PredictedTier, new[] { "A", "B", "C", "D" });
            Assert.Contains(decision.LifecycleStage, new[] { "new", "active", "atRisk", "lapsed", "churned" });
            Assert.InRange(decision.ValueAtRisk, 0, double.MaxValue);
            Assert.False(string.IsNullOrWhiteSpace(decision.RecommendedAction));
            Assert.Equal(8, decision.Reasons.Count);
            Assert.Contains(decision.Reasons, r => r.StartsWith($"tier {decision.Tier}", StringComparison.Ordinal));
            // One spelling (Core's WireNames) in the fields and in the reasons, as the console's CSV writes it.
            Assert.Contains(decision.Reasons, r => r.StartsWith($"{decision.LifecycleStage}: ", StringComparison.Ordinal));
            Assert.Contains(decision.Reasons, r => r.StartsWith($"risk {c.RiskBand}: ", StringComparison.Ordinal));
            Assert.Equal(decision.LifecycleStage, WireNames.Of(WireNames.Parse<LifecycleStage>(decision.LifecycleStage)));
        });
    }

    [Fact]
    public async Task RulesFromTheApiConfigurationReplaceTheBundlesRules()
    {
        var rules = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", Guid.NewGuid().ToString("N") + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(rules)!);
        // Every probability above 0.2% counts as high risk: visible in every result's risk band.
        await File.WriteAllTextAsync(rules, """{ "riskBands": { "mediumFrom": 0.001, "highFrom": 0.002 } }""");
        await using var configured = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:RulesPath"] = rules });
        await configured.WaitUntilReadyAsync();
        using var client = configured.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.ScoreAsync(Requests.FeaturesBody(5));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!;
        Assert.All(body.Customers, c => Assert.Equal("high", c.RiskBand));
    }

    [Fact]
    public async Task TheSingleCustomerFastPathAgreesWithTheBatchScorer()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var batchResponse = await client.ScoreAsync(Requests.FeaturesBody(20));
        var batch = (await batchResponse.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.Customers;
        for (var i = 0; i < 20; i += 7)
        {
            using var singleResponse = await client.ScoreAsync(Requests.FeaturesBody(1, skip: i));
            var single = Assert.Single((await singleResponse.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.Customers);
            Assert.Equal(batch[i].CustomerId, single.CustomerId);
            Assert.Equal(batch[i].ChurnProbability, single.ChurnProbability, 1e-6);
            Assert.Equal(batch[i].SegmentId, single.SegmentId);
            Assert.Equal(batch[i].ChurnReasons.Select(r => r.Feature), single.ChurnReasons.Select(r => r.Feature));
            Assert.Equal(batch[i].PredictedGrossProfit!.Value, single.PredictedGrossProfit!.Value, 1e-3);
            Assert.Equal(batch[i].PredictedRevenue!.Value, single.PredictedRevenue!.Value, 1e-3);
        }
    }

    [Fact]
    public async Task ScoringFromHistoryEqualsScoringTheFeaturesTheTrainersBuilderComputes()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var customers = Requests.Features.Rows.Where(r => r.PurchaseDays >= 3).Take(5).ToList();
        var asOf = Requests.Features.AsOfDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var history = new JsonObject
        {
            ["asOfDate"] = asOf,
            ["customers"] = new JsonArray(customers.Select(c => (JsonNode)new JsonObject { ["customerId"] = c.CustomerId, ["history"] = Requests.HistoryOf(c.CustomerId) }).ToArray()),
        };
        var features = new JsonObject
        {
            ["asOfDate"] = asOf,
            ["customers"] = new JsonArray(customers.Select(c => (JsonNode)new JsonObject { ["customerId"] = c.CustomerId, ["features"] = Requests.FeaturesOf(c) }).ToArray()),
        };

        using var fromHistory = await client.ScoreAsync(history);
        using var fromFeatures = await client.ScoreAsync(features);

        Assert.Equal(HttpStatusCode.OK, fromHistory.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromFeatures.StatusCode);
        var h = (await fromHistory.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.Customers;
        var f = (await fromFeatures.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.Customers;
        Assert.Equal(f.Select(c => c.CustomerId), h.Select(c => c.CustomerId));
        Assert.Equal(f.Select(c => c.ChurnProbability), h.Select(c => c.ChurnProbability), new Tolerance(1e-9));
        Assert.Equal(f.Select(c => c.SegmentId), h.Select(c => c.SegmentId));
        Assert.All(h, c => Assert.NotNull(c.SegmentId));
        // The dated service events give the trailing cost-to-serve the feature builder computed from the file.
        Assert.Equal(customers.Select(c => c.CostToServeLast365Days), h.Select(c => c.Decision!.CostToServeLast365Days), new Tolerance(1e-6));
        Assert.Equal(f.Select(c => c.Decision!.CostToServeLast365Days), h.Select(c => c.Decision!.CostToServeLast365Days), new Tolerance(1e-3));
    }

    [Fact]
    public async Task ServiceTotalsAtTheAsOfDateAreChargedTheirShareOfTheTenureAsCostToServe()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var customer = Requests.Features.Rows.First(r => r.PurchaseDays >= 3 && r.ServiceCost > 0 && r.TenureDays > 365);
        var body = new JsonObject
        {
            ["asOfDate"] = Requests.Features.AsOfDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["customers"] = new JsonArray(new JsonObject { ["customerId"] = customer.CustomerId, ["history"] = Requests.HistoryWithServiceTotalsOf(customer.CustomerId) }),
        };

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var scored = Assert.Single((await response.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.Customers);
        Assert.Equal(MlCustomer.Core.Tiers.Profit.TrailingCostToServe(customer.ServiceCost, customer.TenureDays), scored.Decision!.CostToServeLast365Days, 1e-6);
    }

    [Fact]
    public async Task ServiceEventsWithTotalsOrAfterTheAsOfDateAreRefusedByField()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var customer = Requests.Features.Rows.First(r => r.PurchaseDays >= 2);
        var both = Requests.HistoryOf(customer.CustomerId);
        both[MlCustomer.Core.Data.CustomerColumns.ServiceCost] = 10;
        var late = Requests.HistoryOf(customer.CustomerId);
        late["service_events"] = new JsonArray(
            new JsonObject { ["event_date"] = "2999-01-01", ["service_cost"] = 5 },
            new JsonObject { ["event_date"] = "2024-01-01", ["satisfaction"] = 9 });
        var body = new JsonObject
        {
            ["asOfDate"] = "2024-12-31",
            ["customers"] = new JsonArray(
                new JsonObject { ["customerId"] = customer.CustomerId, ["history"] = both },
                new JsonObject { ["customerId"] = customer.CustomerId + "-2", ["history"] = late }),
        };

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await Requests.ErrorsAsync(response);
        Assert.Contains("not both", Assert.Single(errors["customers[0].history.service_events"]), StringComparison.Ordinal);
        Assert.Contains("after the as-of date", Assert.Single(errors["customers[1].history.service_events[0].event_date"]), StringComparison.Ordinal);
        Assert.Single(errors["customers[1].history.service_events[1].satisfaction"]);
    }

    [Fact]
    public async Task ABatchWithOneBadCustomerIsRefusedWithTheFieldAndIndexOfEveryProblem()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var body = Requests.FeaturesBody(5);
        var bad = body["customers"]![3]!["features"]!.AsObject();
        bad["recency_days"] = -4;
        bad["return_rate"] = 3.5;
        bad["shoe_size"] = 44;
        body["customers"]![2]!["features"]!["purchase_days"] = 3.5;
        body["customers"]![4]!["customerId"] = body["customers"]![0]!["customerId"]!.GetValue<string>();

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = await Requests.ErrorsAsync(response);
        Assert.Contains("cannot be negative", Assert.Single(errors["customers[3].features.recency_days"]), StringComparison.Ordinal);
        Assert.Contains("between 0 and 1", Assert.Single(errors["customers[3].features.return_rate"]), StringComparison.Ordinal);
        Assert.Contains("is not a feature", Assert.Single(errors["customers[3].features.shoe_size"]), StringComparison.Ordinal);
        Assert.Contains("3.5 must be a whole number", Assert.Single(errors["customers[2].features.purchase_days"]), StringComparison.Ordinal);
        Assert.Contains("customers[0]", Assert.Single(errors["customers[4].customerId"]), StringComparison.Ordinal);
        Assert.Equal(5, errors.Count);
    }

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("1e400")]
    [InlineData("1e13")]
    public async Task NonFiniteOrAbsurdNumbersAreRefusedWithTheirField(string value)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var body = Requests.FeaturesBody(2);
        body["customers"]![1]!["features"]!["revenue_total"] = JsonNode.Parse(value);

        using var response = await client.ScoreRawAsync(body.ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await Requests.ErrorsAsync(response);
        var problem = Assert.Single(errors["customers[1].features.revenue_total"]);
        Assert.Matches("not a finite number|implausibly large", problem);
    }

    [Fact]
    public async Task ANaNLiteralIsNotJsonAndIsRefusedWithItsPath()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var json = Requests.FeaturesBody(1).ToJsonString();
        var start = json.IndexOf("\"recency_days\":", StringComparison.Ordinal) + "\"recency_days\":".Length;
        var end = json.IndexOf(',', start);
        json = json[..start] + "NaN" + json[end..];

        using var response = await client.ScoreRawAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await Requests.ErrorsAsync(response);
        Assert.Contains("customers[0].features.recency_days", errors.Keys);
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValueOutsideTheTrainingRangeIsScoredAndFlagged()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var body = Requests.FeaturesBody(1);
        body["customers"]![0]!["features"]!["recency_days"] = 50_000;
        body["customers"]![0]!["features"]!["days_since_first_purchase"] = 50_000; // recency never exceeds these two
        body["customers"]![0]!["features"]!["tenure_days"] = 50_000;
        body["customers"]![0]!["features"]!["region"] = "Atlantis";

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = Assert.Single((await response.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.Customers);
        Assert.Contains(result.Warnings, w => w.StartsWith("recency_days = 50000 is outside the training range", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("'Atlantis' was not seen in training", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HistoryAfterTheAsOfDateAndUnparsableDatesAreRefused()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var customer = Requests.Features.Rows.First(r => r.PurchaseDays >= 2);
        var history = Requests.HistoryOf(customer.CustomerId);
        history["transactions"]![0]![MlCustomer.Core.Data.TransactionColumns.OrderDate] = "2999-01-01";
        history["transactions"]![1]![MlCustomer.Core.Data.TransactionColumns.OrderDate] = "31/12/2024";
        var body = new JsonObject
        {
            ["asOfDate"] = "2024-12-31",
            ["customers"] = new JsonArray(new JsonObject { ["customerId"] = customer.CustomerId, ["history"] = history }),
        };

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await Requests.ErrorsAsync(response);
        Assert.Contains("after the as-of date", Assert.Single(errors["customers[0].history.transactions[0].order_date"]), StringComparison.Ordinal);
        Assert.Contains("is not a date", Assert.Single(errors["customers[0].history.transactions[1].order_date"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmptyOrTooLargeBatchIsRefused()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var empty = await client.ScoreRawAsync("""{ "customers": [] }""");
        var many = new JsonArray(Enumerable.Range(0, 1_001).Select(i => (JsonNode)new JsonObject { ["customerId"] = $"c{i}", ["features"] = new JsonObject() }).ToArray());
        using var tooMany = await client.ScoreAsync(new JsonObject { ["customers"] = many });

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("customers", (await Requests.ErrorsAsync(empty)).Keys);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    public async Task AnEmptyOrNullBodyIsRefusedSayingWhatTheBodyMustBe(string json)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.ScoreRawAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("the body must be a JSON object with 'customers'", Assert.Single((await Requests.ErrorsAsync(response))["body"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABodyWithTheWrongContentTypeIsA415SayingWhichOneToSend()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.PostAsync(
            new Uri("/api/v1/scores", UriKind.Relative), new StringContent(Requests.FeaturesBody(1).ToJsonString(), System.Text.Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Contains("send Content-Type application/json (it was sent with Content-Type text/plain", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "customers": 5 }""", "customers", "'customers' must be an array")]
    [InlineData("""{ "customers": [ { "customerId": "a", "features": "x" } ] }""", "customers[0].features", "'customers[0].features' must be an object")]
    [InlineData("""{ "customers": [ { "customerId": 7, "features": {} } ] }""", "customers[0].customerId", "'customers[0].customerId' must be a string")]
    [InlineData("""{ "asOfDate": 20240101, "customers": [] }""", "asOfDate", "'asOfDate' must be a date (yyyy-MM-dd)")]
    [InlineData("""[ 1, 2 ]""", "body", "the body must be an object")]
    public async Task WrongJsonTypesAreNamedInJsonsWordsNotDotNets(string json, string key, string problem)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.ScoreRawAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("MlCustomer.", text, StringComparison.Ordinal);
        Assert.StartsWith(problem, Assert.Single((await Requests.ErrorsAsync(response))[key]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFeatureSentAsTextIsRefusedAsNotANumber()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var body = Requests.FeaturesBody(1);
        body["customers"]![0]!["features"]!["recency_days"] = "twelve";

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("must be a number or null", Assert.Single((await Requests.ErrorsAsync(response))["customers[0].features.recency_days"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("C\u00001")]
    [InlineData("C\u001B[31m1")]
    [InlineData("C\u007F1")]
    public async Task AnIdWithAControlCharacterIsRefused(string id)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var body = Requests.FeaturesBody(1);
        body["customers"]![0]!["customerId"] = id;

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("contains the control character U+00", Assert.Single((await Requests.ErrorsAsync(response))["customers[0].customerId"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("purchase_days", 50, "order_count", 0, "every purchase day has at least one order")]
    [InlineData("recency_days", 900, "tenure_days", 30, "tenure counts from the first event")]
    [InlineData("days_since_first_purchase", 900, "tenure_days", 30, "tenure counts from the first event")]
    [InlineData("cost_to_serve_last_365_days", 80, "service_cost", 20, "part of the cost to date")]
    public async Task FeaturesThatContradictEachOtherAreRefusedNamingBoth(string lesser, double lesserValue, string greater, double greaterValue, string why)
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var body = Requests.FeaturesBody(1);
        var features = body["customers"]![0]!["features"]!;
        Assert.True(Requests.InContract(lesser) && Requests.InContract(greater));
        features[lesser] = lesserValue;
        features[greater] = greaterValue;

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await Requests.ErrorsAsync(response))[$"customers[0].features.{lesser}"];
        Assert.Contains(problem, p => p.Contains($"is more than {greater}", StringComparison.Ordinal) && p.Contains(why, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DatesBefore1900AreRefused()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var customer = Requests.Features.Rows.First(r => r.PurchaseDays >= 2);
        var history = Requests.HistoryOf(customer.CustomerId);
        history["transactions"]![0]![MlCustomer.Core.Data.TransactionColumns.OrderDate] = "1850-06-01";
        var body = new JsonObject
        {
            ["asOfDate"] = "2024-12-31",
            ["customers"] = new JsonArray(new JsonObject { ["customerId"] = customer.CustomerId, ["history"] = history }),
        };
        var oldAsOf = Requests.FeaturesBody(1);
        oldAsOf["asOfDate"] = "0001-01-01";

        using var response = await client.ScoreAsync(body);
        using var oldAsOfResponse = await client.ScoreAsync(oldAsOf);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is before 1900-01-01", Assert.Single((await Requests.ErrorsAsync(response))["customers[0].history.transactions[0].order_date"]), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, oldAsOfResponse.StatusCode);
        Assert.Contains("is before 1900-01-01", Assert.Single((await Requests.ErrorsAsync(oldAsOfResponse))["asOfDate"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOrderLineWithPositiveQuantityAndNegativeRevenueIsRefusedAsInAFile()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        var customer = Requests.Features.Rows.First(r => r.PurchaseDays >= 2);
        var history = Requests.HistoryOf(customer.CustomerId);
        history["transactions"]![0]![MlCustomer.Core.Data.TransactionColumns.Quantity] = 2;
        history["transactions"]![0]![MlCustomer.Core.Data.TransactionColumns.Revenue] = -25.5;
        var body = new JsonObject
        {
            ["asOfDate"] = "2024-12-31",
            ["customers"] = new JsonArray(new JsonObject { ["customerId"] = customer.CustomerId, ["history"] = history }),
        };

        using var response = await client.ScoreAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("positive quantity with negative revenue",
            Assert.Single((await Requests.ErrorsAsync(response))["customers[0].history.transactions[0].revenue"]), StringComparison.Ordinal);
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
