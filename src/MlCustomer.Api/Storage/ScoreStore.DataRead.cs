using System.Text.Json;
using Microsoft.Data.Sqlite;
using MlCustomer.Api.ScoringRuns;

namespace MlCustomer.Api.Storage;

// Which data each scoring run read. The table is created here, on first use, rather than by a numbered migration:
// it is a side record that no other query joins, and keeping it out of the migration list lets the store's schema
// change beside it; it moves into the migrations with the PostgreSQL store.
public sealed partial class ScoreStore
{
    private const string DataReadTable = """
        CREATE TABLE IF NOT EXISTS scoring_run_data_read (
            run_id TEXT NOT NULL PRIMARY KEY,
            source TEXT NOT NULL,
            read_at TEXT NOT NULL,
            record_json TEXT NOT NULL
        )
        """;

    private static readonly JsonSerializerOptions DataReadJson = new(JsonSerializerDefaults.Web);

    /// <summary>Records (or replaces) the data <paramref name="runId"/> read.</summary>
    public async Task RecordDataReadAsync(string runId, DataReadRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var connection = await OpenDataReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO scoring_run_data_read (run_id, source, read_at, record_json) VALUES (@run, @source, @readAt, @json)
            ON CONFLICT (run_id) DO UPDATE SET source = excluded.source, read_at = excluded.read_at, record_json = excluded.record_json
            """;
        command.Parameters.AddWithValue("@run", runId);
        command.Parameters.AddWithValue("@source", record.Source);
        command.Parameters.AddWithValue("@readAt", record.ReadAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("@json", JsonSerializer.Serialize(record, DataReadJson));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The data <paramref name="runId"/> read; null when it read none (queued, failed before reading, or run before this was recorded).</summary>
    public async Task<DataReadRecord?> GetDataReadAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenDataReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT record_json FROM scoring_run_data_read WHERE run_id = @run";
        command.Parameters.AddWithValue("@run", runId);
        return await command.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize<DataReadRecord>(json, DataReadJson) : null;
    }

    private async Task<SqliteConnection> OpenDataReadAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = true, DefaultTimeout = 30 }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var create = connection.CreateCommand();
        create.CommandText = DataReadTable;
        await create.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }
}
