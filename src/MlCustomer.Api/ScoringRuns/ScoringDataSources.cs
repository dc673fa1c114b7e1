using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MlCustomer.Core.Data;
using Npgsql;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>Where scoring runs read the customer data: the configured files (the default) or a PostgreSQL database.</summary>
public sealed class DataSourceOptions
{
    /// <summary>Configuration section (<c>MlCustomer:DataSource:Kind</c>, <c>…:ConnectionString</c>, <c>…:TransactionsQuery</c>, …).</summary>
    public const string SectionName = "MlCustomer:DataSource";

    /// <summary>The files named by <c>MlCustomer:TransactionsPath</c>, <c>CustomersPath</c> and <c>ServiceEventsPath</c>.</summary>
    public const string Files = "files";

    /// <summary>Tables or queries in the PostgreSQL database of <see cref="ConnectionString"/>.</summary>
    public const string PostgreSql = "postgresql";

    /// <summary><c>files</c> (default) or <c>postgresql</c>.</summary>
    [RegularExpression("^(files|postgresql)$", ErrorMessage = "MlCustomer:DataSource:Kind must be 'files' or 'postgresql'")]
    public string Kind { get; set; } = Files;

    /// <summary>Npgsql connection string of the database the queries run in (kind <c>postgresql</c>); keep its password in a secret.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// A table (<c>sales.order_lines</c>) or a SELECT returning the transactions contract's columns by name
    /// (customer_id, order_id, order_date, quantity, revenue or unit_price, and optionally cost, category, discount, channel).
    /// </summary>
    public string? TransactionsQuery { get; set; }

    /// <summary>A table or SELECT returning the customers contract's columns (customer_id, …); empty for none.</summary>
    public string? CustomersQuery { get; set; }

    /// <summary>A table or SELECT returning the dated service events' columns (customer_id, event_date, …); empty for none.</summary>
    public string? ServiceEventsQuery { get; set; }

    /// <summary>Seconds each query may take before the run fails.</summary>
    [Range(1, 86_400)]
    public int CommandTimeoutSeconds { get; set; } = 600;
}

