using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Api.Storage;

/// <summary>
/// The one class that owns the SQL: migrations, scoring runs, stored scores and the reload audit. It
/// speaks plain ADO.NET (<see cref="DbConnection"/>) and portable SQL, so replacing SQLite with
/// PostgreSQL means another connection factory here, not another API.
/// </summary>
public sealed partial class ScoreStore : IDisposable
{
    private const string TimestampFormat = "O";
    private const string DateFormat = "yyyy-MM-dd";
    private const string RunColumns =
        "id, status, requested_by, requested_at, requested_as_of_date, as_of_date, model_version, started_at, finished_at, " +
        "transactions_read, customers_scored, load_ms, features_ms, scoring_ms, storing_ms, error, score_key, pruned_at";

    private const string ScoreColumns =
        "s.run_id, s.customer_id, s.churn_probability, s.risk_band, s.segment_id, s.segment_name, s.predicted_profit, " +
        "s.churn_reasons, s.value_reasons, s.model_version, s.as_of_date, r.finished_at, " +
        "s.tier, s.predicted_tier, s.loss_making, s.false_big_customer, s.lifecycle_stage, s.value_at_risk, s.recommended_action, " +
        "s.action_description, s.offer_cost, s.paid_offer, s.profit_last_365_days, s.revenue_last_365_days, s.rule_reasons, s.value_horizon_days, " +
        "s.predicted_revenue, s.gross_profit_last_365_days, s.cost_to_serve_last_365_days, s.predicted_net_profit, s.expected_cost_to_serve";

    // Advisory lock key replicas sharing one PostgreSQL store take around migrating it ("mlscor" and a purpose).
    private const long MigrationLockKey = 0x6D6C_7363_6F72_0001;

    private readonly string? connectionString;
    private readonly Npgsql.NpgsqlDataSource? postgres;
    private readonly ILogger<ScoreStore> logger;

    /// <summary>Opens (and on first use creates) the database named in the options: the SQLite file, or the PostgreSQL server.</summary>
    public ScoreStore(IOptions<StorageOptions> options, IHostEnvironment environment, ILogger<ScoreStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        if (options.Value.UsesPostgreSql)
        {
            postgres = Npgsql.NpgsqlDataSource.Create(options.Value.Storage.PostgreSql!);
            DatabaseFile = null;
            Where = $"PostgreSQL {postgres.ConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("Host=", StringComparison.OrdinalIgnoreCase))}";
        }
        else
        {
            DatabaseFile = Path.GetFullPath(options.Value.DatabasePath, environment.ContentRootPath);
            connectionString = new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = true, DefaultTimeout = 30 }.ToString();
            Where = DatabaseFile;
        }

