using Microsoft.Extensions.Diagnostics.HealthChecks;
using MlCustomer.Api.Models;

namespace MlCustomer.Api.Cluster;

/// <summary>
/// Part of readiness on a cluster: the bundle the cluster serves against the one this replica serves. A replica that cannot
/// load the cluster's bundle, or cannot read the coordination database, keeps serving what it has and says so (Degraded,
/// still HTTP 200, so a load balancer keeps it while an operator looks); a replica between the two is Healthy and says it is switching.
/// </summary>
internal sealed class ClusterModelHealthCheck(ModelHost host, ClusterModelActivation activation) : IHealthCheck
{
    /// <summary>The check's name in the health report.</summary>
    public const string Name = "cluster-model";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!activation.Enabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy());
        }

        var serving = host.Current?.Version;
        var servingText = serving ?? "no bundle";
        var desired = activation.Desired;
        var result = activation switch
        {
            { DatabaseProblem: { } problem } => HealthCheckResult.Degraded(
                $"the cluster database cannot be read ({problem}); serving {servingText}, the cluster's bundle was {desired?.Version ?? "not yet known"}"),
            { Failure: { } failure } when desired is not null && failure.Bundle.Activation == desired.Activation && serving != desired.Version =>
                HealthCheckResult.Degraded($"the cluster's bundle {desired.Version} cannot be loaded here, still serving {servingText}: {failure.Reason}"),
            _ when desired is null => HealthCheckResult.Healthy($"serving {servingText}; no reload recorded for the cluster yet, every replica serves its start bundle"),
            _ when serving == desired.Version => HealthCheckResult.Healthy($"serving {servingText}, the cluster's bundle"),
            _ => HealthCheckResult.Healthy($"serving {servingText}, switching to the cluster's bundle {desired.Version}"),
        };
        return Task.FromResult(result);
    }
}
