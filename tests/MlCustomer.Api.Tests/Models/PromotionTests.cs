using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Models;

public sealed class PromotionTests : IDisposable
{
    private readonly ApiFactory factory = new();

    [Fact]
    public async Task AWorseBundleIsRefusedUnlessForcedAndRollbackRestoresThePreviousOneAllAudited()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        var weak = TestBundle.Instance.CopyWeakTo(Path.Combine(factory.BundlesRoot, "weak"));

        // Same data, split and seed: the same held-out customers, so the cards' held-out metrics compare.
        using var refused = await admin.ReloadAsync("weak");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var check = problem.GetProperty("promotion");
        Assert.True(check.GetProperty("comparable").GetBoolean());
        Assert.True(check.GetProperty("worse").GetBoolean());
        Assert.False(check.GetProperty("forced").GetBoolean());
        var auc = check.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "churn AUC");
        Assert.True(auc.GetProperty("worse").GetBoolean());
        Assert.True(auc.GetProperty("challenger").GetDouble() < auc.GetProperty("active").GetDouble() - 0.005);
        Assert.Contains("force=true", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TestBundle.Instance.Version, await ServingVersionAsync(admin));

        using var forced = await admin.PostAsJsonAsync(new Uri("/api/v1/models/reload", UriKind.Relative), new { path = "weak", force = true });
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        var loaded = await forced.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(weak, loaded.GetProperty("model").GetProperty("version").GetString());
        Assert.True(loaded.GetProperty("promotion").GetProperty("forced").GetBoolean());
        Assert.Equal(weak, await ServingVersionAsync(admin));

        using var rolledBack = await admin.PostAsync(new Uri("/api/v1/models/rollback", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, rolledBack.StatusCode);
        var back = await rolledBack.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(weak, back.GetProperty("fromVersion").GetString());
        Assert.Equal(TestBundle.Instance.Version, back.GetProperty("model").GetProperty("version").GetString());
        Assert.Equal(TestBundle.Instance.Version, await ServingVersionAsync(admin));

        // A better bundle than the one serving goes in without force, with its verdict.
        using var forcedAgain = await admin.PostAsJsonAsync(new Uri("/api/v1/models/reload", UriKind.Relative), new { path = "weak", force = true });
        using var better = await admin.ReloadAsync(ApiFactory.ActiveBundle);
        Assert.Equal(HttpStatusCode.OK, better.StatusCode);
        var betterCheck = (await better.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("promotion");
        Assert.False(betterCheck.GetProperty("worse").GetBoolean());
        Assert.Contains("at least level", betterCheck.GetProperty("verdict").GetString(), StringComparison.Ordinal);

        var audit = (await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models/reloads", UriKind.Relative))).EnumerateArray().ToList();
        Assert.Equal(
            ["succeeded", "forced", "succeeded", "forced", "refused-not-better"],
            audit.Take(5).Select(a => a.GetProperty("outcome").GetString()));
        Assert.StartsWith("rollback to ", audit[2].GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(weak, audit[2].GetProperty("fromVersion").GetString());
        Assert.Contains("is worse than", audit[4].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.All(audit.Take(5), a => Assert.Equal("test-admin", a.GetProperty("requestedBy").GetString()));
    }

    [Fact]
    public async Task RollbackWithNothingBeforeIsAConflict()
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var response = await admin.PostAsync(new Uri("/api/v1/models/rollback", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("nothing to roll back", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TestBundle.Instance.Version, await ServingVersionAsync(admin));
    }

    private static async Task<string?> ServingVersionAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/models", UriKind.Relative))).GetProperty("version").GetString();

    public void Dispose() => factory.Dispose();
}
