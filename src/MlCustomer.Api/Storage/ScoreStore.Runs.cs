using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Storage;

/// <summary>Compact scores, run summaries and target candidates, pruning, erasure and the personal-data audit.</summary>
public sealed partial class ScoreStore
{
    private static readonly JsonSerializerOptions SummaryJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    // Parsed once per run: every read of a stored decision needs its run's rules, cut-offs and names.
    private readonly ConcurrentDictionary<string, DecisionContext> contexts = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, ProfitConcentration?> summaries = new(StringComparer.Ordinal);

    // The target candidates of the runs asked for lately (in practice the current one): a million customers' candidates
    // are ~50 MB in memory, read once from their blob and shared by every concurrent call.
    private readonly ConcurrentDictionary<string, Lazy<Task<TargetCandidates?>>> candidates = new(StringComparer.Ordinal);

    /// <summary>The next free run number of customer_scores.</summary>
    public async Task<long> NextScoreKeyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // Also past any rows a failed run may have left behind, so a new run can never collide with them.
        return Convert.ToInt64(await ScalarAsync(connection, """
            SELECT COALESCE(MAX(k), 0) + 1 FROM (SELECT MAX(score_key) AS k FROM scoring_runs UNION ALL SELECT MAX(score_key) FROM customer_scores) AS keys
            """, [], cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Deletes compact rows that no run records (a run that failed or was interrupted while writing: its number is above
    /// every recorded one; a range of the key, not a scan). Only when no run is writing: at start, and by the worker after
    /// its run failed.
    /// </summary>
    public async Task DeleteUnfinishedScoresAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (IsPostgreSql)
        {
            // Runs hold their key from their claim on (other replicas may be writing under theirs): only failed runs' rows go.
            await DeleteFailedRunScoresAsync(connection, cancellationToken);
            return;
        }

        await ExecuteAsync(connection, null, """
            DELETE FROM customer_scores WHERE score_key > (SELECT COALESCE(MAX(score_key), 0) FROM scoring_runs)
            """, [], cancellationToken);
    }

    /// <summary>
    /// Starts writing a run's scores. Each chunk is committed on its own (<see cref="RunScoresWriter.CommitChunk"/>), so a
    /// run of minutes never holds the database's write lock for long (erasures, audits and new runs go on); the rows stay
    /// invisible to every view until <see cref="RunScoresWriter.CompleteAsync"/> records the run's number with it.
    /// </summary>
    public async Task<RunScoresWriter> BeginRunScoresAsync(string runId, long scoreKey, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        if (!IsPostgreSql)
        {
            // A larger page cache for the run's one writer (64 MB, a fixed bound), so the key pages the run writes stay in memory
            // across its chunks instead of SQLite's default 2 MB re-reading them.
            await ExecuteAsync(connection, null, "PRAGMA cache_size = -65536", [], cancellationToken);
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        return new RunScoresWriter(this, connection, transaction, runId, scoreKey);
    }

    /// <summary>
    /// Writes one run's compact scores chunk by chunk, then its drift, context, summary and candidates, all or nothing. Each
    /// engine's fast path: SQLite's own prepared statement, PostgreSQL's binary COPY (one COPY per chunk).
    /// </summary>
    public sealed class RunScoresWriter : IAsyncDisposable
    {
        private const string InsertSql = """
            INSERT INTO customer_scores (score_key, customer_id, churn_probability, risk_band, segment_id, predicted_gross_profit,
                predicted_revenue, reasons, facts, gross_profit_p10, gross_profit_p50, gross_profit_p90, revenue_p10, revenue_p50, revenue_p90,
                gross_profit_if_buying_p10, gross_profit_if_buying_p90, purchase_probability_basis_points)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
            """;

        private const string CopySql = """
            COPY customer_scores (score_key, customer_id, churn_probability, risk_band, segment_id, predicted_gross_profit,
                predicted_revenue, reasons, facts, gross_profit_p10, gross_profit_p50, gross_profit_p90, revenue_p10, revenue_p50, revenue_p90,
                gross_profit_if_buying_p10, gross_profit_if_buying_p90, purchase_probability_basis_points)
            FROM STDIN (FORMAT BINARY)
            """;

        private readonly ScoreStore store;
        private readonly DbConnection connection;
        // SQLite's own prepared statement (the customer rows are the SQLite-only table anyway: WITHOUT ROWID): a row bound
        // and stepped without the ADO.NET command's data reader, boxed parameters and string copies, which cost ~1 KB of
        // garbage and most of the ~11 µs of CPU a row took through DbCommand. Null on PostgreSQL.
        private readonly SQLitePCL.sqlite3_stmt? insert;
        // PostgreSQL: the chunk's binary COPY, opened at its first row and completed with the chunk.
        private Npgsql.NpgsqlBinaryImporter? copy;
        private readonly byte[] idBytes = new byte[256];
        private DbTransaction transaction;
        private readonly string runId;
        private readonly long scoreKey;

        // False when the caller lends its connection and transaction (a shared run's chunk) and disposes them itself.
        private readonly bool ownsConnection;

        internal RunScoresWriter(ScoreStore store, DbConnection connection, DbTransaction transaction, string runId, long scoreKey, bool ownsConnection = true)
        {
            this.ownsConnection = ownsConnection;
            this.store = store;
            this.connection = connection;
            this.transaction = transaction;
            this.runId = runId;
            this.scoreKey = scoreKey;
            if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
            {
                var database = sqlite.Handle!;
                Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(SQLitePCL.raw.sqlite3_prepare_v2(database, InsertSql, out var statement), database);
                insert = statement;
            }
        }

        /// <summary>Adds one customer's row (synchronous: both engines' fast paths are, and this runs on the run's own thread).</summary>
        public void Add(in CompactScore score)
        {
            if (insert is not null)
            {
                AddRaw(insert, score);
                return;
            }

            copy ??= ((Npgsql.NpgsqlConnection)connection).BeginBinaryImport(CopySql);
            copy.StartRow();
            copy.Write(checked((int)scoreKey), NpgsqlTypes.NpgsqlDbType.Integer);
            copy.Write(score.CustomerId, NpgsqlTypes.NpgsqlDbType.Text);
            copy.Write(score.ChurnProbability, NpgsqlTypes.NpgsqlDbType.Double);
            copy.Write(score.RiskBand, NpgsqlTypes.NpgsqlDbType.Text);
            WriteOrNull(score.SegmentId, NpgsqlTypes.NpgsqlDbType.Integer);
            WriteOrNull(score.PredictedGrossProfit, NpgsqlTypes.NpgsqlDbType.Double);
            WriteOrNull(score.PredictedRevenue, NpgsqlTypes.NpgsqlDbType.Double);
            copy.Write(score.Reasons, NpgsqlTypes.NpgsqlDbType.Bytea);
            if (score.Facts is { } facts)
            {
                copy.Write(facts, NpgsqlTypes.NpgsqlDbType.Bytea);
            }
            else
            {
                copy.WriteNull();
            }

            WriteOrNull(score.GrossProfitInterval?.P10, NpgsqlTypes.NpgsqlDbType.Double);
            WriteOrNull(score.GrossProfitInterval?.P50, NpgsqlTypes.NpgsqlDbType.Double);
            WriteOrNull(score.GrossProfitInterval?.P90, NpgsqlTypes.NpgsqlDbType.Double);
            WriteOrNull(score.RevenueInterval?.P10, NpgsqlTypes.NpgsqlDbType.Double);
            WriteOrNull(score.RevenueInterval?.P50, NpgsqlTypes.NpgsqlDbType.Double);
            WriteOrNull(score.RevenueInterval?.P90, NpgsqlTypes.NpgsqlDbType.Double);
            var outlook = CompactEncoding.OutlookColumns(score.GrossProfitInterval);
            WriteOrNull(outlook.IfBuyingP10, NpgsqlTypes.NpgsqlDbType.Double);
            WriteOrNull(outlook.IfBuyingP90, NpgsqlTypes.NpgsqlDbType.Double);
            WriteOrNull(outlook.PurchaseProbabilityBasisPoints, NpgsqlTypes.NpgsqlDbType.Smallint);

            void WriteOrNull<T>(T? value, NpgsqlTypes.NpgsqlDbType type)
                where T : struct
            {
                if (value is { } v)
                {
                    copy.Write(v, type);
                }
                else
                {
                    copy.WriteNull();
                }
            }
        }

        private void AddRaw(SQLitePCL.sqlite3_stmt statement, in CompactScore score)
        {
            var database = ((Microsoft.Data.Sqlite.SqliteConnection)connection).Handle!;
            // Ids are capped well below this; a longer one (never seen) is bound through a string copy.
            var id = System.Text.Encoding.UTF8.GetMaxByteCount(score.CustomerId.Length) <= idBytes.Length
                ? idBytes.AsSpan(0, System.Text.Encoding.UTF8.GetBytes(score.CustomerId, idBytes))
                : System.Text.Encoding.UTF8.GetBytes(score.CustomerId);
            Bind(SQLitePCL.raw.sqlite3_bind_int64(statement, 1, scoreKey));
            Bind(SQLitePCL.raw.sqlite3_bind_text(statement, 2, id));
            Bind(SQLitePCL.raw.sqlite3_bind_double(statement, 3, score.ChurnProbability));
            Bind(SQLitePCL.raw.sqlite3_bind_text(statement, 4, RiskBandText(score.RiskBand)));
            Bind(score.SegmentId is { } segment ? SQLitePCL.raw.sqlite3_bind_int64(statement, 5, segment) : SQLitePCL.raw.sqlite3_bind_null(statement, 5));
            BindNumber(6, score.PredictedGrossProfit);
            BindNumber(7, score.PredictedRevenue);
            Bind(SQLitePCL.raw.sqlite3_bind_blob(statement, 8, score.Reasons));
            Bind(score.Facts is { } facts ? SQLitePCL.raw.sqlite3_bind_blob(statement, 9, facts) : SQLitePCL.raw.sqlite3_bind_null(statement, 9));
            BindNumber(10, score.GrossProfitInterval?.P10);
            BindNumber(11, score.GrossProfitInterval?.P50);
            BindNumber(12, score.GrossProfitInterval?.P90);
            BindNumber(13, score.RevenueInterval?.P10);
            BindNumber(14, score.RevenueInterval?.P50);
            BindNumber(15, score.RevenueInterval?.P90);
            var outlook = CompactEncoding.OutlookColumns(score.GrossProfitInterval);
            BindNumber(16, outlook.IfBuyingP10);
            BindNumber(17, outlook.IfBuyingP90);
            Bind(outlook.PurchaseProbabilityBasisPoints is { } basisPoints ? SQLitePCL.raw.sqlite3_bind_int(statement, 18, basisPoints) : SQLitePCL.raw.sqlite3_bind_null(statement, 18));
            var rc = SQLitePCL.raw.sqlite3_step(statement);
            SQLitePCL.raw.sqlite3_reset(statement);
            if (rc != SQLitePCL.raw.SQLITE_DONE)
            {
                Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(rc, database);
            }

            void BindNumber(int index, double? value) =>
                Bind(value is { } v ? SQLitePCL.raw.sqlite3_bind_double(statement, index, v) : SQLitePCL.raw.sqlite3_bind_null(statement, index));

            void Bind(int rc) => Microsoft.Data.Sqlite.SqliteException.ThrowExceptionForRC(rc, database);
        }

        // The three risk bands as UTF-8 once, not encoded again for each of a million rows.
        private static ReadOnlySpan<byte> RiskBandText(string band) => band switch
        {
            "low" => "low"u8,
            "medium" => "medium"u8,
            "high" => "high"u8,
            _ => System.Text.Encoding.UTF8.GetBytes(band),
        };

        /// <summary>PostgreSQL: ends the COPY of the rows added so far, inside the caller's transaction (which commits them).</summary>
        internal async Task CompleteCopyAsync(CancellationToken cancellationToken)
        {
            if (copy is not null)
            {
                await copy.CompleteAsync(cancellationToken);
                await copy.DisposeAsync();
                copy = null;
            }
        }

        /// <summary>Commits the rows added so far and starts the next chunk's transaction.</summary>
        public void CommitChunk()
        {
            if (copy is not null)
            {
                copy.Complete();
                copy.Dispose();
                copy = null;
            }

            if (store.IsPostgreSql)
            {
                EnsureStillHeld();
            }

            transaction.Commit();
            transaction.Dispose();
            transaction = connection.BeginTransaction();
        }

        /// <summary>Stores the drift, the context the decisions are rebuilt with, the summary and the candidates, and commits.</summary>
        public async Task CompleteAsync(
            RunDrift drift, DecisionContext context, ProfitConcentration? summary, TargetCandidates? targetCandidates, CancellationToken cancellationToken,
            IReadOnlyList<MovementFacts>? movementFacts = null)
        {
            ArgumentNullException.ThrowIfNull(drift);
            ArgumentNullException.ThrowIfNull(context);
            // The two big blobs (tens of MB for a million customers) are encoded on two threads while the drift is inserted,
            // instead of one after the other on the run's thread at its very end.
            var candidateBytes = targetCandidates is null ? null : Task.Run(() => CompactEncoding.WriteCandidates(targetCandidates), cancellationToken);
            var movementBytes = movementFacts is null ? null : Task.Run(() => CompactEncoding.WriteMovementFacts(movementFacts), cancellationToken);
            foreach (var (result, output) in drift.Features.Select(f => (f, false)).Concat(drift.Outputs.Select(o => (o, true))))
            {
                await ExecuteAsync(connection, transaction, """
                    INSERT INTO run_drift (run_id, feature, psi, level, training_missing_share, missing_share, largest_move, model_output)
                    VALUES (@run, @feature, @psi, @level, @training_missing, @missing, @move, @output)
                    """,
                    [("@run", runId), ("@feature", result.Feature), ("@psi", result.Psi), ("@level", DriftLevelName(result.Level)),
                     ("@training_missing", result.TrainingMissingShare), ("@missing", result.MissingShare), ("@move", result.LargestMove),
                     ("@output", Flag(output))],
                    cancellationToken);
            }

            if (store.IsPostgreSql)
            {
                EnsureStillHeld();
            }

            await ExecuteAsync(connection, transaction,
                "UPDATE scoring_runs SET score_key = @key, decision_context = @context, summary = @summary WHERE id = @id",
                [("@key", scoreKey), ("@context", context.ToJson()), ("@summary", summary is null ? null : JsonSerializer.Serialize(summary, SummaryJson)),
                 ("@id", runId)], cancellationToken);
            if (candidateBytes is not null)
            {
                await ExecuteAsync(connection, transaction, "INSERT INTO run_target_candidates (run_id, candidates) VALUES (@id, @candidates)",
                    [("@id", runId), ("@candidates", await candidateBytes)], cancellationToken);
            }

            if (movementBytes is not null)
            {
                await ExecuteAsync(connection, transaction, "INSERT INTO run_movement_facts (run_id, facts) VALUES (@id, @facts)",
                    [("@id", runId), ("@facts", await movementBytes)], cancellationToken);
            }

            if (store.IsPostgreSql)
            {
                // A shared run's chunks' summary inputs (~60 bytes a customer) made these summaries: they go with the same commit.
                await ExecuteAsync(connection, transaction, "UPDATE scoring_run_chunks SET summary_inputs = NULL WHERE run_id = @id AND summary_inputs IS NOT NULL",
                    [("@id", runId)], cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            // The first target list of a new run should not pay for reading back what the run has in hand.
            store.candidates[runId] = new Lazy<Task<TargetCandidates?>>(Task.FromResult(targetCandidates));
        }

        // PostgreSQL: this replica still holds the run (its lease, its key), read under a share lock held until the commit. A
        // replica taking the run over locks the run's row (FOR UPDATE) to record itself, so either this commit comes first,
        // or this check waits, sees the new holder and the transaction is rolled back: a replica that lost its run writes nothing more.
        private void EnsureStillHeld()
        {
            using var command = Command(connection, transaction,
                "SELECT id FROM scoring_runs WHERE id = @id AND score_key = @key AND lease_owner = @owner FOR SHARE",
                [("@id", runId), ("@key", scoreKey), ("@owner", store.ReplicaId)]);
            if (command.ExecuteScalar() is null)
            {
                throw new RunLeaseLostException(runId);
            }
        }

        /// <inheritdoc />
        public async ValueTask DisposeAsync()
        {
            insert?.Dispose();
            if (copy is not null)
            {
                // Not completed: disposing cancels the COPY, and the transaction's rollback drops the chunk.
                await copy.DisposeAsync();
            }

            if (ownsConnection)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The customer's scores and decision from the current run that scored them (latest as-of date, then latest finish;
    /// a backfill at an earlier date never wins), in either storage format, or null.
    /// </summary>
    public async Task<StoredCustomer?> GetCurrentCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        StoredCustomer? compact = null;
        await using (var command = Command(connection, null, """
            SELECT r.id, r.finished_at, r.model_version, r.as_of_date, r.decision_context,
                c.churn_probability, c.risk_band, c.segment_id, c.predicted_gross_profit, c.predicted_revenue, c.reasons, c.facts,
                c.gross_profit_p10, c.gross_profit_p50, c.gross_profit_p90, c.revenue_p10, c.revenue_p50, c.revenue_p90,
                c.gross_profit_if_buying_p10, c.gross_profit_if_buying_p90, c.purchase_probability_basis_points
            FROM scoring_runs r JOIN customer_scores c ON c.score_key = r.score_key AND c.customer_id = @customer
            WHERE r.status = @succeeded AND r.score_key IS NOT NULL
            ORDER BY r.as_of_date DESC, r.finished_at DESC
            LIMIT 1
            """, [("@customer", customerId), ("@succeeded", RunStatus.Succeeded)]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                var runId = reader.GetString(0);
                var context = Context(runId, reader.GetString(4));
                var churn = reader.GetDouble(5);
                int? segmentId = reader.IsDBNull(7) ? null : reader.GetInt32(7);
                double? profit = reader.IsDBNull(8) ? null : reader.GetDouble(8);
                var segment = segmentId is { } id && context.SegmentNames.TryGetValue(id, out var name) ? name : null;
                var encodedReasons = (byte[])reader.GetValue(10);
                var (churnReasons, valueReasons) = CompactEncoding.ReadReasons(encodedReasons, context.ReasonFeatures);
                var revenueReasons = CompactEncoding.ReadRevenueReasons(encodedReasons, context.ReasonFeatures);
                double? revenue = reader.IsDBNull(9) ? null : reader.GetDouble(9);
                compact = new StoredCustomer(
                    customerId, runId, ParseTimestamp(reader, 1), reader.GetString(2), ParseDate(reader, 3)!.Value, churn, reader.GetString(6),
                    segmentId, segment, profit, revenue, churnReasons, valueReasons,
                    context.Decide(customerId, churn, profit, segment, reader.IsDBNull(11) ? null : (byte[])reader.GetValue(11)),
                    reader.IsDBNull(11) ? null : CompactEncoding.ReadHistory((byte[])reader.GetValue(11)))
                {
                    Currency = context.Currency ?? Currencies.Unknown,
                    GrossProfitInterval = CompactEncoding.IntervalWithOutlook(reader, 12, 18),
                    RevenueInterval = CompactEncoding.Interval(reader, 15),
                    ChurnTotals = StoredCustomer.Totals(context.ChurnBaseline, churn, churnReasons),
                    ValueTotals = StoredCustomer.Totals(context.ValueBaseline, profit, valueReasons),
                    RevenueReasons = revenueReasons,
                    RevenueTotals = revenueReasons.Count > 0 ? StoredCustomer.Totals(context.RevenueBaseline, revenue, revenueReasons) : null,
                };
            }
        }

        var legacy = await GetLegacyScoreAsync(connection, customerId, cancellationToken);
        if (legacy is null || (compact is not null && (compact.AsOfDate, compact.ScoredAt) .CompareTo((legacy.AsOfDate, legacy.ScoredAt)) >= 0))
        {
            return compact;
        }

        var reasons = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        return new StoredCustomer(
            legacy.CustomerId, legacy.RunId, legacy.ScoredAt, legacy.ModelVersion, legacy.AsOfDate, legacy.ChurnProbability, legacy.RiskBand,
            legacy.SegmentId, legacy.SegmentName, legacy.PredictedGrossProfit, legacy.PredictedRevenue,
            JsonSerializer.Deserialize<List<Core.Modeling.Reason>>(legacy.ChurnReasonsJson, reasons) ?? [],
            JsonSerializer.Deserialize<List<Core.Modeling.Reason>>(legacy.ValueReasonsJson, reasons) ?? [],
            legacy.Decision?.ToCustomerDecision(legacy));
    }

    /// <summary>The pyramid a run stored when it ended; null for runs stored before migration 7 and runs without decisions.</summary>
    public async Task<ProfitConcentration?> GetSummaryAsync(string runId, CancellationToken cancellationToken)
    {
        // A run's summary never changes once stored (erasure keeps the totals): read and parsed once per run.
        if (summaries.TryGetValue(runId, out var cached))
        {
            return cached;
        }

        await using var connection = await OpenAsync(cancellationToken);
        var summary = await ScalarAsync(connection, "SELECT summary FROM scoring_runs WHERE id = @id", [("@id", runId)], cancellationToken) is string json
            ? JsonSerializer.Deserialize<ProfitConcentration>(json, SummaryJson)
            : null;
        return summaries.GetOrAdd(runId, summary);
    }

    /// <summary>
    /// The target candidates a run stored, read once and shared (only the runs asked for last stay in memory); null for
    /// runs stored before migration 7 and runs without decisions.
    /// </summary>
    public Task<TargetCandidates?> GetCandidatesAsync(string runId, CancellationToken cancellationToken)
    {
        foreach (var other in candidates.Keys.Where(k => k != runId).ToList())
        {
            candidates.TryRemove(other, out _);
        }

        var lazy = candidates.GetOrAdd(runId, id => new Lazy<Task<TargetCandidates?>>(() => LoadCandidatesAsync(id)));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    // Not cancelled by the first caller: the load is shared by every caller waiting for it.
    private async Task<TargetCandidates?> LoadCandidatesAsync(string runId)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        var blob = await ScalarAsync(connection, "SELECT candidates FROM run_target_candidates WHERE run_id = @id", [("@id", runId)], CancellationToken.None);
        return blob is byte[] bytes ? CompactEncoding.ReadCandidates(bytes) : null;
    }

    /// <summary>
    /// The decisions of <paramref name="customerIds"/> in run <paramref name="run"/>, in the order asked, rebuilt from
    /// their stored facts (customers the run did not decide are left out). Synchronous: target lists ask for them from
    /// inside Core's list when a block of targets is first read, a few hundred point reads. <paramref name="values"/>, when
    /// given, receives each customer's stored gross profit interval.
    /// </summary>
    public IReadOnlyList<CustomerDecision> GetDecisions(
        ScoringRun run, IReadOnlyList<string> customerIds, ConcurrentDictionary<string, StoredValue>? values = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(customerIds);
        using var connection = Open();
        var context = Context(run.Id, (string)(ScalarAsync(connection, "SELECT decision_context FROM scoring_runs WHERE id = @id", [("@id", run.Id)], CancellationToken.None)
            .GetAwaiter().GetResult() ?? throw new InvalidOperationException($"Scoring run {run.Id} kept no decision context.")));
        // One query for every customer asked (SQLite: a JSON array parameter; PostgreSQL: a text array), not one round trip each.
        using var command = Command(connection, null, $"""
            SELECT customer_id, churn_probability, segment_id, predicted_gross_profit, facts, gross_profit_p10, gross_profit_p50, gross_profit_p90,
                {CompactEncoding.PurchaseOutlookColumns}
            FROM customer_scores
            WHERE score_key = @key AND {(IsPostgreSql ? "customer_id = ANY(@customers)" : "customer_id IN (SELECT value FROM json_each(@customers))")}
            """, [("@key", run.ScoreKey), ("@customers", IsPostgreSql ? customerIds.ToArray() : JsonSerializer.Serialize(customerIds))]);
        var rows = new List<(string Id, double Churn, string? Segment, double? Profit, byte[] Facts)>(customerIds.Count);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (!reader.IsDBNull(4))
                {
                    values?.TryAdd(reader.GetString(0), new StoredValue(CompactEncoding.IntervalWithOutlook(reader, 5, 8), context.Currency ?? Currencies.Unknown));
                    rows.Add((reader.GetString(0), reader.GetDouble(1), reader.IsDBNull(2) ? null : context.SegmentNames.GetValueOrDefault(reader.GetInt32(2)),
                        reader.IsDBNull(3) ? null : reader.GetDouble(3), (byte[])reader.GetValue(4)));
                }
            }
        }

        // Rebuilding a decision writes its eight reasons (~10 µs); a long list uses both cores.
        var decided = new CustomerDecision?[rows.Count];
        Parallel.For(0, rows.Count, i => decided[i] = context.Decide(rows[i].Id, rows[i].Churn, rows[i].Profit, rows[i].Segment, rows[i].Facts));
        var found = new Dictionary<string, CustomerDecision>(rows.Count, StringComparer.Ordinal);
        foreach (var decision in decided)
        {
            if (decision is not null)
            {
                found[decision.CustomerId] = decision;
            }
        }

        return [.. customerIds.Where(found.ContainsKey).Select(id => found[id])];
    }

    /// <summary>
    /// The segment names a run's customers carry (from its decision context, kept per run), to tell a filter that names no
    /// segment of the run from one that matches nobody; null for a run stored before compact rows.
    /// </summary>
    public async Task<IReadOnlyCollection<string>?> GetSegmentNamesAsync(ScoringRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ScoreKey is null)
        {
            return null;
        }

        if (!contexts.TryGetValue(run.Id, out var context))
        {
            await using var connection = await OpenAsync(cancellationToken);
            if (await ScalarAsync(connection, "SELECT decision_context FROM scoring_runs WHERE id = @id", [("@id", run.Id)], cancellationToken) is not string json)
            {
                return null;
            }

            context = Context(run.Id, json);
        }

        return [.. context.SegmentNames.Values];
    }

    private DecisionContext Context(string runId, string json) => contexts.GetOrAdd(runId, _ => DecisionContext.FromJson(json));

    /// <summary>
    /// Keeps the current run and the latest finished others up to <paramref name="keep"/> runs; deletes the scores,
    /// decisions and candidates of the rest, marks them pruned and compacts the file. Returns the pruned run ids.
    /// </summary>
    public async Task<IReadOnlyList<string>> PruneAsync(int keep, CancellationToken cancellationToken)
    {
        var current = (await GetCurrentRunAsync(cancellationToken))?.Id;
        await using var connection = await OpenAsync(cancellationToken);
        var runs = new List<(string Id, long? Key)>();
        await using (var command = Command(connection, null,
            "SELECT id, score_key FROM scoring_runs WHERE status = @succeeded ORDER BY finished_at DESC", [("@succeeded", RunStatus.Succeeded)]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)));
            }
        }

        // The current run counts as one of the kept, whatever its finish; the others by finish, latest first.
        var pruned = runs.OrderBy(r => r.Id == current ? 0 : 1).Skip(keep).ToList();
        foreach (var (id, key) in pruned)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, "DELETE FROM customer_scores WHERE score_key = @key", [("@key", key ?? -1)], cancellationToken);
            await ExecuteAsync(connection, transaction, "DELETE FROM stored_scores WHERE run_id = @id", [("@id", id)], cancellationToken);
            await ExecuteAsync(connection, transaction, "DELETE FROM run_target_candidates WHERE run_id = @id", [("@id", id)], cancellationToken);
            await ExecuteAsync(connection, transaction, "DELETE FROM run_movement_facts WHERE run_id = @id", [("@id", id)], cancellationToken);
            await ExecuteAsync(connection, transaction, "DELETE FROM run_movements WHERE from_run_id = @id OR to_run_id = @id", [("@id", id)], cancellationToken);
            await ExecuteAsync(connection, transaction, "UPDATE scoring_runs SET status = @pruned, pruned_at = @now WHERE id = @id",
                [("@pruned", RunStatus.Pruned), ("@now", Now()), ("@id", id)], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            candidates.TryRemove(id, out _);
            LogPruned(logger, id);
        }

