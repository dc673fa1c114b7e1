using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MlCustomer.Api.Models;

/// <summary>Ready once a bundle is loaded and warmed up.</summary>
internal sealed class ModelsReadyHealthCheck(ModelHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.Current is { } generation
            ? HealthCheckResult.Healthy($"bundle {generation.Version}")
            : HealthCheckResult.Unhealthy(host.LastError ?? "no model bundle loaded yet"));
}
