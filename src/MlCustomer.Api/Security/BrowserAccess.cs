using Microsoft.Extensions.Options;

namespace MlCustomer.Api.Security;

/// <summary>CORS for the configured origins only, HTTPS redirection and HSTS when the service serves HTTPS.</summary>
public static class BrowserAccess
{
    /// <summary>The headers a browser page may read from an answer besides the simple ones.</summary>
    public static readonly string[] ExposedHeaders = ["Location", "Retry-After", "WWW-Authenticate", "X-Model-Version"];

    /// <summary>Registers the CORS policy (used only when origins are configured).</summary>
    public static IServiceCollection AddBrowserAccess(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<BrowserAccessOptions>>((cors, access) =>
            cors.AddDefaultPolicy(policy => policy
                .WithOrigins([.. access.Value.CorsAllowedOrigins.Select(o => o.TrimEnd('/'))])
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                .WithHeaders(ApiKeyOptions.HeaderName, "Content-Type", "Accept")
                .WithExposedHeaders(ExposedHeaders)));
        return services;
    }

    /// <summary>HTTPS redirection and HSTS (see <see cref="BrowserAccessOptions.HttpsRedirection"/>), then CORS when configured.</summary>
    public static WebApplication UseBrowserAccess(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var access = app.Services.GetRequiredService<IOptions<BrowserAccessOptions>>().Value;
        if (access.HttpsRedirection ?? (!app.Environment.IsDevelopment() && ServesHttps(app.Configuration)))
        {
            app.UseHttpsRedirection();
        }

        if (!app.Environment.IsDevelopment())
        {
            // Only sent on HTTPS requests; plain HTTP behind a TLS-terminating proxy is unaffected.
            app.UseHsts();
        }

        if (access.CorsAllowedOrigins.Count > 0)
        {
            app.UseCors();
        }

        return app;
    }

    // What Kestrel would listen on with HTTPS, read from the settings it reads (URLs, ports, endpoints).
    private static bool ServesHttps(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["HTTPS_PORTS"]) || !string.IsNullOrEmpty(configuration["https_port"])
        || (configuration["urls"] ?? "").Contains("https://", StringComparison.OrdinalIgnoreCase)
        || configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Any(e => (e["Url"] ?? "").StartsWith("https://", StringComparison.OrdinalIgnoreCase));
}