        if (pruned.Count > 0 && !IsPostgreSql)
        {
            // Deleted pages are reused by the next run anyway; VACUUM gives them back to the file system (it rewrites the file:
            // seconds per million rows kept, while readers go on reading under WAL). PostgreSQL's autovacuum frees them itself.
            await ExecuteAsync(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)", [], cancellationToken);
            await ExecuteAsync(connection, null, "VACUUM", [], cancellationToken);
        }

        return [.. pruned.Select(p => p.Id)];
    }

    /// <summary>
    /// Erases one customer's stored scores and decisions from every run (both storage formats) and from the runs'
    /// target candidates, and records the erasure in the personal-data audit, in one transaction. The run summaries keep
    /// their totals (counts and sums over all customers, which name nobody).
    /// </summary>
    public async Task<PersonalDataAudit> EraseCustomerAsync(string customerId, string requestedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = 0L;
        var runs = new SortedSet<string>(StringComparer.Ordinal);
        await using (var command = Command(connection, transaction, """
            SELECT r.id FROM scoring_runs r JOIN customer_scores c ON c.score_key = r.score_key AND c.customer_id = @customer
            WHERE r.score_key IS NOT NULL
            UNION SELECT run_id FROM stored_scores WHERE customer_id = @customer
            """, [("@customer", customerId)]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add(reader.GetString(0));
            }
        }

        // Every key the table holds, recorded or not (a failed run's leftovers are erased too), found by a skip scan of the
        // primary key (one probe per distinct key), then the customer's row under each: no index on customer_id alone.
        rows += await ExecuteCountAsync(connection, transaction, """
            WITH RECURSIVE score_keys (k) AS (
                SELECT MIN(score_key) FROM customer_scores
                UNION ALL
                SELECT (SELECT MIN(score_key) FROM customer_scores WHERE score_key > score_keys.k) FROM score_keys WHERE score_keys.k IS NOT NULL
            )
            DELETE FROM customer_scores WHERE score_key IN (SELECT k FROM score_keys WHERE k IS NOT NULL) AND customer_id = @customer
            """, [("@customer", customerId)], cancellationToken);
        rows += await ExecuteCountAsync(connection, transaction, "DELETE FROM stored_scores WHERE customer_id = @customer", [("@customer", customerId)], cancellationToken);
        foreach (var runId in runs)
        {
            var blob = await ScalarAsync(connection, "SELECT candidates FROM run_target_candidates WHERE run_id = @id", [("@id", runId)], cancellationToken, transaction);
            if (blob is byte[] bytes)
            {
                var before = CompactEncoding.ReadCandidates(bytes);
                var after = before.Without(customerId);
                if (!ReferenceEquals(before, after))
                {
                    await ExecuteAsync(connection, transaction, "UPDATE run_target_candidates SET candidates = @candidates WHERE run_id = @id",
                        [("@candidates", CompactEncoding.WriteCandidates(after)), ("@id", runId)], cancellationToken);
                    rows++;
                }
            }

            // A stored movement summary counts the customer: compared again when next asked.
            await ExecuteAsync(connection, transaction, "DELETE FROM run_movements WHERE from_run_id = @id OR to_run_id = @id", [("@id", runId)], cancellationToken);

            // The run's movement facts name the customer too.
            if (await ScalarAsync(connection, "SELECT facts FROM run_movement_facts WHERE run_id = @id", [("@id", runId)], cancellationToken, transaction) is byte[] stored)
            {
                var facts = CompactEncoding.ReadMovementFacts(stored);
                var kept = facts.Where(f => f.CustomerId != customerId).ToList();
                if (kept.Count != facts.Length)
                {
                    await ExecuteAsync(connection, transaction, "UPDATE run_movement_facts SET facts = @facts WHERE run_id = @id",
                        [("@facts", CompactEncoding.WriteMovementFacts(kept)), ("@id", runId)], cancellationToken);
                    rows++;
                }
            }
        }

        var audit = new PersonalDataAudit
        {
            Id = Guid.NewGuid().ToString("N"),
            HappenedAt = now,
            RequestedBy = requestedBy,
            Action = PersonalDataActions.Erase,
            CustomerId = customerId,
            Rows = rows,
            Detail = runs.Count == 0 ? "nothing stored" : $"runs {string.Join(", ", runs)}",
        };
        await InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var runId in runs)
        {
            candidates.TryRemove(runId, out _);
        }

        ForgetMovements();
        return audit;
    }

    /// <summary>Records an access to personal data (an export of a target list).</summary>
    public async Task AddPersonalDataAuditAsync(PersonalDataAudit audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await OpenAsync(cancellationToken);
        await InsertAuditAsync(connection, null, audit, cancellationToken);
    }

    /// <summary>The latest personal-data audit entries, newest first.</summary>
    public async Task<IReadOnlyList<PersonalDataAudit>> GetPersonalDataAuditsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT id, happened_at, requested_by, action, customer_id, run_id, row_count, detail
            FROM personal_data_audit ORDER BY happened_at DESC LIMIT @limit
            """, [("@limit", limit)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var audits = new List<PersonalDataAudit>();
        while (await reader.ReadAsync(cancellationToken))
        {
            audits.Add(new PersonalDataAudit
            {
                Id = reader.GetString(0),
                HappenedAt = ParseTimestamp(reader, 1)!.Value,
                RequestedBy = reader.GetString(2),
                Action = reader.GetString(3),
                CustomerId = reader.IsDBNull(4) ? null : reader.GetString(4),
                RunId = reader.IsDBNull(5) ? null : reader.GetString(5),
                Rows = reader.GetInt64(6),
                Detail = reader.IsDBNull(7) ? null : reader.GetString(7),
            });
        }

        return audits;
    }

    private static Task InsertAuditAsync(DbConnection connection, DbTransaction? transaction, PersonalDataAudit audit, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, """
            INSERT INTO personal_data_audit (id, happened_at, requested_by, action, customer_id, run_id, row_count, detail)
            VALUES (@id, @at, @by, @action, @customer, @run, @rows, @detail)
            """,
            [("@id", audit.Id), ("@at", Format(audit.HappenedAt)), ("@by", audit.RequestedBy), ("@action", audit.Action),
             ("@customer", audit.CustomerId), ("@run", audit.RunId), ("@rows", audit.Rows), ("@detail", audit.Detail)], cancellationToken);

    private static async Task<long> ExecuteCountAsync(DbConnection connection, DbTransaction? transaction, string sql, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} pruned: its scores were deleted by the retention policy")]
    private static partial void LogPruned(ILogger logger, string runId);
}

/// <summary>What was done with personal data.</summary>
public static class PersonalDataActions
{
    /// <summary>A customer's stored scores and decisions erased.</summary>
    public const string Erase = "erase";

    /// <summary>A retention target list downloaded as CSV.</summary>
    public const string ExportTargets = "export-targets";
}

/// <summary>One access to or erasure of personal data: who, when, what, which run, how many rows.</summary>
public sealed record PersonalDataAudit
{
    /// <summary>Audit id.</summary>
    public required string Id { get; init; }

    /// <summary>When.</summary>
    public required DateTimeOffset HappenedAt { get; init; }

    /// <summary>The API key name.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>erase or export-targets.</summary>
    public required string Action { get; init; }

    /// <summary>The customer erased (an erasure is kept as proof that it was done).</summary>
    public string? CustomerId { get; init; }

    /// <summary>The run exported.</summary>
    public string? RunId { get; init; }

    /// <summary>Rows erased or exported.</summary>
    public required long Rows { get; init; }

    /// <summary>Which runs, which settings.</summary>
    public string? Detail { get; init; }
}
