using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;

namespace MlCustomer.Api.Tests.Infrastructure;

/// <summary>Request bodies built from the test data, the way a client would build them.</summary>
public static class Requests
{
    /// <summary>Web JSON options (camelCase) for reading responses.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    private static readonly Lazy<FeatureTable> Table = new(() =>
        FeatureBuilder.Build(TestBundle.Instance.Data, TestBundle.Instance.Features with { IncludeLabels = false }));

    private static readonly Lazy<HashSet<string>> ContractNames = new(() =>
        MlCustomer.Core.Bundle.ModelBundle.ReadCard(TestBundle.Instance.BundleFolder).FeatureContract.Features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal));

    /// <summary>True when the test bundle's contract has the feature (constant features are left out by training).</summary>
    public static bool InContract(string name) => ContractNames.Value.Contains(name);

    /// <summary>The test data's feature table at the training as-of date.</summary>
    public static FeatureTable Features => Table.Value;

    /// <summary>A customer's precomputed features as a client sends them: numbers, null for missing, categories as text.</summary>
    public static JsonObject FeaturesOf(CustomerFeatures customer)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var features = new JsonObject();
        foreach (var column in FeatureColumns.Numeric.Where(c => InContract(c.Name)))
        {
            var value = column.Value(customer);
            features[column.Name] = double.IsNaN(value) ? null : JsonValue.Create(value);
        }

        features[FeatureColumns.MainChannel] = customer.MainChannel;
        for (var i = 0; i < Features.AttributeNames.Count; i++)
        {
            features[Features.AttributeNames[i]] = customer.Attributes[i];
        }

        return features;
    }

    /// <summary>Features of the first <paramref name="count"/> customers as a /scores body.</summary>
    public static JsonObject FeaturesBody(int count, int skip = 0) => new()
    {
        ["asOfDate"] = Features.AsOfDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["customers"] = new JsonArray(Features.Rows.Skip(skip).Take(count)
            .Select(c => (JsonNode)new JsonObject { ["customerId"] = c.CustomerId, ["features"] = FeaturesOf(c) }).ToArray()),
    };

    /// <summary>A customer's raw history up to the as-of date, as a client sends it.</summary>
    public static JsonObject HistoryOf(string customerId)
    {
        var data = TestBundle.Instance.Data;
        var asOf = TestBundle.Instance.Features.AsOfDate;
        var customer = data.Customers!.Single(c => c.CustomerId == customerId);
        var attributes = new JsonObject();
        for (var i = 0; i < data.AttributeNames.Count; i++)
        {
            attributes[data.AttributeNames[i]] = customer.Attributes[i];
        }

        var transactions = data.Transactions
            .Where(t => t.CustomerId == customerId && t.OrderDate <= asOf)
            .Select(t => (JsonNode)new JsonObject
            {
                [TransactionColumns.OrderId] = t.OrderId,
                [TransactionColumns.OrderDate] = t.OrderDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                [TransactionColumns.Category] = t.Category,
                [TransactionColumns.Quantity] = t.Quantity,
                [TransactionColumns.Revenue] = t.Revenue,
                [TransactionColumns.Cost] = t.Cost,
                [TransactionColumns.Discount] = t.Discount,
                [TransactionColumns.Channel] = t.Channel,
            })
            .ToArray();
        // The dated service history up to the as-of date, as the service events file holds it (the customers file's
        // totals were taken at the end of the data, after the as-of date).
        var serviceEvents = data.ServiceEvents!
            .Where(e => e.CustomerId == customerId && e.EventDate <= asOf)
            .Select(e => (JsonNode)new JsonObject
            {
                [ServiceEventColumns.EventDate] = e.EventDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                [ServiceEventColumns.SupportTickets] = e.SupportTickets,
                [ServiceEventColumns.Complaints] = e.Complaints,
                [ServiceEventColumns.ServiceCost] = e.ServiceCost,
                [ServiceEventColumns.Satisfaction] = e.Satisfaction,
            })
            .ToArray();
        return new JsonObject
        {
            ["transactions"] = new JsonArray(transactions),
            ["attributes"] = attributes,
            ["service_events"] = new JsonArray(serviceEvents),
            [CustomerColumns.SignupDate] = customer.SignupDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// A customer's raw history with the service history as totals at the as-of date (the sums of the events up to it)
    /// instead of the dated events.
    /// </summary>
    public static JsonObject HistoryWithServiceTotalsOf(string customerId)
    {
        var features = Features.Rows.Single(r => r.CustomerId == customerId);
        var history = HistoryOf(customerId);
        history.Remove("service_events");
        history[CustomerColumns.SupportTickets] = Number(features.SupportTickets);
        history[CustomerColumns.Complaints] = Number(features.Complaints);
        history[CustomerColumns.ServiceCost] = Number(features.ServiceCost);
        history[CustomerColumns.Satisfaction] = Number(features.Satisfaction);
        return history;

        static JsonNode? Number(double value) => double.IsNaN(value) ? null : JsonValue.Create(value);
    }

    /// <summary>Posts a JSON body to /api/v1/scores.</summary>
    public static Task<HttpResponseMessage> ScoreAsync(this HttpClient client, JsonNode body) =>
        client.PostAsJsonAsync(new Uri("/api/v1/scores", UriKind.Relative), body);

    /// <summary>Reloads the bundle folder <paramref name="name"/> (the client must be admin).</summary>
    public static Task<HttpResponseMessage> ReloadAsync(this HttpClient admin, string? name) =>
        admin.PostAsJsonAsync(new Uri("/api/v1/models/reload", UriKind.Relative), new { path = name });

    /// <summary>Posts raw JSON text to /api/v1/scores.</summary>
    public static Task<HttpResponseMessage> ScoreRawAsync(this HttpClient client, string json) =>
        client.PostAsync(new Uri("/api/v1/scores", UriKind.Relative), new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    /// <summary>The validation errors of a 400 body.</summary>
    public static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("errors").Deserialize<Dictionary<string, string[]>>(Json)!;
    }

    /// <summary>Where the repository root is (the folder with MlCustomer.sln).</summary>
    public static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "MlCustomer.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("MlCustomer.sln not found above the test binaries.");
    }

    /// <summary>Starts a scoring run at <paramref name="asOf"/> as an admin and waits until it succeeded (asserted); returns the run.</summary>
    public static async Task<JsonElement> RunSucceededAsync(this ApiFactory api, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(api);
        await api.WaitUntilReadyAsync();
        using var admin = api.ClientWith(ApiFactory.AdminKey);
        using var started = await admin.PostAsJsonAsync(
            new Uri("/api/v1/scoring-runs", UriKind.Relative), new { asOfDate = asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, started.StatusCode);
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        return run;
    }

    /// <summary>Polls a scoring run's status (<paramref name="location"/> from the 202) until it succeeded or failed.</summary>
    public static async Task<JsonElement> WaitForRunAsync(this HttpClient client, Uri location)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var run = await client.GetFromJsonAsync<JsonElement>(location);
            if (run.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                return run;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The scoring run did not finish in 30 s.");
    }
}

/// <summary>The parts of a /scores response the tests read.</summary>
public sealed record ScoreResponseBody(string ModelVersion, DateOnly AsOfDate, int? ChurnHorizonDays, string Units, List<CustomerResultBody> Customers);

/// <summary>One customer's result.</summary>
public sealed record CustomerResultBody(
    string CustomerId, double ChurnProbability, string RiskBand, int? SegmentId, string? SegmentName, double? PredictedGrossProfit,
    List<ReasonBody> ChurnReasons, List<string> Warnings, DecisionBody? Decision, double? PredictedRevenue = null);

/// <summary>The rule decision of one customer.</summary>
public sealed record DecisionBody(
    string Tier, string PredictedTier, bool LossMaking, bool FalseBigCustomer, string LifecycleStage, double ValueAtRisk,
    string RecommendedAction, string ActionDescription, double OfferCost, List<string> Reasons,
    double ProfitLast365Days, double CostToServeLast365Days, double PredictedProfit, double ExpectedCostToServe);

/// <summary>One reason.</summary>
public sealed record ReasonBody(string Feature, double Contribution);