/// <summary>Refuses a PostgreSQL data source without a connection string or transactions query at start-up, naming the key.</summary>
internal sealed class DataSourceOptionsValidation : IValidateOptions<DataSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, DataSourceOptions options)
    {
        if (options.Kind != DataSourceOptions.PostgreSql)
        {
            return ValidateOptionsResult.Success;
        }

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add("MlCustomer:DataSource:ConnectionString is required when MlCustomer:DataSource:Kind is 'postgresql'");
        }

        if (string.IsNullOrWhiteSpace(options.TransactionsQuery))
        {
            problems.Add("MlCustomer:DataSource:TransactionsQuery (a table or a SELECT) is required when MlCustomer:DataSource:Kind is 'postgresql'");
        }

        foreach (var (key, value) in new[] { ("TransactionsQuery", options.TransactionsQuery), ("CustomersQuery", options.CustomersQuery), ("ServiceEventsQuery", options.ServiceEventsQuery) })
        {
            if (!string.IsNullOrWhiteSpace(value) && PostgresScoringDataSource.SelectOf(value) is null)
            {
                problems.Add($"MlCustomer:DataSource:{key} must be a table name (schema.table) or a query starting with SELECT or WITH");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>What a run read: the data and the record of where it came from.</summary>
/// <param name="DataSet">The loaded, validated data.</param>
/// <param name="Record">Which data it was (sources, row counts, content hashes, last order date).</param>
public sealed record ScoringDataRead(CustomerDataSet DataSet, DataReadRecord Record);

/// <summary>The data one scoring run read, so a later reader can tell which export or table state it scored.</summary>
/// <param name="Source"><c>files</c> or <c>postgresql</c>.</param>
/// <param name="ReadAt">When the data was read.</param>
/// <param name="Inputs">Each input (transactions, customers, service events) as read.</param>
/// <param name="FirstOrderDate">The earliest order date read.</param>
/// <param name="LastOrderDate">The latest order date read: how fresh the data was.</param>
/// <param name="TransactionsLoaded">Order lines loaded (after any skipped rows).</param>
/// <param name="CustomersLoaded">Customer records loaded; null without a customers input.</param>
public sealed record DataReadRecord(
    string Source, DateTimeOffset ReadAt, IReadOnlyList<DataInputRead> Inputs, DateOnly? FirstOrderDate, DateOnly? LastOrderDate,
    long TransactionsLoaded, long? CustomersLoaded);

/// <summary>One input of a run's data.</summary>
/// <param name="Input"><c>transactions</c>, <c>customers</c> or <c>serviceEvents</c>.</param>
/// <param name="Location">The file read (its full path), or the table/query run (never the connection string).</param>
/// <param name="RowsRead">Data rows read.</param>
/// <param name="RowsLoaded">Rows loaded; the others were skipped.</param>
/// <param name="Bytes">Bytes read (the file, or the query's rows in CSV form).</param>
/// <param name="Sha256">Hex SHA-256 of those bytes: two runs with the same hash read the same data.</param>
/// <param name="LastModified">The file's last write time; null for a query.</param>
public sealed record DataInputRead(string Input, string Location, long RowsRead, long RowsLoaded, long Bytes, string Sha256, DateTimeOffset? LastModified);

/// <summary>Reads the customer data for one scoring run; asked afresh by every run, so a run always sees the current data.</summary>
public interface IScoringDataSource
{
    /// <summary>
    /// Reads and validates the data with <paramref name="load"/> (the bundle's margin rates for lines without cost);
    /// throws <see cref="DataFileException"/> (or <see cref="NpgsqlException"/>) naming the problem.
    /// </summary>
    Task<ScoringDataRead> ReadAsync(LoadOptions load, CancellationToken cancellationToken);
}

/// <summary>
/// The configured files. Each path may end in a wildcard file name (<c>exports/transactions-*.csv</c>): each run then
/// takes the newest matching file, so a nightly export dropped beside the old ones is scored by the next run.
/// </summary>
internal sealed class FileScoringDataSource(IOptions<DataOptions> options, IHostEnvironment environment, TimeProvider time) : IScoringDataSource
{
    public Task<ScoringDataRead> ReadAsync(LoadOptions load, CancellationToken cancellationToken)
    {
        var data = options.Value;
        var transactions = Resolve(data.TransactionsPath, "MlCustomer:TransactionsPath")!;
        var customers = Resolve(data.CustomersPath, "MlCustomer:CustomersPath");
        var serviceEvents = Resolve(data.ServiceEventsPath, "MlCustomer:ServiceEventsPath");
        var readAt = time.GetUtcNow();
        var dataSet = CustomerDataLoader.Load(transactions, customers, load, serviceEvents);
        cancellationToken.ThrowIfCancellationRequested();
        // Hashing after loading reads each file a second time, from the page cache; a file replaced in between would
        // show as a hash that no run's data matches, which the last-modified time then explains.
        var inputs = new List<DataInputRead> { Describe("transactions", transactions, dataSet.Report.Files[customers is null ? 0 : 1]) };
        if (customers is not null)
        {
            inputs.Insert(0, Describe("customers", customers, dataSet.Report.Files[0]));
        }

        if (serviceEvents is not null)
        {
            inputs.Add(Describe("serviceEvents", serviceEvents, dataSet.Report.Files[^1]));
        }

        return Task.FromResult(new ScoringDataRead(dataSet, ScoringDataRecords.Record(DataSourceOptions.Files, readAt, inputs, dataSet)));
    }

    private string? Resolve(string? configured, string key)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }

        var path = Path.GetFullPath(configured, environment.ContentRootPath);
        var name = Path.GetFileName(path);
        if (name.IndexOfAny(['*', '?']) < 0)
        {
            return path;
        }

        var folder = Path.GetDirectoryName(path)!;
        var newest = Directory.Exists(folder)
            ? new DirectoryInfo(folder).EnumerateFiles(name).OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return newest?.FullName ?? throw new DataFileException(path, 0, null, $"no file matches {key} ('{configured}') in {folder}");
    }

    private static DataInputRead Describe(string input, string path, FileLoadReport report)
    {
        var file = new FileInfo(path);
        using var stream = file.OpenRead();
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new DataInputRead(input, file.FullName, report.RowsRead, report.RowsLoaded, file.Length, hash, file.LastWriteTimeUtc);
    }
}

