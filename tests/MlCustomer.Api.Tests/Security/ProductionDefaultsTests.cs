using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Security;

/// <summary>What Production does without being told: refuse to run keyless, publish no Swagger, send safe headers.</summary>
public sealed class ProductionDefaultsTests
{
    private const string NoKeysMessage = "No API keys are configured (MlCustomer:ApiKeys) in the Production environment";

    [Fact]
    public void ProductionWithoutApiKeysRefusesToStartSayingWhatToConfigure()
    {
        using var app = ApiFactory.With(environment: "Production", withKeys: false);

        var refused = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains(NoKeysMessage, refused.ToString(), StringComparison.Ordinal);
        Assert.Contains("MlCustomer:AllowNoApiKeys", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheServiceProcessExitsWithAnErrorInProductionWithoutApiKeys()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MlCustomer.Api.dll");
        var workingDirectory = Directory.CreateTempSubdirectory("mlcustomer-production-").FullName;
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["MlCustomer__DatabasePath"] = Path.Combine(workingDirectory, "api.db");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(NoKeysMessage, await output + await error, StringComparison.Ordinal);
        Directory.Delete(workingDirectory, recursive: true);
    }

    [Fact]
    public async Task AnExplicitOptionLetsProductionStartWithoutKeysAndEveryCallIsRefused()
    {
        using var app = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:AllowNoApiKeys"] = "true" }, environment: "Production", withKeys: false);
        using var client = app.ClientWith(ApiFactory.AdminKey);

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var models = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
    }

    [Theory]
    [InlineData("Production", null, HttpStatusCode.NotFound)]
    [InlineData("Production", "true", HttpStatusCode.OK)]
    [InlineData("Testing", null, HttpStatusCode.OK)]
    [InlineData("Testing", "false", HttpStatusCode.NotFound)]
    public async Task SwaggerIsOffInProductionUnlessEnabled(string environment, string? setting, HttpStatusCode expected)
    {
        using var app = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:Swagger"] = setting }, environment: environment);
        using var client = app.CreateClient();

        using var ui = await client.GetAsync(new Uri("/swagger/index.html", UriKind.Relative));
        using var document = await client.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));

        Assert.Equal(expected, ui.StatusCode);
        Assert.Equal(expected, document.StatusCode);
    }

    [Theory]
    [InlineData("/health/live", null)]
    [InlineData("/api/v1/models", null)]
    [InlineData("/api/v1/models", ApiFactory.ScorerKey)]
    [InlineData("/swagger/index.html", null)]
    public async Task EveryResponseCarriesTheSecurityHeaders(string path, string? key)
    {
        using var app = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:Swagger"] = "true" }, environment: "Production");
        await app.WaitUntilReadyAsync();
        using var client = app.ClientWith(key);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Theory]
    [InlineData("api/v1/retention/targets")]
    [InlineData("api/v1/tiers/summary")]
    public void TheStoredRunSummariesHaveARequestTimeout(string route)
    {
        using var app = new ApiFactory();
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

        var endpoint = Assert.Single(endpoints, e => e.RoutePattern.RawText?.Trim('/') == route);

        Assert.Equal(ApiLimits.JsonTimeoutPolicy, endpoint.Metadata.GetMetadata<RequestTimeoutAttribute>()?.PolicyName);
    }

    [Fact]
    public async Task ATimedOutRequestIsA504ProblemNamingTheLimit()
    {
        using var app = new ApiFactory();
        var policy = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RequestTimeoutOptions>>().Value.Policies[ApiLimits.JsonTimeoutPolicy];
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = app.Services };
        context.Response.Body = new MemoryStream();
        context.Response.StatusCode = policy.TimeoutStatusCode!.Value;

        await policy.WriteTimeoutResponse!(context);

        context.Response.Body.Position = 0;
        using var problem = await System.Text.Json.JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal(504, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.6.5", problem.RootElement.GetProperty("type").GetString());
        Assert.Contains("stopped after 30 s (MlCustomer:Limits:RequestTimeoutSeconds)", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
