using System.Data.Common;
using System.Globalization;

namespace MlCustomer.Api.Storage;

/// <summary>One chunk of a shared run claimed by this replica: which customers (rows of the run's id-ordered table) and the claim's token.</summary>
/// <param name="RunId">The run.</param>
/// <param name="ChunkIndex">The chunk's number in the run.</param>
/// <param name="FirstRow">Its first row in the run's customers (ordinal id order).</param>
/// <param name="RowCount">Its customers.</param>
/// <param name="Claim">How many times the chunk was claimed, this claim included: a later claim (after this one's lease expired) makes this one void.</param>
/// <param name="ScoreKey">The run's score key.</param>
/// <param name="AsOfDate">The run's as-of date, fixed when the run was planned.</param>
public sealed record ChunkClaim(string RunId, int ChunkIndex, int FirstRow, int RowCount, int Claim, long ScoreKey, DateOnly AsOfDate);

/// <summary>
/// PostgreSQL: a shared run's chunks. The replica holding the run plans them (fixed row ranges of the run's customers in
/// id order, which every replica builds alike from the same data), then every free replica serving the run's bundle claims
/// one at a time (<c>FOR UPDATE SKIP LOCKED</c>) with a lease; a chunk is written in one transaction (its rows deleted, then
/// COPY, then marked done) only while its claim is still this replica's, so a chunk re-claimed after a dead replica's lease
/// expired is stored once.
/// </summary>
public sealed partial class ScoreStore
{
    private const string ChunkPending = "pending";
    private const string ChunkClaimed = "claimed";
    private const string ChunkDone = "done";

    /// <summary>
    /// The advisory lock under which reason names are given positions, one at a time across replicas ("mlscor" and a
    /// purpose): every replica takes it as it encodes its first chunk of a run (tests hold it to keep replicas at that point).
    /// </summary>
    public const long NamesLockKey = 0x6D6C_7363_6F72_0003;

    /// <summary>
    /// Fixes the run's as-of date and its chunks (<paramref name="customers"/> rows in chunks of <paramref name="chunkSize"/>),
    /// unless a previous holder did: then the customers it planned must be the ones read now.
    /// </summary>
    /// <exception cref="InvalidOperationException">The run was planned on other data, or this replica no longer holds it.</exception>
    public async Task PlanChunksAsync(string runId, DateOnly asOf, int customers, int chunkSize, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await ExecuteCountAsync(connection, transaction, "UPDATE scoring_runs SET as_of_date = @as_of WHERE id = @id AND lease_owner = @owner",
                [("@as_of", Format(asOf)), ("@id", runId), ("@owner", ReplicaId)], cancellationToken) != 1)
        {
            throw new RunLeaseLostException(runId);
        }

        var planned = await ScalarAsync(connection, "SELECT SUM(row_count) FROM scoring_run_chunks WHERE run_id = @id", [("@id", runId)], cancellationToken, transaction);
        if (planned is not (null or DBNull))
        {
            var count = Convert.ToInt64(planned, CultureInfo.InvariantCulture);
            if (count != customers)
            {
                throw new InvalidOperationException(
                    $"Scoring run {runId} was planned for {count} customers, but the data read now has {customers}: the data changed while the run was executing; start a new run.");
            }

            await transaction.CommitAsync(cancellationToken);
            return;
        }