/// <summary>
/// Tables or queries in PostgreSQL. Each query's rows are copied out with <c>COPY (…) TO STDOUT (FORMAT csv, HEADER)</c>
/// (PostgreSQL's fast path) into a temporary file, and that file is read by the same loader as an exported file, so
/// a database holds the data to the same contract, with the same checks and messages.
/// </summary>
internal sealed partial class PostgresScoringDataSource(IOptions<DataSourceOptions> options, TimeProvider time) : IScoringDataSource
{
    public async Task<ScoringDataRead> ReadAsync(LoadOptions load, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var folder = Directory.CreateTempSubdirectory("mlcustomer-pg-data-");
        try
        {
            var readAt = time.GetUtcNow();
            await using var connection = new NpgsqlConnection(settings.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            // One snapshot for the three queries, so customers, orders and events agree with each other.
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            var queries = new List<(string Input, string Query, string File)>();
            if (!string.IsNullOrWhiteSpace(settings.CustomersQuery))
            {
                queries.Add(("customers", settings.CustomersQuery, Path.Combine(folder.FullName, "customers (PostgreSQL).csv")));
            }

            queries.Add(("transactions", settings.TransactionsQuery!, Path.Combine(folder.FullName, "transactions (PostgreSQL).csv")));
            if (!string.IsNullOrWhiteSpace(settings.ServiceEventsQuery))
            {
                queries.Add(("serviceEvents", settings.ServiceEventsQuery, Path.Combine(folder.FullName, "service-events (PostgreSQL).csv")));
            }

            var exported = new List<(long Bytes, string Sha256)>();
            foreach (var (_, query, file) in queries)
            {
                exported.Add(await ExportAsync(connection, query, file, settings.CommandTimeoutSeconds, cancellationToken));
            }

            await transaction.CommitAsync(cancellationToken);
            string? FileOf(string input) => queries.FirstOrDefault(q => q.Input == input).File;
            var dataSet = CustomerDataLoader.Load(FileOf("transactions")!, FileOf("customers"), load, FileOf("serviceEvents"));
            var inputs = queries.Select((q, i) => new DataInputRead(
                q.Input, q.Query.Trim(), dataSet.Report.Files[i].RowsRead, dataSet.Report.Files[i].RowsLoaded, exported[i].Bytes, exported[i].Sha256, null)).ToList();
            return new ScoringDataRead(dataSet, ScoringDataRecords.Record(DataSourceOptions.PostgreSql, readAt, inputs, dataSet));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The SELECT for a configured table name or query; null when it is neither.</summary>
    internal static string? SelectOf(string configured)
    {
        var text = configured.Trim().TrimEnd(';').Trim();
        if (TableName().IsMatch(text))
        {
            // Quoted, so the name is taken as written (case and all) and nothing else can ride along with it.
            return "SELECT * FROM " + string.Join('.', text.Split('.').Select(part => "\"" + part + "\""));
        }

        return QueryStart().IsMatch(text) ? text : null;
    }

    private static async Task<(long Bytes, string Sha256)> ExportAsync(
        NpgsqlConnection connection, string configured, string file, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var select = SelectOf(configured) ?? throw new ArgumentException($"'{configured}' is neither a table name nor a SELECT");
        // ISO dates whatever the server's default, so the loader reads them as yyyy-MM-dd; and the run's time limit.
        await using (var setup = new NpgsqlCommand($"SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL statement_timeout = {timeoutSeconds * 1000}", connection))
        {
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        await using (var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false)))
        using (var reader = await connection.BeginTextExportAsync($"COPY ({select}) TO STDOUT (FORMAT csv, HEADER true)", cancellationToken))
        {
            var buffer = new char[1 << 15];
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }

        // The hash of the file as written (the bytes the loader reads), from the page cache.
        await using var written = File.OpenRead(file);
        return (written.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(written, cancellationToken)));
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")]
    private static partial Regex TableName();

    [GeneratedRegex(@"^(SELECT|WITH)\s", RegexOptions.IgnoreCase)]
    private static partial Regex QueryStart();
}

/// <summary>The record of a read, computed once for both sources.</summary>
internal static class ScoringDataRecords
{
    public static DataReadRecord Record(string source, DateTimeOffset readAt, IReadOnlyList<DataInputRead> inputs, CustomerDataSet dataSet) => new(
        source,
        readAt,
        inputs,
        dataSet.Transactions.Count == 0 ? null : dataSet.FirstOrderDate,
        dataSet.Transactions.Count == 0 ? null : dataSet.LastOrderDate,
        dataSet.Transactions.Count,
        dataSet.Customers?.Count);
}
