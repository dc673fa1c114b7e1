using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;
using Npgsql;

namespace MlCustomer.Api.Tests.ScoringRuns;

/// <summary>Where runs read their data (files, a glob, PostgreSQL) and the record of what each run read.</summary>
public sealed class ScoringDataTests
{
    private static readonly Uri Runs = new("/api/v1/scoring-runs", UriKind.Relative);

    [Fact]
    public async Task ARunFromAGlobReadsTheNewestMatchingFileAndRecordsItsRowsAndHash()
    {
        var bundle = TestBundle.Instance;
        var exports = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "exports", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(exports);
        // Last month's export holds only the header: a run that read it instead of the newest would fail.
        var older = Path.Combine(exports, "transactions-2025-05.csv");
        File.WriteAllText(older, File.ReadLines(bundle.TransactionsFile).First() + "\n");
        File.SetLastWriteTimeUtc(older, DateTime.UtcNow.AddDays(-30));
        var newest = Path.Combine(exports, "transactions-2025-06.csv");
        File.Copy(bundle.TransactionsFile, newest);
        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:TransactionsPath"] = Path.Combine(exports, "transactions-*.csv") });
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var started = await admin.PostAsJsonAsync(Runs, new { asOfDate = "2025-06-30" });
        var run = await admin.WaitForRunAsync(started.Headers.Location!);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());