        // Every chunk in one statement (a run of 1,000,000 has 245 of 4,096: one round trip, not 245).
        await ExecuteAsync(connection, transaction, """
            INSERT INTO scoring_run_chunks (run_id, chunk_index, first_row, row_count, status)
            SELECT @id, i, i * @size, LEAST(@size, @customers - i * @size), @pending FROM generate_series(0, (@customers + @size - 1) / @size - 1) AS i
            """, [("@id", runId), ("@size", chunkSize), ("@customers", customers), ("@pending", ChunkPending)], cancellationToken);

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The oldest running, planned run started with <paramref name="modelVersion"/> that has a chunk to claim (pending, or
    /// its claim expired), with its as-of date; null when there is none. A replica reads the run's data before it claims a
    /// chunk, so that a claim's lease covers scoring and writing only.
    /// </summary>
    public async Task<(string RunId, DateOnly AsOfDate)?> RunWithChunksToClaimAsync(string modelVersion, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT r.id, r.as_of_date FROM scoring_runs r
            WHERE r.status = @running AND r.model_version = @version AND r.as_of_date IS NOT NULL
              AND EXISTS (SELECT 1 FROM scoring_run_chunks c WHERE c.run_id = r.id
                          AND (c.status = @pending OR (c.status = @claimed AND c.lease_expires_at < @now)))
            ORDER BY r.requested_at, r.id LIMIT 1
            """, [("@running", RunStatus.Running), ("@version", modelVersion), ("@pending", ChunkPending), ("@claimed", ChunkClaimed), ("@now", Now())]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), ParseDate(reader, 1)!.Value) : null;
    }

    /// <summary>
    /// The oldest running run started with <paramref name="modelVersion"/> whose holder has not planned it yet (it is reading
    /// the data): the other replicas read the same data meanwhile, so they are ready to claim chunks once it is planned.
    /// </summary>
    public async Task<string?> RunBeingPlannedAsync(string modelVersion, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ScalarAsync(connection, """
            SELECT id FROM scoring_runs WHERE status = @running AND model_version = @version AND as_of_date IS NULL ORDER BY requested_at, id LIMIT 1
            """, [("@running", RunStatus.Running), ("@version", modelVersion)], cancellationToken) as string;
    }

    /// <summary>
    /// Claims a chunk that is pending, or whose claim expired, of a running, planned run started with
    /// <paramref name="modelVersion"/> (of <paramref name="runId"/> only, when given), oldest run first; null when there is none.
    /// </summary>
    public async Task<ChunkClaim?> ClaimChunkAsync(string modelVersion, TimeSpan lease, string? runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        await using var command = Command(connection, null, $"""
            UPDATE scoring_run_chunks SET status = @claimed, claimed_by = @owner, claims = claims + 1, lease_expires_at = @until
            WHERE (run_id, chunk_index) = (
                SELECT c.run_id, c.chunk_index FROM scoring_run_chunks c JOIN scoring_runs r ON r.id = c.run_id
                WHERE r.status = @running AND r.model_version = @version AND r.as_of_date IS NOT NULL {(runId is null ? "" : "AND r.id = @run")}
                  AND (c.status = @pending OR (c.status = @claimed AND c.lease_expires_at < @now))
                ORDER BY r.requested_at, r.id, c.chunk_index LIMIT 1
                FOR UPDATE OF c SKIP LOCKED)
            RETURNING run_id, chunk_index, first_row, row_count, claims,
                (SELECT score_key FROM scoring_runs WHERE id = run_id), (SELECT as_of_date FROM scoring_runs WHERE id = run_id)
            """,
            [("@claimed", ChunkClaimed), ("@owner", ReplicaId), ("@until", Format(now + lease)), ("@running", RunStatus.Running),
             ("@version", modelVersion), ("@run", runId), ("@pending", ChunkPending), ("@now", Format(now))]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ChunkClaim(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt64(5),
                ParseDate(reader, 6)!.Value)
            : null;
    }

    /// <summary>
    /// Stores a claimed chunk's rows and the segment names they point at, and marks the chunk done with its drift counts and
    /// summary inputs (what the run's holder combines at the end), in one transaction; false (nothing stored) when the claim is
    /// no longer this replica's (it expired and another replica claimed the chunk).
    /// </summary>
    public async Task<bool> WriteChunkAsync(
        ChunkClaim claim, IReadOnlyList<CompactScore> rows, IReadOnlyDictionary<int, string> segments, byte[]? driftCounts, byte[]? summaryInputs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(segments);
        await using var connection = (Npgsql.NpgsqlConnection)await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The chunk marked done first, only while the claim is this replica's: the row stays locked until the commit, so a replica
        // re-claiming the chunk meanwhile waits, then finds it done (or, if this transaction rolls back, claimable). One round
        // trip for the check, the lock and the mark.
        if (await ExecuteCountAsync(connection, transaction, """
                UPDATE scoring_run_chunks SET status = @done, done_by = @owner, lease_expires_at = NULL, drift_counts = @drift, summary_inputs = @inputs
                WHERE run_id = @run AND chunk_index = @index AND status = @claimed AND claimed_by = @owner AND claims = @claim
                """, [("@done", ChunkDone), ("@owner", ReplicaId), ("@drift", driftCounts), ("@inputs", summaryInputs), ("@run", claim.RunId),
                      ("@index", claim.ChunkIndex), ("@claimed", ChunkClaimed), ("@claim", claim.Claim)], cancellationToken) != 1)
        {
            return false;
        }

        // Delete, then COPY, when the chunk was claimed before: whatever an earlier claim may have stored of these customers
        // goes first (a claim commits whole and marks the chunk done in the same transaction, so this finds nothing unless
        // that commit raced its expiry), and the primary key refuses any second copy. A first claim skips the 4,096 probes.
        if (claim.Claim > 1)
        {
            await ExecuteAsync(connection, transaction, "DELETE FROM customer_scores WHERE score_key = @key AND customer_id = ANY(@ids)",
                [("@key", claim.ScoreKey), ("@ids", rows.Select(r => r.CustomerId).ToArray())], cancellationToken);
        }
        await using (var writer = new RunScoresWriter(this, connection, transaction, claim.RunId, claim.ScoreKey, ownsConnection: false))
        {
            foreach (var row in rows)
            {
                writer.Add(row);
            }

            await writer.CompleteCopyAsync(cancellationToken);
        }

        // The segment names the rows point at, all in one statement, in position order: chunks written at once (by this replica's
        // writers or by other replicas) insert the same names, and a second insert of a name waits for the first's commit; in
        // one order two such transactions cannot each wait for the other (a deadlock, which fails one of them).
        if (segments.Count > 0)
        {
            var ordered = segments.OrderBy(s => s.Key).ToArray();
            await ExecuteAsync(connection, transaction, """
                INSERT INTO scoring_run_names (run_id, kind, position, name)
                SELECT @run, 'segment', s.position, s.name FROM unnest(@positions, @names) WITH ORDINALITY AS s (position, name, n)
                ORDER BY s.n ON CONFLICT DO NOTHING
                """, [("@run", claim.RunId), ("@positions", ordered.Select(s => s.Key).ToArray()), ("@names", ordered.Select(s => s.Value).ToArray())],
                cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// The position of reason feature <paramref name="feature"/> in run <paramref name="runId"/>'s list, given once across
    /// replicas (synchronous: asked from the encoding loop, a few dozen times per run and replica).
    /// </summary>
    public int ReasonPosition(string runId, string feature)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        Execute($"SELECT pg_advisory_xact_lock({NamesLockKey})", []);
        var position = Scalar("SELECT position FROM scoring_run_names WHERE run_id = @run AND kind = 'reason' AND name = @name", [("@run", runId), ("@name", feature)]);
        if (position is null)
        {
            position = Scalar("SELECT COALESCE(MAX(position) + 1, 0) FROM scoring_run_names WHERE run_id = @run AND kind = 'reason'", [("@run", runId)]);
            Execute("INSERT INTO scoring_run_names (run_id, kind, position, name) VALUES (@run, 'reason', @position, @name)",
                [("@run", runId), ("@position", Convert.ToInt32(position, CultureInfo.InvariantCulture)), ("@name", feature)]);
        }

        transaction.Commit();
        return Convert.ToInt32(position, CultureInfo.InvariantCulture);

        void Execute(string sql, (string, object?)[] parameters)
        {
            using var command = Command(connection, transaction, sql, parameters);
            command.ExecuteNonQuery();
        }

        object? Scalar(string sql, (string, object?)[] parameters)
        {
            using var command = Command(connection, transaction, sql, parameters);
            return command.ExecuteScalar();
        }
    }

    /// <summary>The names of one kind (<c>reason</c> or <c>segment</c>) a run's rows point at, by position.</summary>
    public async Task<IReadOnlyDictionary<int, string>> RunNamesAsync(string runId, string kind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT position, name FROM scoring_run_names WHERE run_id = @run AND kind = @kind",
            [("@run", runId), ("@kind", kind)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new Dictionary<int, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            names[reader.GetInt32(0)] = reader.GetString(1);
        }

        return names;
    }

    /// <summary>How many of the run's chunks are done, of how many.</summary>
    public async Task<(int Done, int Chunks)> ChunkProgressAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT COUNT(*) FILTER (WHERE status = @done), COUNT(*) FROM scoring_run_chunks WHERE run_id = @run",
            [("@done", ChunkDone), ("@run", runId)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Each done chunk's feature drift counts (<see cref="MlCustomer.Core.Modeling.FeatureDriftCounts.ToBytes"/>), counted by the
    /// replica that scored it; null for a chunk stored without them.
    /// </summary>
    public async Task<IReadOnlyList<byte[]?>> ChunkDriftCountsAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT drift_counts FROM scoring_run_chunks WHERE run_id = @run AND status = @done ORDER BY chunk_index",
            [("@run", runId), ("@done", ChunkDone)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new List<byte[]?>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0));
        }

        return counts;
    }

    /// <summary>
    /// The summary inputs of the run's done chunks other than <paramref name="exceptChunks"/> (the ones the holder scored and
    /// kept), by chunk index; null inputs for a chunk stored without them (by a replica of a version before migration 15).
    /// </summary>
    public async Task<IReadOnlyList<(int ChunkIndex, byte[]? Inputs)>> ChunkSummaryInputsAsync(string runId, int[] exceptChunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exceptChunks);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT chunk_index, summary_inputs FROM scoring_run_chunks
            WHERE run_id = @run AND status = @done AND NOT (chunk_index = ANY(@except)) ORDER BY chunk_index
            """, [("@run", runId), ("@done", ChunkDone), ("@except", exceptChunks)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var inputs = new List<(int, byte[]?)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            inputs.Add((reader.GetInt32(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1)));
        }

        return inputs;
    }

    /// <summary>
    /// Stored customer rows read back by <see cref="RunRowsAsync"/> since this store started: a shared run's holder reads none
    /// when every chunk was stored with its summary inputs (tests check it).
    /// </summary>
    public long RowsReadBack => Interlocked.Read(ref rowsReadBack);

    private long rowsReadBack;

    /// <summary>Every stored row of a run in ordinal id order: what its summaries are computed from once its last chunk is done.</summary>
    public async IAsyncEnumerable<(string CustomerId, double ChurnProbability, int? SegmentId, double? PredictedGrossProfit, byte[]? Facts)> RunRowsAsync(
        long scoreKey, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT customer_id, churn_probability, segment_id, predicted_gross_profit, facts FROM customer_scores WHERE score_key = @key ORDER BY customer_id",
            [("@key", scoreKey)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Interlocked.Increment(ref rowsReadBack);
            yield return (reader.GetString(0), reader.GetDouble(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4));
        }
    }
}
