using System.Text.Json;
using MlCustomer.Api.ScoringRuns;

namespace MlCustomer.Api.Storage;

// Which data each scoring run read. The table is created (if missing) after the numbered migrations rather than by one:
// it is a side record that no other query joins, and keeping it out of the migration list lets the store's schema
// change beside it. Its SQL is portable (ON CONFLICT … excluded is both SQLite's and PostgreSQL's).
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
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            INSERT INTO scoring_run_data_read (run_id, source, read_at, record_json) VALUES (@run, @source, @readAt, @json)
            ON CONFLICT (run_id) DO UPDATE SET source = excluded.source, read_at = excluded.read_at, record_json = excluded.record_json
            """,
            [("@run", runId), ("@source", record.Source), ("@readAt", Format(record.ReadAt)), ("@json", JsonSerializer.Serialize(record, DataReadJson))],
            cancellationToken);
    }

    /// <summary>The data <paramref name="runId"/> read; null when it read none (queued, failed before reading, or run before this was recorded).</summary>
    public async Task<DataReadRecord?> GetDataReadAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ScalarAsync(connection, "SELECT record_json FROM scoring_run_data_read WHERE run_id = @run", [("@run", runId)], cancellationToken) is string json
            ? JsonSerializer.Deserialize<DataReadRecord>(json, DataReadJson)
            : null;
    }
}
