using Microsoft.Extensions.Options;
using Npgsql;

namespace MlCustomer.Api.Cluster;

/// <summary>
/// The coordination database of <see cref="ClusterOptions.PostgreSql"/>: its connections, its tables (created once per
/// process from the committed scripts, idempotently and under an advisory lock so replicas starting together do not race),
/// and advisory locks for work that must happen once across replicas.
/// </summary>
public sealed partial class ClusterDatabase(IOptions<ClusterOptions> options, ILogger<ClusterDatabase> logger) : IDisposable
{
    /// <summary>The scripts run at start, in order: the API's own tables, then Quartz's.</summary>
    public static readonly string[] Scripts = ["cluster-tables-postgres.sql", "quartz-tables-postgres.sql"];

    /// <summary>The advisory lock replicas take around creating the first Data Protection key.</summary>
    public const long DataProtectionKeyLock = 0x6D6C_6375_7374_0003;

    /// <summary>The advisory lock replicas take around checking for and queueing the start-up scoring run.</summary>
    public const long StartupScoringRunLock = 0x6D6C_6375_7374_0002;

    // Advisory lock keys: 64-bit numbers the application reserves; these spell "mlcust" and a purpose.
    private const long SchemaLockKey = 0x6D6C_6375_7374_0001;

    // Tries of the schema scripts when PostgreSQL ends them as a deadlock's victim (see EnsureSchema).
    private const int MaxSchemaAttempts = 5;

    private readonly Lock gate = new();
    private NpgsqlDataSource? dataSource;
    private bool schemaReady;

    /// <summary>True when a coordination database is configured.</summary>
    public bool Enabled => options.Value.Enabled;

    /// <summary>The pooled connections to the coordination database.</summary>
    /// <exception cref="InvalidOperationException">No coordination database is configured.</exception>
    public NpgsqlDataSource DataSource
    {
        get
        {
            lock (gate)
            {
                return dataSource ??= Enabled
                    ? NpgsqlDataSource.Create(options.Value.PostgreSql!)
                    : throw new InvalidOperationException("No coordination database is configured (MlCustomer:Cluster:PostgreSql).");
            }
        }
    }

    /// <summary>The text of one of <see cref="Scripts"/>, as committed.</summary>
    public static string ReadScript(string name)
    {
        using var stream = typeof(ClusterDatabase).Assembly.GetManifestResourceStream($"MlCustomer.Api.Cluster.{name}")
            ?? throw new InvalidOperationException($"The script {name} is not embedded in {typeof(ClusterDatabase).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The statements of a script: the pieces between lines reading exactly <c>--;;</c> that hold more than comments.</summary>
    public static IEnumerable<string> Statements(string script) =>
        script.ReplaceLineEndings("\n").Split("\n--;;\n")
            .Where(piece => piece.Split('\n').Any(line => line.Trim() is { Length: > 0 } text && !text.StartsWith("--", StringComparison.Ordinal)));

    /// <summary>
    /// Creates the coordination tables that are missing, once per process; safe while other replicas do the same. A failure
    /// (database unreachable) is thrown and the next call tries again.
    /// </summary>
    public void EnsureSchema()
    {
        lock (gate)
        {
            if (schemaReady)
            {
                return;
            }
        }

        // The advisory lock orders the replicas' scripts, but not against a replica already running: `CREATE INDEX IF NOT
        // EXISTS` takes its table's share lock before it finds the index there, so a started replica's Quartz transaction and
        // this script can wait on each other's tables, and PostgreSQL ends one of them with "deadlock detected" (seen once in
        // the cluster tests, three replicas starting together). The scripts are idempotent and the victim's transaction is
        // rolled back, so they are simply run again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                RunScripts();
                break;
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < MaxSchemaAttempts)
            {
                LogSchemaDeadlock(logger, attempt, MaxSchemaAttempts);
                Thread.Sleep(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }

        lock (gate)
        {
            schemaReady = true;
        }
    }

    private void RunScripts()
    {
        using var connection = DataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        // DDL is transactional in PostgreSQL: the lock, held until commit, makes concurrent starts run the scripts one after the other.
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({SchemaLockKey})");
        foreach (var script in Scripts)
        {
            foreach (var statement in Statements(ReadScript(script)))
            {
                Execute(connection, transaction, statement);
            }
        }

        transaction.Commit();
        LogSchemaReady(logger, connection.Host ?? "?", connection.Database);
    }

    /// <summary>
    /// Waits for the session-level advisory lock <paramref name="key"/> on a connection of its own and holds it until the
    /// returned handle is disposed (or the process dies, which ends the session): work inside it happens on one replica at a time.
    /// </summary>
    public async Task<IAsyncDisposable> LockAsync(long key, CancellationToken cancellationToken)
    {
        var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection);
            command.Parameters.AddWithValue(key);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new AdvisoryLock(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => dataSource?.Dispose();

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
#pragma warning disable CA2100 // The committed scripts, not input.
        using var command = new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    private sealed class AdvisoryLock(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
                command.Parameters.AddWithValue(key);
                await command.ExecuteNonQueryAsync();
            }
            finally
            {
                // Closing the session would release it anyway; the pool keeps the connection, so unlock first.
                await connection.DisposeAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster coordination tables are in place in PostgreSQL {Host}/{Database}")]
    private static partial void LogSchemaReady(ILogger logger, string host, string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Creating the cluster coordination tables lost a deadlock with another replica (try {Attempt} of {Attempts}); trying again")]
    private static partial void LogSchemaDeadlock(ILogger logger, int attempt, int attempts);
}