        var data = await admin.GetFromJsonAsync<JsonElement>(new Uri($"{started.Headers.Location}/data", UriKind.Relative));
        Assert.Equal("files", data.GetProperty("source").GetString());
        var inputs = data.GetProperty("inputs").EnumerateArray().ToDictionary(i => i.GetProperty("input").GetString()!);
        Assert.Equal(["customers", "transactions", "serviceEvents"], inputs.Keys);
        var transactions = inputs["transactions"];
        Assert.Equal(newest, transactions.GetProperty("location").GetString());
        Assert.Equal(bundle.Data.Transactions.Count, transactions.GetProperty("rowsLoaded").GetInt64());
        Assert.Equal(new FileInfo(newest).Length, transactions.GetProperty("bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(newest))), transactions.GetProperty("sha256").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(bundle.CustomersFile))), inputs["customers"].GetProperty("sha256").GetString());
        Assert.Equal(bundle.Data.LastOrderDate.ToString("yyyy-MM-dd"), data.GetProperty("lastOrderDate").GetString());
        Assert.Equal(bundle.Data.Customers!.Count, data.GetProperty("customersLoaded").GetInt64());

        // An unknown run is a 404 ProblemDetails, like the run itself.
        using var unknown = await admin.GetAsync(new Uri("/api/v1/scoring-runs/nope/data", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Directory.Delete(exports, recursive: true);
    }

    [Fact]
    public async Task AGlobThatMatchesNothingFailsTheRunNamingTheSetting()
    {
        var empty = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "exports", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(empty);
        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:TransactionsPath"] = Path.Combine(empty, "transactions-*.csv") });
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var started = await admin.PostAsJsonAsync(Runs, new { });
        var run = await admin.WaitForRunAsync(started.Headers.Location!);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("MlCustomer:TransactionsPath", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        using var data = await admin.GetAsync(new Uri($"{started.Headers.Location}/data", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, data.StatusCode);
        Directory.Delete(empty);
    }

    [Fact]
    public void APostgreSqlSourceWithoutAConnectionStringStopsTheStartNamingTheKey()
    {
        using var factory = ApiFactory.With(new Dictionary<string, string?>
        {
            ["MlCustomer:DataSource:Kind"] = "postgresql",
            ["MlCustomer:DataSource:TransactionsQuery"] = "DELETE FROM transactions",
        });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var message = error.ToString();
        Assert.Contains("MlCustomer:DataSource:ConnectionString is required", message, StringComparison.Ordinal);
        Assert.Contains("MlCustomer:DataSource:TransactionsQuery must be a table name (schema.table) or a query starting with SELECT or WITH", message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task RunsReadTablesAndQueriesFromPostgreSqlAfreshEachTimeAndRecordWhatTheyRead()
    {
        var connectionString = TestPostgres.ConnectionString();
        var schema = await TestPostgres.CreateSchemaWithTestDataAsync(connectionString);
        var bundle = TestBundle.Instance;
        using var factory = ApiFactory.With(new Dictionary<string, string?>
        {
            ["MlCustomer:DataSource:Kind"] = "postgresql",
            ["MlCustomer:DataSource:ConnectionString"] = connectionString,
            // A table by name, a query, and a table: both forms the setting accepts.
            ["MlCustomer:DataSource:TransactionsQuery"] = $"{schema}.transactions",
            ["MlCustomer:DataSource:CustomersQuery"] = $"SELECT * FROM {schema}.customers ORDER BY customer_id",
            ["MlCustomer:DataSource:ServiceEventsQuery"] = $"{schema}.service_events",
        });
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var first = await admin.PostAsJsonAsync(Runs, new { asOfDate = "2025-06-30" });
        var firstRun = await admin.WaitForRunAsync(first.Headers.Location!);
        Assert.True(firstRun.GetProperty("status").GetString() == "succeeded", firstRun.ToString());
        Assert.Equal(bundle.Data.Transactions.Count, firstRun.GetProperty("transactionsRead").GetInt64());
        var firstData = await admin.GetFromJsonAsync<JsonElement>(new Uri($"{first.Headers.Location}/data", UriKind.Relative));
        Assert.Equal("postgresql", firstData.GetProperty("source").GetString());
        Assert.Equal(bundle.Data.Transactions.Count, firstData.GetProperty("transactionsLoaded").GetInt64());
        Assert.Equal(bundle.Data.Customers!.Count, firstData.GetProperty("customersLoaded").GetInt64());
        Assert.Equal(bundle.Data.LastOrderDate.ToString("yyyy-MM-dd"), firstData.GetProperty("lastOrderDate").GetString());
        var inputs = firstData.GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(["customers", "transactions", "serviceEvents"], inputs.Select(i => i.GetProperty("input").GetString()));
        Assert.Equal($"{schema}.transactions", inputs[1].GetProperty("location").GetString());
        Assert.All(inputs, i => Assert.Equal(64, i.GetProperty("sha256").GetString()!.Length));

        // The database's customers are scored as the files' would be: a stored customer answers from this run.
        var customerId = bundle.Data.Customers![0].CustomerId;
        var customer = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/customers/{customerId}", UriKind.Relative));
        Assert.Equal(firstRun.GetProperty("id").GetString(), customer.GetProperty("runId").GetString());
        Assert.True(firstRun.GetProperty("customersScored").GetInt64() > 1_000);

        // New orders arrive in the table; the next run reads them without a restart.
        var nextDay = bundle.Data.LastOrderDate.AddDays(1);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await TestPostgres.ExecuteAsync(connection,
                $"INSERT INTO {schema}.transactions (customer_id, order_id, order_date, category, quantity, revenue, cost, discount, channel) " +
                $"SELECT customer_id, 'NEW-' || order_id, DATE '{nextDay:yyyy-MM-dd}', category, quantity, revenue, cost, discount, channel " +
                $"FROM {schema}.transactions WHERE customer_id = '{customerId}' LIMIT 2");
        }

        using var second = await admin.PostAsJsonAsync(Runs, new { });
        var secondRun = await admin.WaitForRunAsync(second.Headers.Location!);
        Assert.True(secondRun.GetProperty("status").GetString() == "succeeded", secondRun.ToString());
        Assert.Equal(nextDay.ToString("yyyy-MM-dd"), secondRun.GetProperty("asOfDate").GetString());
        var secondData = await admin.GetFromJsonAsync<JsonElement>(new Uri($"{second.Headers.Location}/data", UriKind.Relative));
        Assert.Equal(bundle.Data.Transactions.Count + 2, secondData.GetProperty("transactionsLoaded").GetInt64());
        Assert.Equal(nextDay.ToString("yyyy-MM-dd"), secondData.GetProperty("lastOrderDate").GetString());
        var secondInputs = secondData.GetProperty("inputs").EnumerateArray().ToList();
        Assert.NotEqual(inputs[1].GetProperty("sha256").GetString(), secondInputs[1].GetProperty("sha256").GetString());
        Assert.Equal(inputs[0].GetProperty("sha256").GetString(), secondInputs[0].GetProperty("sha256").GetString());

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await TestPostgres.ExecuteAsync(connection, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    [SkippableFact]
    public async Task AQueryMissingAContractColumnFailsTheRunNamingTheColumn()
    {
        var connectionString = TestPostgres.ConnectionString();
        var schema = await TestPostgres.CreateSchemaWithTestDataAsync(connectionString);
        using var factory = ApiFactory.With(new Dictionary<string, string?>
        {
            ["MlCustomer:DataSource:Kind"] = "postgresql",
            ["MlCustomer:DataSource:ConnectionString"] = connectionString,
            ["MlCustomer:DataSource:TransactionsQuery"] = $"SELECT customer_id, order_id, quantity, revenue, cost FROM {schema}.transactions",
        });
        await factory.WaitUntilReadyAsync();
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        using var started = await admin.PostAsJsonAsync(Runs, new { });
        var run = await admin.WaitForRunAsync(started.Headers.Location!);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("order_date", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await TestPostgres.ExecuteAsync(connection, $"DROP SCHEMA {schema} CASCADE");
    }
}
