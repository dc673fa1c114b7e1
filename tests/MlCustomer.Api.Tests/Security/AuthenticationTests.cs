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
    [InlineData(null, "No API key", "Send an API key in the X-Api-Key header")]
    [InlineData("not-a-key-but-a-secret-0123", "Unknown API key", "matches no configured key")]
    public async Task A401SaysWhyWithoutEchoingTheKey(string? key, string title, string detail)
    {
        using var client = factory.ClientWith(key);

        using var response = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("ApiKey header=\"X-Api-Key\"", response.Headers.WwwAuthenticate.ToString());
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(title, body.GetProperty("title").GetString());
        Assert.Contains(detail, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoKeysGet401SayingSendExactlyOne()
    {
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiFactory.AdminKey);

        using var response = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("Send exactly one API key", text, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiFactory.ScorerKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiFactory.AdminKey, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/models/reload")]
    [InlineData("/api/v1/scoring-runs")]
    public async Task AScorerKeyGets403OnAdminEndpointsNamingTheRoleNeeded(string path)
    {
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(403, body.GetProperty("status").GetInt32());
        Assert.Equal("The key's role lacks permission", body.GetProperty("title").GetString());
        Assert.Equal($"POST {path} needs role admin; this key's role is 'scorer'.", body.GetProperty("detail").GetString());
        Assert.DoesNotContain(ApiFactory.ScorerKey, text, StringComparison.Ordinal);
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
