using System.ComponentModel.DataAnnotations;
using MlCustomer.Api.Models;
using MlCustomer.Api.Security;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MlCustomer.Api.Observability;

/// <summary>Where the metrics are scraped (<c>MlCustomer:Metrics</c>).</summary>
public sealed class MetricsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "MlCustomer:Metrics";

    /// <summary>
    /// Null (default): <c>/metrics</c> answers on the API's own port to an admin key only (header <c>X-Api-Key</c>).
    /// A port: <c>/metrics</c> answers only on that port, without a key, for a scraper inside the private network; the
    /// server must listen there too (e.g. <c>ASPNETCORE_URLS=http://+:8080;http://+:9464</c>), and the port must not be
    /// published outside.
    /// </summary>
    [Range(1, 65_535)]
    public int? Port { get; set; }
}

/// <summary>OpenTelemetry metrics and traces: the product's (<see cref="ApiTelemetry"/>), ASP.NET Core's, HttpClient's, the runtime's and Npgsql's.</summary>
public static class ObservabilityExtensions
{
    /// <summary>The scraping path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Registers OpenTelemetry with a Prometheus exporter, and an OTLP exporter when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
    /// is configured (its standard variables — <c>OTEL_SERVICE_NAME</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>, … — apply).
    /// </summary>
    public static WebApplicationBuilder AddMlCustomerObservability(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: "mlcustomer-api",
                serviceVersion: typeof(ObservabilityExtensions).Assembly.GetName().Version?.ToString(),
                serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics => metrics
                // Each metric stream reserves room for its series up front (2,000 by default): 500 is far above what
                // the routes, statuses, paths and features here produce, at a quarter of the memory.
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = 500 })
                .AddMeter(ApiTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql")
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(ApiTelemetry.Name)
                // Health probes every few seconds would drown the traces that matter.
                .AddAspNetCoreInstrumentation(options => options.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal)
                    && !context.Request.Path.StartsWithSegments(MetricsPath, StringComparison.Ordinal))
                .AddHttpClientInstrumentation()
                .AddNpgsql());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps <c>/metrics</c> (admin key, or its own port: see <see cref="MetricsOptions.Port"/>) and points the model gauge at the host.</summary>
    public static WebApplication MapMlCustomerMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var host = app.Services.GetRequiredService<ModelHost>();
        ApiTelemetry.Observe(host);
        app.Lifetime.ApplicationStopping.Register(() => ApiTelemetry.Forget(host));
        var port = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MetricsOptions>>().Value.Port;
        var endpoint = app.MapPrometheusScrapingEndpoint(MetricsPath).ExcludeFromDescription();
        if (port is { } metricsPort)
        {
            endpoint.RequireHost($"*:{metricsPort}").AllowAnonymous();
        }
        else
        {
            endpoint.RequireAuthorization(ApiRoles.AdminPolicy);
        }

        return app;
    }
}
