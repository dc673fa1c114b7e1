using System.Data.Common;
using System.Globalization;

namespace MlCustomer.Api.Storage;

/// <summary>
/// Scoring runs shared by replicas on one PostgreSQL store: a run requested on any replica is claimed by one free replica
/// (row locks, <c>FOR UPDATE SKIP LOCKED</c>), which holds a lease on it and renews it while it executes. A replica that
/// dies stops renewing; once its lease has expired another replica takes the run over and goes on with its chunks
/// (<see cref="ClaimChunkAsync"/>). A run is tied to the bundle that claimed it (its content digest, the model version):
/// only a replica serving that bundle takes it over or scores its chunks.
/// </summary>
public sealed partial class ScoreStore
{
    // Claims are made one at a time across replicas (advisory transaction lock), so two claims never take the same next
    // score key ("mlscor" and a purpose).
    private const long ClaimLockKey = 0x6D6C_7363_6F72_0002;

    /// <summary>Who this process is in run leases: host, process id and a per-start suffix (a restarted process is a new owner).</summary>
    public string ReplicaId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// PostgreSQL: claims the oldest queued run, or a running run whose lease expired and which was started with
    /// <paramref name="modelVersion"/>, for this replica for <paramref name="lease"/>; gives it a new score key (deleting the
    /// rows a previous holder wrote under its own) and records the bundle on it. Null when there is nothing to claim.
    /// </summary>
    public async Task<ScoringRun?> ClaimRunAsync(string modelVersion, TimeSpan lease, CancellationToken cancellationToken)
    {
        EnsurePostgreSql();
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({ClaimLockKey})", [], cancellationToken);
        var now = DateTimeOffset.UtcNow;
        ScoringRun? run;
        await using (var command = Command(connection, transaction, $"""
            SELECT {RunColumns} FROM scoring_runs
            WHERE status = @queued OR (status = @running AND lease_expires_at < @now AND model_version = @version)
            ORDER BY requested_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
            """, [("@queued", RunStatus.Queued), ("@running", RunStatus.Running), ("@now", Format(now)), ("@version", modelVersion)]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            run = await reader.ReadAsync(cancellationToken) ? ReadRun(reader) : null;
        }

        if (run is null)
        {
            return null;
        }

        // A run taken over keeps its key and its done chunks: the new holder goes on where the chunks stand (a chunk is
        // committed whole or not at all, so the dead holder left no half chunk).
        var key = run.ScoreKey ?? Convert.ToInt64(await ScalarAsync(connection, """
            SELECT COALESCE(MAX(k), 0) + 1 FROM (SELECT MAX(score_key) AS k FROM scoring_runs UNION ALL SELECT MAX(score_key) FROM customer_scores) AS keys
            """, [], cancellationToken, transaction), CultureInfo.InvariantCulture);

        run = run with { Status = RunStatus.Running, StartedAt = run.StartedAt ?? now, ModelVersion = modelVersion, ScoreKey = key };
        await ExecuteAsync(connection, transaction, """
            UPDATE scoring_runs SET status = @running, started_at = @started, model_version = @version, score_key = @key,
                lease_owner = @owner, lease_expires_at = @until
            WHERE id = @id
            """,
            [("@running", RunStatus.Running), ("@started", Format(run.StartedAt)), ("@version", modelVersion), ("@key", key),
             ("@owner", ReplicaId), ("@until", Format(now + lease)), ("@id", run.Id)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return run;
    }

    /// <summary>
    /// Running runs this replica could work on (their holder's lease expired, or chunks wait to be claimed) but which were
    /// started with another bundle than <paramref name="modelVersion"/>: this replica leaves them (a run never mixes model
    /// versions) and says so.
    /// </summary>
    public async Task<IReadOnlyList<(string RunId, string ModelVersion)>> RunsOfOtherBundlesAsync(string modelVersion, CancellationToken cancellationToken)
    {
        EnsurePostgreSql();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT r.id, r.model_version FROM scoring_runs r
            WHERE r.status = @running AND r.model_version <> @version
              AND (r.lease_expires_at < @now OR EXISTS (SELECT 1 FROM scoring_run_chunks c WHERE c.run_id = r.id AND c.status = 'pending'))
            """, [("@running", RunStatus.Running), ("@now", Now()), ("@version", modelVersion)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add((reader.GetString(0), reader.GetString(1)));
        }

        return runs;
    }

    /// <summary>Extends this replica's lease on <paramref name="run"/>; false when it no longer holds it (another replica took the run over).</summary>
    public async Task<bool> RenewLeaseAsync(ScoringRun run, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        EnsurePostgreSql();
        await using var connection = await OpenAsync(cancellationToken);
        return await ExecuteCountAsync(connection, null, """
            UPDATE scoring_runs SET lease_expires_at = @until WHERE id = @id AND lease_owner = @owner AND score_key = @key AND status = @running
            """,
            [("@until", Format(DateTimeOffset.UtcNow + lease)), ("@id", run.Id), ("@owner", ReplicaId), ("@key", run.ScoreKey), ("@running", RunStatus.Running)],
            cancellationToken) == 1;
    }

    /// <summary>
    /// Writes the end of a run this replica holds (status, timings, counts, error) and ends its lease; false (nothing
    /// written) when another replica took the run over meanwhile.
    /// </summary>
    public async Task<bool> UpdateLeasedRunAsync(ScoringRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        EnsurePostgreSql();
        await using var connection = await OpenAsync(cancellationToken);
        return await ExecuteCountAsync(connection, null, $"""
            {UpdateRunSql}, lease_expires_at = NULL
            WHERE id = @id AND lease_owner = @owner AND score_key = @key
            """, [.. RunParameters(run), ("@owner", ReplicaId), ("@key", run.ScoreKey)], cancellationToken) == 1;
    }

    private void EnsurePostgreSql()
    {
        if (!IsPostgreSql)
        {
            throw new InvalidOperationException("Run leases are for replicas sharing a PostgreSQL store (MlCustomer:Storage:PostgreSql).");
        }
    }

    // PostgreSQL: the rows of failed runs (each run holds its own score key from its claim on), and rows under a key that no
    // run records (a claim whose transaction never committed cannot leave any: its key is recorded in the same transaction).
    private static Task DeleteFailedRunScoresAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, null, """
            DELETE FROM customer_scores
            WHERE score_key IN (SELECT score_key FROM scoring_runs WHERE status = @failed AND score_key IS NOT NULL)
               OR score_key > (SELECT COALESCE(MAX(score_key), 0) FROM scoring_runs)
            """, [("@failed", RunStatus.Failed)], cancellationToken);
}

/// <summary>This replica no longer holds the run it was writing: another replica took it over after its lease expired.</summary>
public sealed class RunLeaseLostException(string runId)
    : Exception($"Scoring run {runId} was taken over by another replica (this replica's lease expired); what this replica wrote of it was discarded.")
{
    /// <summary>The run.</summary>
    public string RunId { get; } = runId;
}
