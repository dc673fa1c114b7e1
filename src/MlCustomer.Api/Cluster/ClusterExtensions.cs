using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace MlCustomer.Api.Cluster;

/// <summary>Registration of the cluster coordination (<c>MlCustomer:Cluster</c>).</summary>
public static class ClusterExtensions
{
    /// <summary>
    /// The coordination database, the shared Data Protection keys, the cluster's active bundle and its follower, and the
    /// readiness entry saying which bundle the cluster serves. Without <c>MlCustomer:Cluster:PostgreSql</c> all of it stays idle.
    /// </summary>
    public static IServiceCollection AddMlCustomerCluster(this IServiceCollection services)
    {
        services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ClusterDatabase>();
        services.AddSingleton<ClusterModelActivation>();
        // Started before the scheduler and the model load, which both need the tables.
        services.AddHostedService<ClusterSchemaInitializer>();
        services.AddHostedService<ClusterModelFollower>();
        services.AddHealthChecks().AddCheck<ClusterModelHealthCheck>(ClusterModelHealthCheck.Name, tags: ["ready"]);
        // After the workspace's folder repository is configured: on a cluster the keys live in the database instead.
        services.AddOptions<KeyManagementOptions>().PostConfigure<ClusterDatabase>((keys, database) =>
        {
            if (database.Enabled)
            {
                keys.XmlRepository = new PostgresXmlRepository(database);
            }
        });
        return services;
    }
}

/// <summary>
/// Creates the coordination tables before anything uses them, and makes sure the shared key ring has a key; a database
/// that cannot be reached stops the start, naming the setting.
/// </summary>
internal sealed class ClusterSchemaInitializer(ClusterDatabase database, IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!database.Enabled)
        {
            return;
        }

        try
        {
            await Task.Run(database.EnsureSchema, cancellationToken);
            await EnsureDataProtectionKeyAsync(cancellationToken);
        }
        catch (Npgsql.NpgsqlException e)
        {
            throw new InvalidOperationException(
                $"The cluster's coordination database (MlCustomer:Cluster:PostgreSql) cannot be used: {e.Message}. Replicas need it to share sessions, the model and the schedule; remove the setting to run one replica alone.", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Replicas starting together on an empty key table would each create a key and protect cookies with it before seeing
    // the others' (a key ring is re-read about once a day), so a cookie from one could be refused by another. The first
    // key is therefore created here, one replica at a time; later keys are created by the framework ahead of their
    // activation, so every replica reads them before they are used.
    private async Task EnsureDataProtectionKeyAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IKeyManager>() is not { } keys)
        {
            return;
        }

        await using var oneAtATime = await database.LockAsync(ClusterDatabase.DataProtectionKeyLock, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        if (!keys.GetAllKeys().Any(key => !key.IsRevoked && key.ActivationDate <= now && key.ExpirationDate > now.AddDays(2)))
        {
            var lifetime = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<KeyManagementOptions>>().Value.NewKeyLifetime;
            keys.CreateNewKey(now, now + lifetime);
        }
    }
}
