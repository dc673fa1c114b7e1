using Npgsql;

namespace MlCustomer.Api.Tests.Infrastructure;

/// <summary>
/// The throw-away PostgreSQL cluster that <c>.ci/postgres.sh</c> starts (connection string in
/// <c>MLCUSTOMER_TEST_POSTGRES</c>). Under CI=true its absence fails the test; elsewhere the test reports skipped.
/// </summary>
public static class TestPostgres
{
    /// <summary>The environment variable holding the Npgsql connection string.</summary>
    public const string Variable = "MLCUSTOMER_TEST_POSTGRES";

    /// <summary>The connection string; skips (or under CI=true fails) when there is none.</summary>
    public static string ConnectionString()
    {
        var connectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail($"CI=true but {Variable} is not set: .ci/run must start PostgreSQL (.ci/postgres.sh) before the tests.");
            }

            Skip.If(true, $"{Variable} is not set: run the tests under 'bash .ci/postgres.sh dotnet test …' to include PostgreSQL.");
        }

        return connectionString!;
    }

    /// <summary>
    /// The connection string of a new, empty schema on the test server (the connection's search path), for one store: every
    /// factory that stores on PostgreSQL gets its own, as every SQLite factory gets its own file. Null when there is no
    /// test server (the test then skips, or fails under CI=true, when it asks <see cref="ConnectionString"/>).
    /// </summary>
    public static string? NewStoreSchema()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(server))
        {
            return null;
        }

        var schema = "store_" + Guid.NewGuid().ToString("N")[..16];
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
#pragma warning disable CA2100 // A schema name the test made.
            using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
#pragma warning restore CA2100
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ConnectionString;
    }

    /// <summary>
    /// A new schema holding <c>transactions</c>, <c>customers</c> and <c>service_events</c> tables with typed columns
    /// (dates as date, amounts as numeric, attributes as text), filled from the test data's CSV files with COPY.
    /// </summary>
    public static async Task<string> CreateSchemaWithTestDataAsync(string connectionString)
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"CREATE SCHEMA {schema}");
        var bundle = TestBundle.Instance;
        foreach (var (table, file) in new[] { ("customers", bundle.CustomersFile), ("transactions", bundle.TransactionsFile), ("service_events", bundle.ServiceEventsFile) })
        {
            var header = File.ReadLines(file).First().Split(',');
            var columns = string.Join(", ", header.Select(name => $"{name} {SqlType(name)}"));
            await ExecuteAsync(connection, $"CREATE TABLE {schema}.{table} ({columns})");
            await using var writer = await connection.BeginTextImportAsync($"COPY {schema}.{table} FROM STDIN (FORMAT csv, HEADER true)");
            // The header line goes too: HEADER makes COPY skip it.
            foreach (var line in File.ReadLines(file))
            {
                await writer.WriteLineAsync(line);
            }
        }

        return schema;
    }

    /// <summary>Runs one statement.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
#pragma warning disable CA2100 // Test SQL built from the test's own names.
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
    }

    private static string SqlType(string column) => column switch
    {
        "order_date" or "event_date" or "signup_date" => "date",
        "quantity" or "revenue" or "cost" or "discount" or "unit_price" or "support_tickets" or "complaints" or "service_cost" or "satisfaction" => "numeric",
        _ => "text",
    };
}
