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
        lock (gate)
        {
            schemaReady = true;
        }

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
}
