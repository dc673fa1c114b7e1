using System.Net;
using System.Net.Http.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Health;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task WithoutABundleTheApiIsLiveButNotReadyAndScoringSays503()
    {
        using var factory = ApiFactory.With(withBundle: false);
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var score = await client.ScoreAsync(Requests.FeaturesBody(1));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, score.StatusCode);
        Assert.Equal("application/problem+json", score.Content.Headers.ContentType?.MediaType);
        // Every 503 says when to retry, as the OpenAPI document declares.
        Assert.Equal(TimeSpan.FromSeconds(5), score.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task AMissingStartBundleIsReportedAsMissingNotAsStillLoading()
    {
        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:BundlePath"] = "/nonexistent/mlcustomer-bundle" });
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        var detail = await Models.HostileBundleTests.NotReadyDetailAsync(client);
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Contains("/nonexistent/mlcustomer-bundle (MlCustomer:BundlePath) is missing", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.StartsWith("Unhealthy: The start bundle folder /nonexistent/mlcustomer-bundle", body, StringComparison.Ordinal);
        Assert.DoesNotContain("loading", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task TheApiBecomesReadyOnceABundleIsLoadedAndWarmedUp()
    {
        using var factory = ApiFactory.With(withBundle: false);
        using var admin = factory.ClientWith(ApiFactory.AdminKey);
        using var notReady = await admin.GetAsync(new Uri("/health/ready", UriKind.Relative));
        factory.AddBundle("first");

        using var reload = await admin.ReloadAsync("first");
        using var ready = await admin.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SwaggerDescribesTheApiKeySchemeAndTheScoresExamples()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri("/swagger/v1/swagger.json", UriKind.Relative));

        Assert.Equal("X-Api-Key", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString());
        var scores = document.GetProperty("paths").GetProperty("/api/v1/scores").GetProperty("post");
        Assert.True(scores.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _));
        Assert.True(scores.GetProperty("responses").TryGetProperty("400", out _));
    }
}
