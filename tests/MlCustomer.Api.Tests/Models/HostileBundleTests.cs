using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Bundle;

namespace MlCustomer.Api.Tests.Models;

/// <summary>Bundles whose files do not belong together are refused at reload and at start, naming the file.</summary>
public sealed class HostileBundleTests : IDisposable
{
    private readonly ApiFactory factory = new();

    [Fact]
    public async Task ACardWithTwoFeaturesSwappedIsRefusedNamingTheModelFile()
    {
        var folder = Path.Combine(factory.BundlesRoot, "swapped");
        factory.AddBundle("swapped");
        SwapFirstTwoFeatures(folder);

        var detail = await RefusedDetailAsync("swapped");

        Assert.Contains("churn.zip", detail, StringComparison.Ordinal);
        Assert.Contains("another order", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACardCopiedFromAnotherBundleIsRefusedNamingTheCard()
    {
        factory.AddBundle("other", variant: 1);
        factory.AddBundle("copied");
        File.Copy(Path.Combine(factory.BundlesRoot, "other", ModelBundle.CardFile), Path.Combine(factory.BundlesRoot, "copied", ModelBundle.CardFile), overwrite: true);

        var detail = await RefusedDetailAsync("copied");

        Assert.Contains($"{ModelBundle.CardFile} in copied states version", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AModelZipEditedAfterTrainingIsRefused()
    {
        factory.AddBundle("edited");
        // An entry ML.NET does not read: the model still loads, only the version can tell.
        using (var archive = ZipFile.Open(Path.Combine(factory.BundlesRoot, "edited", ModelBundle.ChurnFile), ZipArchiveMode.Update))
        using (var writer = new StreamWriter(archive.CreateEntry("extra.txt").Open()))
        {
            writer.Write("changed after training");
        }

        var detail = await RefusedDetailAsync("edited");

        Assert.Contains($"churn.zip in edited is not the model {ModelBundle.CardFile} was written with", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AModelZipFromAnotherBundleIsRefusedNamingIt()
    {
        factory.AddBundle("mixed");
        // Another model under the same name: the revenue model saved as the profit model.
        File.Copy(Path.Combine(factory.BundlesRoot, "mixed", ModelBundle.RevenueFile), Path.Combine(factory.BundlesRoot, "mixed", ModelBundle.ValueFile), overwrite: true);

        var detail = await RefusedDetailAsync("mixed");

        Assert.Contains($"{ModelBundle.ValueFile} in mixed", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACardWithoutModelDigestsStillHasItsVersionChecked()
    {
        factory.AddBundle("old-card");
        var folder = Path.Combine(factory.BundlesRoot, "old-card");
        var path = Path.Combine(folder, ModelBundle.CardFile);
        var card = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        card.Remove("modelHashes");
        File.WriteAllText(path, card.ToJsonString());
        using (var archive = ZipFile.Open(Path.Combine(folder, ModelBundle.ChurnFile), ZipArchiveMode.Update))
        using (var writer = new StreamWriter(archive.CreateEntry("extra.txt").Open()))
        {
            writer.Write("changed after training");
        }

        var detail = await RefusedDetailAsync("old-card");

        Assert.Contains($"{ModelBundle.CardFile} in old-card states version {TestBundle.Instance.Version}", detail, StringComparison.Ordinal);
        Assert.Contains("churn.zip", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStartBundleWithASwappedCardLeavesTheApiNotReadyWithTheReason()
    {
        using var app = ApiFactory.With(withBundle: true);
        SwapFirstTwoFeatures(Path.Combine(app.BundlesRoot, ApiFactory.ActiveBundle));
        using var client = app.ClientWith(ApiFactory.ScorerKey);

        var detail = await NotReadyDetailAsync(client);

        Assert.Contains("churn.zip", detail, StringComparison.Ordinal);
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    public void Dispose() => factory.Dispose();

    /// <summary>Waits for the start load to end (it fails) and returns the 503's detail.</summary>
    internal static async Task<string> NotReadyDetailAsync(HttpClient client)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            using var response = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
            if (!detail.Contains("still loading", StringComparison.Ordinal))
            {
                return detail;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The start load did not end in 15 s.");
    }

    [Theory]
    [InlineData("[]", "the card has the wrong JSON type at line 1")]
    [InlineData("", "the file is empty")]
    [InlineData("{\"format\": \"one\"}", "format has the wrong JSON type at line 1")]
    public async Task ACardThatIsNotACardIsRefusedInJsonsWordsNotDotNets(string text, string expected)
    {
        factory.AddBundle("notacard");
        File.WriteAllText(Path.Combine(factory.BundlesRoot, "notacard", ModelBundle.CardFile), text);

        var detail = await RefusedDetailAsync("notacard");

        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("MlCustomer.Core", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("isFinalBlock", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACardFarLargerThanTrainingWritesIsNotReadIntoMemory()
    {
        factory.AddBundle("hugecard");
        using (var card = File.Create(Path.Combine(factory.BundlesRoot, "hugecard", ModelBundle.CardFile)))
        {
            card.SetLength(ModelBundle.MaxCardBytes + 1); // sparse: costs no disk, and reading it would cost 128 MB of text
        }

        var detail = await RefusedDetailAsync("hugecard");

        Assert.Contains($"is {ModelBundle.MaxCardBytes + 1:N0} bytes; a model card is at most {ModelBundle.MaxCardBytes:N0}", detail, StringComparison.Ordinal);
    }

    private static void SwapFirstTwoFeatures(string folder)
    {
        var path = Path.Combine(folder, ModelBundle.CardFile);
        var card = JsonNode.Parse(File.ReadAllText(path))!;
        var features = card["featureContract"]!["features"]!.AsArray();
        var first = features[0]!.DeepClone();
        features[0] = features[1]!.DeepClone();
        features[1] = first;
        File.WriteAllText(path, card.ToJsonString());
    }

    private async Task<string> RefusedDetailAsync(string name)
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var response = await admin.ReloadAsync(name);
        using var scored = await admin.ScoreAsync(Requests.FeaturesBody(1));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(TestBundle.Instance.Version, (await scored.Content.ReadFromJsonAsync<ScoreResponseBody>(Requests.Json))!.ModelVersion);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.DoesNotContain(factory.BundlesRoot, detail, StringComparison.Ordinal);
        return detail;
    }
}
