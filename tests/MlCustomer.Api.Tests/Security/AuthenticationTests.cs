using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Security;

public sealed class AuthenticationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string DevelopmentAdminKey = "mlc-dev-admin-0000-do-not-use-in-production";

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    public async Task RequestsWithoutAKnownKeyGet401ProblemDetails(string? key)
    {
        using var client = factory.ClientWith(key);

        using var response = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("/api/v1/models/reload")]
    [InlineData("/api/v1/scoring-runs")]
    public async Task AScorerKeyGets403OnAdminEndpoints(string path)
    {
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnAdminKeyMayAlsoScore()
    {
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.AdminKey);

        using var response = await client.ScoreAsync(Requests.FeaturesBody(1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("Development", HttpStatusCode.OK)]
    [InlineData("Production", HttpStatusCode.Unauthorized)]
    public async Task TheDocumentedDevelopmentKeyWorksOnlyInDevelopment(string environment, HttpStatusCode expected)
    {
        using var app = ApiFactory.With(environment: environment);
        await app.WaitUntilReadyAsync();
        using var client = app.ClientWith(DevelopmentAdminKey);

        using var response = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));

        Assert.Equal(expected, response.StatusCode);
    }
}
