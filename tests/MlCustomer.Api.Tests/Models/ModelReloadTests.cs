using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MlCustomer.Api.Models;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Models;

// The memory test reads the process's whole managed heap: other test classes allocating beside it made it fail (91–183 MB
// of their allocations counted as growth), so this class runs alone.
[Collection(ProcessMemoryMeasurements.Name)]
public sealed class ModelReloadTests : IDisposable
{
    private readonly ApiFactory factory = new();

    [Fact]
    public async Task GettingTheModelDescribesTheActiveBundleAndItsContract()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        var model = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models", UriKind.Relative));

        Assert.Equal(TestBundle.Instance.Version, model.GetProperty("version").GetString());
        Assert.Equal(ApiFactory.ActiveBundle, model.GetProperty("source").GetString());
        Assert.Equal(180, model.GetProperty("churnHorizonDays").GetInt32());
        Assert.Equal("EUR", model.GetProperty("currency").GetString());
        // A transactional bundle gives segments and profit tiers: nothing is listed as not available.
        Assert.True(!model.TryGetProperty("notAvailable", out var notAvailable) || notAvailable.ValueKind == JsonValueKind.Null, model.ToString());
        Assert.InRange(model.GetProperty("churn").GetProperty("auc").GetDouble(), 0.5, 1);
        Assert.Matches("^[ABC]$", model.GetProperty("churn").GetProperty("grade").GetString());
        // The offer figure says which customers it was measured on: held-out ones, with their observed churn.
        Assert.Contains("held-out customers have a paid offer", model.GetProperty("churn").GetProperty("offerThresholdDescription").GetString(), StringComparison.Ordinal);
        Assert.Contains("observed churn", model.GetProperty("churn").GetProperty("offerThresholdDescription").GetString(), StringComparison.Ordinal);
        var recency = model.GetProperty("featureContract").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "recency_days");
        Assert.Equal("numeric", recency.GetProperty("kind").GetString());
        Assert.True(recency.GetProperty("max").GetDouble() > 0);
    }

    [Fact]
    public async Task ReloadingSwapsInTheNamedBundleAndAuditsIt()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        var next = factory.AddBundle("next", variant: 1);

        using var response = await admin.ReloadAsync("next");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(TestBundle.Instance.Version, body.GetProperty("fromVersion").GetString());
        Assert.Equal(next, body.GetProperty("model").GetProperty("version").GetString());
        var audit = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models/reloads", UriKind.Relative));
        var latest = audit.EnumerateArray().First();
        Assert.Equal("test-admin", latest.GetProperty("requestedBy").GetString());
        Assert.Equal("succeeded", latest.GetProperty("outcome").GetString());
        Assert.Equal(next, latest.GetProperty("toVersion").GetString());
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("requestedBy").GetString() == "startup");
    }

    [Fact]
    public async Task ABrokenBundleIsRefusedAndTheOldOneKeepsServing()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        factory.AddBrokenBundle("broken");

        using var refused = await admin.ReloadAsync("broken");
        using var scored = await admin.ScoreAsync(Requests.FeaturesBody(1));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("churn.zip", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(factory.BundlesRoot, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, scored.StatusCode);
        Assert.Equal(TestBundle.Instance.Version, (await scored.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.ModelVersion);
        var audit = await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models/reloads", UriKind.Relative));
        Assert.Equal("refused", audit.EnumerateArray().First().GetProperty("outcome").GetString());
    }

    [Theory]
    [InlineData("../active")]
    [InlineData("/etc")]
    [InlineData("no-such-bundle")]
    public async Task APathThatIsNotABundleFolderNameIsRefused(string path)
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var response = await admin.ReloadAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("path", (await Requests.ErrorsAsync(response)).Keys);
    }

    [Fact]
    public async Task ReloadsDuringABurstOfRequestsFailNoneAndEachResponseComesFromOneModel()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var scorer = factory.ClientWith(ApiFactory.ScorerKey);
        var blue = factory.AddBundle("blue", variant: 1);
        var green = factory.AddBundle("green", variant: 2);
        using var expectedResponse = await scorer.ScoreAsync(Requests.FeaturesBody(10));
        var expected = (await expectedResponse.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.Customers;

        var burst = Enumerable.Range(0, 120).Select(async i =>
        {
            using var response = await scorer.ScoreAsync(Requests.FeaturesBody(i % 2 == 0 ? 1 : 10));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!;
        }).ToList();
        foreach (var name in new[] { "blue", "green", "blue", ApiFactory.ActiveBundle })
        {
            using var reload = await admin.ReloadAsync(name);
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        var responses = await Task.WhenAll(burst);
        Assert.All(responses, r => Assert.Contains(r.ModelVersion, new[] { TestBundle.Instance.Version, blue, green }));
        // The bundles share their models (only a rule differs), so a response mixing engines would still agree; what must hold is
        // that every answer is complete and equals what its model gives.
        Assert.All(responses, r => Assert.All(r.Customers, (c, i) => Assert.Equal(expected[i].ChurnProbability, c.ChurnProbability, 1e-9)));
    }

    [Fact]
    public async Task RetiredGenerationsAreReleasedSoMemoryDoesNotGrowOverReloads()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        var host = factory.Services.GetRequiredService<ModelHost>();
        var first = Track(host);
        factory.AddBundle("again");

        for (var i = 0; i < 6; i++)
        {
            using var reload = await admin.ReloadAsync(i % 2 == 0 ? "again" : ApiFactory.ActiveBundle);
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        }

        var before = Measure();
        for (var i = 0; i < 6; i++)
        {
            using var reload = await admin.ReloadAsync(i % 2 == 0 ? "again" : ApiFactory.ActiveBundle);
        }

        Assert.False(first.IsAlive, "the first generation is still referenced after six reloads");
        Assert.InRange(Measure() - before, long.MinValue, 64L * 1024 * 1024);
    }

    public void Dispose() => factory.Dispose();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference Track(ModelHost host) => new(host.Current);

    private static long Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>Tests that measure the process's managed heap run by themselves, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryMeasurements
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Process memory measurements";
}