        this.logger = logger;
    }

    /// <inheritdoc />
    public void Dispose() => postgres?.Dispose();

    /// <summary>The SQLite database file; null when the scores live in PostgreSQL.</summary>
    public string? DatabaseFile { get; }

    /// <summary>True when the scores live in PostgreSQL (<see cref="ScoreDatabase.PostgreSql"/>).</summary>
    public bool IsPostgreSql => postgres is not null;

    // The database for log lines: the file, or the server (never the connection string's password).
    private string Where { get; }

    /// <summary>
    /// Applies the migrations this database has not had yet (on PostgreSQL one replica at a time, under an advisory lock).
    /// On SQLite it also marks runs that a previous process left queued or running as failed (their worker is gone); on
    /// PostgreSQL other replicas may be executing them, and run leases decide (<see cref="ClaimRunAsync"/>).
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (DatabaseFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabaseFile)!);
        }

        await using var connection = await OpenAsync(cancellationToken);
        if (IsPostgreSql)
        {
            // Held for the session: replicas starting together migrate one after the other; the next finds nothing to do.
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({MigrationLockKey})", [], cancellationToken);
            await ExecuteAsync(connection, null, Migrations.PostgreSqlPrelude, [], cancellationToken);
        }
        else
        {
            // WAL lets the API read stored scores while a scoring run writes (SQLite only; persistent per file).
            await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL", [], cancellationToken);
        }

        try
        {
            await MigrateAsync(connection, cancellationToken);
        }
        finally
        {
            if (IsPostgreSql)
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", [], CancellationToken.None);
            }
        }

        if (IsPostgreSql)
        {
            // Other replicas may be executing the runs recorded as running: their leases decide (ClaimRunAsync takes over
            // only expired ones), and queued runs wait for whichever replica is free.
            return;
        }

        // A run interrupted while writing left committed chunks that no run records.
        await DeleteUnfinishedScoresAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "UPDATE scoring_runs SET status = @failed, error = @error, finished_at = @now WHERE status IN (@queued, @running)",
            [("@failed", RunStatus.Failed), ("@error", "interrupted: the API stopped before the run finished; start a new run"),
             ("@now", Now()), ("@queued", RunStatus.Queued), ("@running", RunStatus.Running)], cancellationToken);
    }

    private async Task MigrateAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, null, Migrations.VersionTable, [], cancellationToken);
        var current = Convert.ToInt32(
            await ScalarAsync(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version", [], cancellationToken),
            CultureInfo.InvariantCulture);
        foreach (var (version, description, statements) in Migrations.All.Where(m => m.Version > current))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var statement in statements)
            {
                await ExecuteAsync(connection, transaction, statement.For(IsPostgreSql), [], cancellationToken);
            }

            await ExecuteAsync(connection, transaction,
                "INSERT INTO schema_version (version, description, applied_at) VALUES (@version, @description, @applied_at)",
                [("@version", version), ("@description", description), ("@applied_at", Now())], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogMigrated(logger, version, description, Where);
        }

        await ExecuteAsync(connection, null, DataReadTable, [], cancellationToken);
    }

    /// <summary>The schema version applied.</summary>
    public async Task<int> SchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return Convert.ToInt32(await ScalarAsync(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version", [], cancellationToken),
            CultureInfo.InvariantCulture);
    }

    /// <summary>Stores a new (queued) run.</summary>
    public async Task CreateRunAsync(ScoringRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO scoring_runs (id, status, requested_by, requested_at, requested_as_of_date) VALUES (@id, @status, @by, @at, @as_of)",
            [("@id", run.Id), ("@status", run.Status), ("@by", run.RequestedBy), ("@at", Format(run.RequestedAt)), ("@as_of", Format(run.RequestedAsOfDate))],
            cancellationToken);
    }

    /// <summary>Writes a run's state (status, timings, counts, error).</summary>
    public async Task UpdateRunAsync(ScoringRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"{UpdateRunSql} WHERE id = @id", RunParameters(run), cancellationToken);
    }

    private const string UpdateRunSql = """
        UPDATE scoring_runs SET status = @status, as_of_date = @as_of, model_version = @version, started_at = @started,
            finished_at = @finished, transactions_read = @transactions, customers_scored = @customers, load_ms = @load,
            features_ms = @features, scoring_ms = @scoring, storing_ms = @storing, error = @error
        """;

    private static (string, object?)[] RunParameters(ScoringRun run) =>
        [("@id", run.Id), ("@status", run.Status), ("@as_of", Format(run.AsOfDate)), ("@version", run.ModelVersion),
         ("@started", Format(run.StartedAt)), ("@finished", Format(run.FinishedAt)), ("@transactions", run.TransactionsRead),
         ("@customers", run.CustomersScored), ("@load", run.LoadMilliseconds), ("@features", run.FeaturesMilliseconds),
         ("@scoring", run.ScoringMilliseconds), ("@storing", run.StoringMilliseconds), ("@error", run.Error)];

    /// <summary>A run by id, or null.</summary>
    public async Task<ScoringRun?> GetRunAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {RunColumns} FROM scoring_runs WHERE id = @id", [("@id", id)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRun(reader) : null;
    }

    /// <summary>The drift a run recorded, most moved first (empty for runs before drift checks or of bundles without distributions).</summary>
    public async Task<RunDrift> GetDriftAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT feature, psi, level, training_missing_share, missing_share, largest_move, model_output
            FROM run_drift WHERE run_id = @run ORDER BY psi DESC, feature
            """, [("@run", runId)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var features = new List<FeatureDriftResult>();
        var outputs = new List<FeatureDriftResult>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var result = new FeatureDriftResult(
                reader.GetString(0), reader.GetDouble(1), Enum.Parse<DriftLevel>(reader.GetString(2), ignoreCase: true),
                reader.GetDouble(3), reader.GetDouble(4), reader.GetString(5));
            (reader.GetInt64(6) != 0 ? outputs : features).Add(result);
        }

        return new RunDrift(features, outputs);
    }

    /// <summary>How a drift level is written in the database and on the wire: stable, moderate, shifted.</summary>
    public static string DriftLevelName(DriftLevel level) => level.ToString().ToLowerInvariant();

    /// <summary>
    /// The customer's scores from a run stored before migration 7 (stored_scores): the current such run that scored them
    /// (latest as-of date, then latest finish), or null.
    /// </summary>
    private static async Task<StoredScore?> GetLegacyScoreAsync(DbConnection connection, string customerId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, $"""
            SELECT {ScoreColumns}
            FROM stored_scores s JOIN scoring_runs r ON r.id = s.run_id
            WHERE s.customer_id = @customer AND r.status = @succeeded
            ORDER BY r.as_of_date DESC, r.finished_at DESC
            LIMIT 1
            """, [("@customer", customerId), ("@succeeded", RunStatus.Succeeded)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadScore(reader) : null;
    }

    /// <summary>
    /// The current run: of the succeeded runs, the latest as-of date, then the latest finish. A backfill (a run at an
    /// earlier as-of date than one already stored) never becomes current, however late it finishes. Null before any.
    /// </summary>
    public async Task<ScoringRun?> GetCurrentRunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            $"SELECT {RunColumns} FROM scoring_runs WHERE status = @succeeded ORDER BY as_of_date DESC, finished_at DESC LIMIT 1",
            [("@succeeded", RunStatus.Succeeded)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRun(reader) : null;
    }

    /// <summary>The latest <paramref name="limit"/> runs, newest request first, whatever their status.</summary>
    public Task<IReadOnlyList<ScoringRun>> GetRunsAsync(int limit, CancellationToken cancellationToken) =>
        GetRunsAsync(limit, after: null, cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> runs in the list's one order (newest request first, then id), starting after the
    /// run whose request time and id are <paramref name="after"/> (a page's last), or from the start when null.
    /// </summary>
    public async Task<IReadOnlyList<ScoringRun>> GetRunsAsync(int limit, (DateTimeOffset RequestedAt, string Id)? after, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = after is { } last
            ? Command(connection, null, $"""
                SELECT {RunColumns} FROM scoring_runs
                WHERE requested_at < @at OR (requested_at = @at AND id > @id)
                ORDER BY requested_at DESC, id LIMIT @limit
                """, [("@limit", limit), ("@at", Format(last.RequestedAt)), ("@id", last.Id)])
            : Command(connection, null, $"SELECT {RunColumns} FROM scoring_runs ORDER BY requested_at DESC, id LIMIT @limit", [("@limit", limit)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<ScoringRun>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(ReadRun(reader));
        }

        return runs;
    }

    /// <summary>The rule decisions a run stored before migration 7, rebuilt (customers without a stored decision are skipped).</summary>
    public async Task<IReadOnlyList<CustomerDecision>> GetLegacyDecisionsAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT {ScoreColumns}
            FROM stored_scores s JOIN scoring_runs r ON r.id = s.run_id
            WHERE s.run_id = @run AND s.tier IS NOT NULL
            ORDER BY s.customer_id
            """, [("@run", runId)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var decisions = new List<CustomerDecision>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var score = ReadScore(reader);
            decisions.Add(score.Decision!.ToCustomerDecision(score));
        }

        return decisions;
    }

    /// <summary>Records a load or reload.</summary>
    public async Task AddReloadAuditAsync(ReloadAudit audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            INSERT INTO model_reloads (id, requested_by, requested_at, source, from_version, to_version, outcome, detail, duration_ms)
            VALUES (@id, @by, @at, @source, @from, @to, @outcome, @detail, @duration)
            """,
            [("@id", audit.Id), ("@by", audit.RequestedBy), ("@at", Format(audit.RequestedAt)), ("@source", audit.Source),
             ("@from", audit.FromVersion), ("@to", audit.ToVersion), ("@outcome", audit.Outcome), ("@detail", audit.Detail),
             ("@duration", audit.DurationMilliseconds)], cancellationToken);
    }

    /// <summary>The latest loads and reloads, newest first.</summary>
    public Task<IReadOnlyList<ReloadAudit>> GetReloadAuditsAsync(int limit, CancellationToken cancellationToken) =>
        GetReloadAuditsAsync(limit, after: null, cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> loads and reloads in the audit's one order (newest first, then id), starting after
    /// the entry whose time and id are <paramref name="after"/> (a page's last), or from the start when null.
    /// </summary>
    public async Task<IReadOnlyList<ReloadAudit>> GetReloadAuditsAsync(int limit, (DateTimeOffset RequestedAt, string Id)? after, CancellationToken cancellationToken)
    {
        const string Columns = "id, requested_by, requested_at, source, from_version, to_version, outcome, detail, duration_ms";
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = after is { } last
            ? Command(connection, null, $"""
                SELECT {Columns} FROM model_reloads
                WHERE requested_at < @at OR (requested_at = @at AND id > @id)
                ORDER BY requested_at DESC, id LIMIT @limit
                """, [("@limit", limit), ("@at", Format(last.RequestedAt)), ("@id", last.Id)])
            : Command(connection, null, $"SELECT {Columns} FROM model_reloads ORDER BY requested_at DESC, id LIMIT @limit", [("@limit", limit)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var audits = new List<ReloadAudit>();
        while (await reader.ReadAsync(cancellationToken))
        {
            audits.Add(new ReloadAudit
            {
                Id = reader.GetString(0),
                RequestedBy = reader.GetString(1),
                RequestedAt = ParseTimestamp(reader, 2)!.Value,
                Source = reader.GetString(3),
                FromVersion = reader.IsDBNull(4) ? null : reader.GetString(4),
                ToVersion = reader.IsDBNull(5) ? null : reader.GetString(5),
                Outcome = reader.GetString(6),
                Detail = reader.IsDBNull(7) ? null : reader.GetString(7),
                DurationMilliseconds = reader.GetInt64(8),
            });
        }

        return audits;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (postgres is not null)
        {
            return await postgres.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private DbConnection Open()
    {
        if (postgres is not null)
        {
            return postgres.OpenConnection();
        }

        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // The SQL is constant text from this class; every value travels as a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(
        DbConnection connection, string sql, (string, object?)[] parameters, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static StoredScore ReadScore(DbDataReader reader) => new()
    {
        RunId = reader.GetString(0),
        CustomerId = reader.GetString(1),
        ChurnProbability = reader.GetDouble(2),
        RiskBand = reader.GetString(3),
        SegmentId = reader.IsDBNull(4) ? null : reader.GetInt32(4),
        SegmentName = reader.IsDBNull(5) ? null : reader.GetString(5),
        PredictedGrossProfit = reader.IsDBNull(6) ? null : reader.GetDouble(6),
        PredictedRevenue = reader.IsDBNull(26) ? null : reader.GetDouble(26),
        ChurnReasonsJson = reader.GetString(7),
        ValueReasonsJson = reader.GetString(8),
        ModelVersion = reader.GetString(9),
        AsOfDate = DateOnly.ParseExact(reader.GetString(10), DateFormat, CultureInfo.InvariantCulture),
        ScoredAt = ParseTimestamp(reader, 11),
        Decision = reader.IsDBNull(12) ? null : new StoredDecision
        {
            Tier = reader.GetString(12),
            PredictedTier = reader.GetString(13),
            LossMaking = reader.GetInt64(14) != 0,
            FalseBigCustomer = reader.GetInt64(15) != 0,
            LifecycleStage = reader.GetString(16),
            ValueAtRisk = reader.GetDouble(17),
            RecommendedAction = reader.GetString(18),
            ActionDescription = reader.GetString(19),
            OfferCost = reader.GetDouble(20),
            PaidOffer = reader.GetInt64(21) != 0,
            ProfitLast365Days = reader.GetDouble(22),
            RevenueLast365Days = reader.GetDouble(23),
            RuleReasonsJson = reader.GetString(24),
            ValueHorizonDays = reader.GetInt32(25),
            GrossProfitLast365Days = reader.IsDBNull(27) ? null : reader.GetDouble(27),
            CostToServeLast365Days = reader.IsDBNull(28) ? null : reader.GetDouble(28),
            PredictedProfit = reader.IsDBNull(29) ? null : reader.GetDouble(29),
            ExpectedCostToServe = reader.IsDBNull(30) ? null : reader.GetDouble(30),
        },
    };

    private static int Flag(bool value) => value ? 1 : 0;

    private static ScoringRun ReadRun(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Status = reader.GetString(1),
        RequestedBy = reader.GetString(2),
        RequestedAt = ParseTimestamp(reader, 3)!.Value,
        RequestedAsOfDate = ParseDate(reader, 4),
        AsOfDate = ParseDate(reader, 5),
        ModelVersion = reader.IsDBNull(6) ? null : reader.GetString(6),
        StartedAt = ParseTimestamp(reader, 7),
        FinishedAt = ParseTimestamp(reader, 8),
        TransactionsRead = reader.IsDBNull(9) ? null : reader.GetInt64(9),
        CustomersScored = reader.IsDBNull(10) ? null : reader.GetInt64(10),
        LoadMilliseconds = reader.IsDBNull(11) ? null : reader.GetInt64(11),
        FeaturesMilliseconds = reader.IsDBNull(12) ? null : reader.GetInt64(12),
        ScoringMilliseconds = reader.IsDBNull(13) ? null : reader.GetInt64(13),
        StoringMilliseconds = reader.IsDBNull(14) ? null : reader.GetInt64(14),
        Error = reader.IsDBNull(15) ? null : reader.GetString(15),
        ScoreKey = reader.IsDBNull(16) ? null : reader.GetInt64(16),
        PrunedAt = ParseTimestamp(reader, 17),
    };

    private static string Now() => Format(DateTimeOffset.UtcNow);

    // Timestamps are stored as UTC ISO-8601 text so that text order is time order in any database.
    private static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static string? Format(DateTimeOffset? value) => value is { } v ? Format(v) : null;

    private static string Format(DateOnly value) => value.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static string? Format(DateOnly? value) => value is { } v ? Format(v) : null;

    private static DateTimeOffset? ParseTimestamp(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static DateOnly? ParseDate(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateOnly.ParseExact(reader.GetString(ordinal), DateFormat, CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated to version {Version} ({Description}): {Database}")]
    private static partial void LogMigrated(ILogger logger, int version, string description, string database);
}

/// <summary>Creates or migrates the database before anything else starts.</summary>
internal sealed class StorageInitializer(ScoreStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
