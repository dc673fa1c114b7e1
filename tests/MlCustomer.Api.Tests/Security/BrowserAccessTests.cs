using System.Net;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Security;

/// <summary>CORS only for configured origins; HTTPS redirection and HSTS only where the service serves HTTPS.</summary>
public sealed class BrowserAccessTests
{
    private const string Crm = "https://crm.example.com";

    [Fact]
    public async Task WithoutConfiguredOriginsNoBrowserPageMayReadAnAnswer()
    {
        using var app = ApiFactory.With();
        using var client = app.ClientWith(ApiFactory.ScorerKey);

        using var get = await client.SendAsync(FromPage(HttpMethod.Get, Crm));
        using var preflight = await client.SendAsync(Preflight(Crm));

        Assert.False(get.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AConfiguredOriginMayCallWithItsKeyAndReadTheLimitHeadersOthersMayNot()
    {
        using var app = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:CorsAllowedOrigins:0"] = Crm });
        using var client = app.ClientWith(ApiFactory.ScorerKey);

        using var preflight = await client.SendAsync(Preflight(Crm));
        using var get = await client.SendAsync(FromPage(HttpMethod.Get, Crm));
        using var other = await client.SendAsync(FromPage(HttpMethod.Get, "https://evil.example.net"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(Crm, Assert.Single(preflight.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("x-api-key", string.Join(",", preflight.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Crm, Assert.Single(get.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("Retry-After", string.Join(",", get.Headers.GetValues("Access-Control-Expose-Headers")), StringComparison.Ordinal);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("*", "is a wildcard")]
    [InlineData("crm.example.com", "is not an http(s) origin")]
    [InlineData("https://crm.example.com/app", "has a path, query or user part")]
    public void AnOriginThatCannotWorkStopsTheStartNamingIt(string origin, string problem)
    {
        using var app = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:CorsAllowedOrigins:0"] = origin });

        var refused = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains($"CorsAllowedOrigins[0]: '{origin}' {problem}", refused.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production", "8443", HttpStatusCode.TemporaryRedirect)]
    [InlineData("Production", null, HttpStatusCode.OK)]
    [InlineData("Development", "8443", HttpStatusCode.OK)]
    public async Task PlainHttpIsRedirectedOnlyWhereTheServiceServesHttps(string environment, string? httpsPort, HttpStatusCode expected)
    {
        using var app = ApiFactory.With(new Dictionary<string, string?> { ["https_port"] = httpsPort }, environment: environment);
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.TemporaryRedirect)
        {
            Assert.Equal(new Uri("https://localhost:8443/health/live"), response.Headers.Location);
        }
    }

    [Theory]
    [InlineData("Production", true)]
    [InlineData("Development", false)]
    public async Task HttpsAnswersCarryHstsOutsideDevelopment(string environment, bool expected)
    {
        using var app = ApiFactory.With(environment: environment);
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            // HSTS is never sent to localhost (a developer's other sites would be pinned to HTTPS).
            BaseAddress = new Uri("https://api.example.com"),
        });

        using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(expected, response.Headers.Contains("Strict-Transport-Security"));
    }

    private static HttpRequestMessage FromPage(HttpMethod method, string origin)
    {
        var request = new HttpRequestMessage(method, new Uri("/api/v1/models", UriKind.Relative));
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = FromPage(HttpMethod.Options, origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "x-api-key,content-type");
        return request;
    }
}
