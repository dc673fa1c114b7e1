using MlCustomer.Api.Cluster;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MlCustomer.Api.Tests.Cluster;

/// <summary>The committed table scripts of the coordination database.</summary>
public sealed class ClusterSchemaTests
{
    [Fact]
    public void TheCommittedQuartzScriptIsTheOneTheReferencedQuartzPackageRuns()
    {
        // Quartz embeds the schema its store validates; the committed copy must be that very script, with the prefix filled in.
        using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream("Quartz.Impl.AdoJobStore.Schema.create_postgres.sql");
        Assert.NotNull(stream);
        using var reader = new StreamReader(stream);
        var quartz = reader.ReadToEnd().Replace("{0}", "qrtz_", StringComparison.Ordinal).Replace("{1}", "qrtz_", StringComparison.Ordinal);

        var committed = ClusterDatabase.ReadScript("quartz-tables-postgres.sql");

        Assert.EndsWith(quartz.ReplaceLineEndings("\n").TrimEnd(), committed.ReplaceLineEndings("\n").TrimEnd(), StringComparison.Ordinal);
        Assert.All(ClusterDatabase.Statements(committed), s => Assert.Contains("IF NOT EXISTS", s, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task ReplicasStartingTogetherCreateTheTablesOnceAndAgainChangesNothing()
    {
        var connectionString = await Replica.NewClusterDatabaseAsync();
        var options = Options.Create(new ClusterOptions { PostgreSql = connectionString });
        var replicas = Enumerable.Range(0, 4).Select(_ => new ClusterDatabase(options, NullLogger<ClusterDatabase>.Instance)).ToList();

        await Task.WhenAll(replicas.Select(r => Task.Run(r.EnsureSchema)));
        using var again = new ClusterDatabase(options, NullLogger<ClusterDatabase>.Instance);
        again.EnsureSchema();

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND (table_name LIKE 'qrtz\\_%' OR table_name LIKE 'mlcustomer\\_%')", connection);
        var expected = ClusterDatabase.Scripts.SelectMany(s => ClusterDatabase.Statements(ClusterDatabase.ReadScript(s))).Count(s => s.Contains("CREATE TABLE", StringComparison.Ordinal));
        Assert.Equal((long)expected, (long)(await tables.ExecuteScalarAsync())!);
        replicas.ForEach(r => r.Dispose());
    }
}
