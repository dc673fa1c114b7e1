using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Bundle;

namespace MlCustomer.Api.Tests.Models;

/// <summary>Real symbolic links under the bundles root: followed only while they stay inside it.</summary>
public sealed class SymbolicLinkTests : IDisposable
{
    private readonly ApiFactory factory = new();

    private string Outside => Path.Combine(factory.Root, "outside");

    [Fact]
    public async Task ABundleFolderLinkedToAFolderOutsideTheRootIsRefused()
    {
        TestBundle.Instance.CopyTo(Outside);
        Directory.CreateSymbolicLink(Path.Combine(factory.BundlesRoot, "escape"), Outside);

        using var response = await ReloadAsync("escape");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("symbolic link to a folder outside the bundles root", (await Requests.ErrorsAsync(response))["path"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AModelFileLinkedToAFileOutsideTheRootIsRefusedNamingIt()
    {
        TestBundle.Instance.CopyTo(Outside);
        factory.AddBundle("linked-zip");
        var churn = Path.Combine(factory.BundlesRoot, "linked-zip", ModelBundle.ChurnFile);
        File.Delete(churn);
        File.CreateSymbolicLink(churn, Path.Combine(Outside, ModelBundle.ChurnFile));

        using var response = await ReloadAsync("linked-zip");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("churn.zip in linked-zip is a symbolic link to a file outside the bundles root", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.Root, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALinkThatStaysInsideTheRootLoads()
    {
        Directory.CreateSymbolicLink(Path.Combine(factory.BundlesRoot, "alias"), Path.Combine(factory.BundlesRoot, ApiFactory.ActiveBundle));

        using var response = await ReloadAsync("alias");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => factory.Dispose();

    private async Task<HttpResponseMessage> ReloadAsync(string name)
    {
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        return await admin.ReloadAsync(name);
    }
}
