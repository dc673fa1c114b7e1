using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Cluster;

/// <summary>
/// Several API replicas coordinating through one PostgreSQL database (section <c>MlCustomer:Cluster</c>). Without a
/// connection string every replica stands alone, as a single machine always has.
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "MlCustomer:Cluster";

    /// <summary>The Quartz scheduler name every replica shares, so that they form one cluster in its tables.</summary>
    public const string SchedulerName = "mlcustomer";

    /// <summary>
    /// Npgsql connection string of the coordination database (environment variable <c>MlCustomer__Cluster__PostgreSql</c>;
    /// keep its password in a secret). When set: Data Protection keys (workspace sessions), the active model bundle and the
    /// Quartz schedule live in it and are shared by every replica pointing at it. Empty (default): per-replica behaviour.
    /// The account needs to create tables the first time (or run the committed scripts in <c>src/MlCustomer.Api/Cluster</c> beforehand).
    /// </summary>
    public string? PostgreSql { get; set; }

    /// <summary>
    /// How often each replica reads the cluster's active bundle, in seconds; a reload on one replica is served by every other
    /// within this plus the time it takes to load and warm up the bundle.
    /// </summary>
    [Range(1, 300)]
    public int ModelCheckSeconds { get; set; } = 5;

    /// <summary>
    /// Whether each replica also listens for activations (PostgreSQL <c>LISTEN</c>; a reload or rollback sends a
    /// <c>NOTIFY</c>), so that it reads the cluster's bundle as soon as it changes instead of at its next check; the check
    /// every <see cref="ModelCheckSeconds"/> stays, for notifications lost while a replica's listening connection was down.
    /// </summary>
    public bool ListenForActivations { get; set; } = true;

    /// <summary>How long a replica that failed to load the cluster's bundle waits before trying it again, in seconds.</summary>
    [Range(1, 86_400)]
    public int ModelRetrySeconds { get; set; } = 60;

    /// <summary>True when a coordination database is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(PostgreSql);
}
