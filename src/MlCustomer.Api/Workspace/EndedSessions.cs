using System.Globalization;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Cluster;
using MlCustomer.Api.Storage;
using Npgsql;

namespace MlCustomer.Api.Workspace;

/// <summary>
/// Sessions signed out before their cookie expired. A cookie session is otherwise valid until it expires wherever a copy
/// of the cookie is; signing out records the session's id here, in a file beside the Data Protection keys (so it
/// survives a restart like the sessions do), until its cookie would have expired anyway. On a cluster
/// (<see cref="ClusterOptions.PostgreSql"/>) the ids are kept in the coordination database too, so that a session signed
/// out on one replica is refused by every other.
/// </summary>
public sealed class EndedSessions
{
    /// <summary>The claim carrying a session's id.</summary>
    public const string SessionIdClaim = "mlcustomer:session";

    private readonly Lock gate = new();
    private readonly string file;
    private readonly TimeProvider time;
    private readonly Dictionary<string, DateTimeOffset> ended = new(StringComparer.Ordinal);
    private readonly ClusterDatabase cluster;

    /// <summary>Reads the sessions ended and not yet expired.</summary>
    public EndedSessions(IOptions<WorkspaceOptions> workspace, IOptions<StorageOptions> storage, IHostEnvironment environment, TimeProvider time, ClusterDatabase cluster)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(storage);
        this.time = time;
        this.cluster = cluster;
        file = Path.Combine(WorkspaceExtensions.KeysFolder(workspace.Value, storage.Value, environment), "ended-sessions.txt");
        if (!File.Exists(file))
        {
            return;
        }

        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && DateTimeOffset.TryParse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires) && expires > time.GetUtcNow())
            {
                ended[parts[0]] = expires;
            }
        }
    }

    /// <summary>True when the session was signed out (here, or on a cluster by any replica).</summary>
    public async ValueTask<bool> HasEndedAsync(string? sessionId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (sessionId is null || ended.ContainsKey(sessionId))
            {
                return true;
            }
        }

        if (!cluster.Enabled)
        {
            return false;
        }

        await using var connection = await cluster.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1 FROM mlcustomer_ended_sessions WHERE session_id = $1", connection);
        command.Parameters.AddWithValue(sessionId);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Ends a session whose cookie would be valid until <paramref name="expires"/>.</summary>
    public void End(string sessionId, DateTimeOffset expires)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            ended[sessionId] = expires;
            foreach (var expired in ended.Where(e => e.Value <= now).Select(e => e.Key).ToList())
            {
                ended.Remove(expired);
            }

            // Rewritten whole: the file only ever holds sessions whose cookies are still unexpired.
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllLines(file, ended.Select(e => $"{e.Key} {e.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}"));
        }

        if (cluster.Enabled)
        {
            cluster.EnsureSchema();
            using var connection = cluster.DataSource.OpenConnection();
            using var command = new NpgsqlCommand(
                "INSERT INTO mlcustomer_ended_sessions (session_id, expires_at) VALUES ($1, $2) ON CONFLICT (session_id) DO NOTHING", connection);
            command.Parameters.AddWithValue(sessionId);
            command.Parameters.AddWithValue(expires.ToUniversalTime());
            command.ExecuteNonQuery();
            // The table, like the file, holds only sessions whose cookies are still unexpired.
            using var prune = new NpgsqlCommand("DELETE FROM mlcustomer_ended_sessions WHERE expires_at <= now()", connection);
            prune.ExecuteNonQuery();
        }
    }
}
