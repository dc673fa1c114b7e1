using Npgsql;

namespace MlCustomer.Api.Cluster;

/// <summary>The bundle the cluster serves, as the last successful reload or rollback on any replica recorded it.</summary>
/// <param name="Version">The bundle's version: its content digest (BundleVersion), which a replica recomputes from its own files before serving it.</param>
/// <param name="BundleName">The folder under the bundles root it was loaded from; null for the configured start bundle (MlCustomer:BundlePath).</param>
/// <param name="Activation">Counts the activations up, so that a return to an earlier version is a new activation too.</param>
/// <param name="RequestedBy">The API key name that asked for it.</param>
/// <param name="ActivatedAt">When it was recorded.</param>
public sealed record ClusterBundle(string Version, string? BundleName, long Activation, string RequestedBy, DateTimeOffset ActivatedAt);

/// <summary>Why this replica does not serve the cluster's bundle: the activation it could not load, and what went wrong.</summary>
/// <param name="Bundle">The cluster's bundle.</param>
/// <param name="Reason">The load's refusal, as for a reload.</param>
/// <param name="At">When it was tried.</param>
public sealed record ClusterActivationFailure(ClusterBundle Bundle, string Reason, DateTimeOffset At);

/// <summary>
/// The cluster's active bundle in the coordination database, and what this replica knows of it: the last one read, the
/// last activation it serves, and a failure to load it. Without a coordination database every call does nothing.
/// </summary>
public sealed class ClusterModelActivation(ClusterDatabase database)
{
    private readonly Lock gate = new();
    private long applied;

    /// <summary>True when replicas share the active bundle.</summary>
    public bool Enabled => database.Enabled;

    /// <summary>The cluster's bundle as last read or recorded here; null before the first read or when none was ever recorded.</summary>
    public ClusterBundle? Desired { get; private set; }

    /// <summary>The activation this replica serves (or decided not to follow because it already served that version); 0 for none.</summary>
    public long AppliedActivation
    {
        get
        {
            lock (gate)
            {
                return applied;
            }
        }
    }

    /// <summary>The cluster's bundle this replica could not load, while that is still the cluster's bundle.</summary>
    public ClusterActivationFailure? Failure { get; private set; }

    /// <summary>Why the coordination database could not be read at the last check; null when it could.</summary>
    public string? DatabaseProblem { get; private set; }

    /// <summary>
    /// Records <paramref name="version"/> (from <paramref name="bundleName"/>, null for the start bundle) as the bundle every
    /// replica serves, and returns the record. Called by a reload or rollback once the bundle is verified and warmed up and
    /// before it is swapped in, so that a replica never serves a bundle the cluster was not told of.
    /// </summary>
    /// <exception cref="NpgsqlException">The database cannot be written; the caller keeps the old bundle.</exception>
    public ClusterBundle Record(string version, string? bundleName, string requestedBy)
    {
        database.EnsureSchema();
        using var connection = database.DataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            """
            INSERT INTO mlcustomer_active_model (cluster_row, version, bundle_name, activation, requested_by, activated_at)
            VALUES (1, $1, $2, 1, $3, now())
            ON CONFLICT (cluster_row) DO UPDATE SET version = excluded.version, bundle_name = excluded.bundle_name,
              activation = mlcustomer_active_model.activation + 1, requested_by = excluded.requested_by, activated_at = excluded.activated_at
            RETURNING version, bundle_name, activation, requested_by, activated_at
            """, connection);
        command.Parameters.AddWithValue(version);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)bundleName ?? DBNull.Value);
        command.Parameters.AddWithValue(requestedBy);
        ClusterBundle recorded;
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            recorded = Read(reader);
        }

        lock (gate)
        {
            Desired = recorded;
        }

        // After the row is committed, so a listener that reads it on the notification finds the new bundle. A notification
        // that cannot be sent only leaves the others to their next check.
        try
        {
            using var notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', $1)", connection);
            notify.Parameters.AddWithValue(recorded.Activation.ToString(System.Globalization.CultureInfo.InvariantCulture));
            notify.ExecuteNonQuery();
        }
        catch (NpgsqlException)
        {
        }

        return recorded;
    }

    /// <summary>The PostgreSQL notification channel a recorded activation is announced on.</summary>
    public const string Channel = "mlcustomer_active_model";

    /// <summary>
    /// A connection of its own that listens on <see cref="Channel"/>: each recorded activation raises its
    /// <see cref="NpgsqlConnection.Notification"/> event while the caller waits on it (<see cref="NpgsqlConnection.WaitAsync(CancellationToken)"/>).
    /// </summary>
    public async Task<NpgsqlConnection> ListenAsync(CancellationToken cancellationToken)
    {
        var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var listen = new NpgsqlCommand($"LISTEN {Channel}", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads the cluster's bundle (null when no reload was ever recorded) and remembers it; a failure is remembered as <see cref="DatabaseProblem"/> and thrown.</summary>
    public async Task<ClusterBundle?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Run(database.EnsureSchema, cancellationToken);
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT version, bundle_name, activation, requested_by, activated_at FROM mlcustomer_active_model WHERE cluster_row = 1", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var bundle = await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
            lock (gate)
            {
                Desired = bundle;
                DatabaseProblem = null;
            }

            return bundle;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            DatabaseProblem = e.Message;
            throw;
        }
    }

    /// <summary>Notes that this replica serves <paramref name="bundle"/> (loaded, or already serving its version).</summary>
    public void Served(ClusterBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        lock (gate)
        {
            applied = Math.Max(applied, bundle.Activation);
            if (Failure is { } failure && failure.Bundle.Activation <= bundle.Activation)
            {
                Failure = null;
            }
        }
    }

    /// <summary>Notes that this replica could not load <paramref name="bundle"/> and keeps the bundle it serves.</summary>
    public void Refused(ClusterBundle bundle, string reason, DateTimeOffset at)
    {
        lock (gate)
        {
            Failure = new ClusterActivationFailure(bundle, reason, at);
        }
    }

    private static ClusterBundle Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetInt64(2),
        reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4));
}
