using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MlCustomer.Api.Models;

/// <summary>Ready once a bundle is loaded and warmed up; otherwise says why not (still loading, missing, refused).</summary>
internal sealed class ModelsReadyHealthCheck(ModelHost host) : IHealthCheck
{
    /// <summary>Writes the status and, when not healthy, the reasons, so an operator sees why without reading logs.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "text/plain; charset=utf-8";
        // On a cluster, the served bundle against the cluster's is said even when all is well.
        var reasons = report.Entries
            .Where(e => e.Value.Status != HealthStatus.Healthy || (e.Key == Cluster.ClusterModelHealthCheck.Name && e.Value.Description is not null))
            .Select(e => e.Value.Description)
            .ToList();
        return context.Response.WriteAsync(reasons.Count == 0 ? report.Status.ToString() : $"{report.Status}: {string.Join("; ", reasons)}");
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.Current is { } generation
            ? HealthCheckResult.Healthy($"bundle {generation.Version}")
            : HealthCheckResult.Unhealthy(host.LastError ?? "the start bundle is still loading"));
}
