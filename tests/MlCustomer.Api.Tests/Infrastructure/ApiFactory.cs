using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MlCustomer.Core.Bundle;

namespace MlCustomer.Api.Tests.Infrastructure;

/// <summary>
/// The API as it runs, with test infrastructure swapped in: a temporary bundles root holding a copy of
/// the test bundle, a temporary SQLite file, the generated data files and test API keys.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    /// <summary>Admin key of the tests.</summary>
    public const string AdminKey = "test-admin-key";

    /// <summary>Scorer key of the tests.</summary>
    public const string ScorerKey = "test-scorer-key";

    /// <summary>Marketing key of the tests (reads results, uses the workspace, never scores).</summary>
    public const string MarketingKey = "test-marketing-key";

    /// <summary>Name of the folder (under <see cref="BundlesRoot"/>) loaded at start.</summary>
    public const string ActiveBundle = "active";

    private readonly Dictionary<string, string?> overrides;

    private readonly Action<IServiceCollection>? services;

    /// <summary>The factory with the test defaults (the one xunit creates for class fixtures).</summary>
    public ApiFactory()
        : this(null, withBundle: true, "Testing", withKeys: true, services: null)
    {
    }

    /// <summary>A factory with <paramref name="settings"/> over the test defaults (for subclasses that swap the store).</summary>
    protected ApiFactory(IReadOnlyDictionary<string, string?>? settings, bool withBundle, string environment, bool withKeys, Action<IServiceCollection>? services)
    {
        Environment = environment;
        this.services = services;
        Directory.CreateDirectory(BundlesRoot);
        var bundle = TestBundle.Instance;
        if (withBundle)
        {
            bundle.CopyTo(Path.Combine(BundlesRoot, ActiveBundle));
        }
        else
        {
            Directory.CreateDirectory(Path.Combine(BundlesRoot, ActiveBundle));
        }

        overrides = new Dictionary<string, string?>
        {
            // The bundle comes from a temporary bundles root, so reload tests can add and damage bundles.
            ["MlCustomer:BundlesRoot"] = BundlesRoot,
            ["MlCustomer:BundlePath"] = Path.Combine(BundlesRoot, ActiveBundle),
            // A temporary database file per factory, so tests never see each other's runs.
            ["MlCustomer:DatabasePath"] = Path.Combine(Root, "api.db"),
            // The shipped settings rehearse a run at start-up (2–3 s of CPU); test hosts start by the dozen, and
            // ScoringRunWarmUpTests covers the rehearsal itself.
            ["MlCustomer:WarmUpRunOnStart"] = "false",
            // Scoring runs read the generated data, not the repository's training-data/.
            ["MlCustomer:TransactionsPath"] = bundle.TransactionsFile,
            ["MlCustomer:CustomersPath"] = bundle.CustomersFile,
            ["MlCustomer:ServiceEventsPath"] = bundle.ServiceEventsFile,
            // No overload shedding: parallel test hosts on a busy 2-core machine make the thread pool's queue wait
            // beyond 100 ms for reasons that are not the request's; LimitsTests switch it on with a stand-in delay.
            ["MlCustomer:Limits:MaxQueueDelayMilliseconds"] = "0",
        };
        if (withKeys)
        {
            foreach (var (key, value) in new Dictionary<string, string?>
            {
                // Test keys, stored as their hashes like real ones; indices 10 to 12 leave the development keys (0, 1) in place.
                ["MlCustomer:ApiKeys:10:Name"] = "test-admin",
                ["MlCustomer:ApiKeys:10:Role"] = "admin",
                ["MlCustomer:ApiKeys:10:Sha256"] = Hash(AdminKey),
                ["MlCustomer:ApiKeys:11:Name"] = "test-scorer",
                ["MlCustomer:ApiKeys:11:Role"] = "scorer",
                ["MlCustomer:ApiKeys:11:Sha256"] = Hash(ScorerKey),
                ["MlCustomer:ApiKeys:12:Name"] = "test-marketing",
                ["MlCustomer:ApiKeys:12:Role"] = "marketing",
                ["MlCustomer:ApiKeys:12:Sha256"] = Hash(MarketingKey),
            })
            {
                overrides[key] = value;
            }
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }
    }

    /// <summary>
    /// A factory with <paramref name="settings"/> over the test defaults, optionally with an empty start folder, another
    /// environment, no API keys or <paramref name="services"/> replaced (applied after the API's own registrations).
    /// </summary>
    public static ApiFactory With(
        IReadOnlyDictionary<string, string?>? settings = null, bool withBundle = true, string environment = "Testing", bool withKeys = true,
        Action<IServiceCollection>? services = null) =>
        new(settings, withBundle, environment, withKeys, services);

    /// <summary>The PostgreSQL store's connection string (<c>MlCustomer:Storage:PostgreSql</c>), or null when the scores live in the SQLite file.</summary>
    public string? StorePostgreSql => overrides.GetValueOrDefault("MlCustomer:Storage:PostgreSql");

    /// <summary>
    /// The value of <paramref name="sql"/> (one number) in this factory's store, whichever it is: the SQLite file or the
    /// PostgreSQL schema. Tests read what was stored with it.
    /// </summary>
    public long StoreScalar(string sql)
    {
        using System.Data.Common.DbConnection connection = StorePostgreSql is { } postgres
            ? new Npgsql.NpgsqlConnection(postgres)
            : new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.Combine(Root, "api.db"), Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Test SQL built from the test's own values.
        command.CommandText = sql;
#pragma warning restore CA2100
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>This factory's temporary folder.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "factories", Guid.NewGuid().ToString("N"));

    /// <summary>The bundles root reloads resolve names under.</summary>
    public string BundlesRoot => Path.Combine(Root, "bundles");

    /// <summary>The hosting environment.</summary>
    public string Environment { get; }

    /// <summary>Hex SHA-256 of a key, as configured.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A client sending <paramref name="key"/> (none when null).</summary>
    public HttpClient ClientWith(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    /// <summary>Waits until the startup load has made the API ready.</summary>
    public async Task WaitUntilReadyAsync()
    {
        using var client = CreateClient();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The API did not become ready in 15 s.");
    }

    /// <summary>Adds a copy of the test bundle under the bundles root and returns its version; a variant other than 0 is another, correctly versioned bundle (see <see cref="TestBundle.CopyTo"/>).</summary>
    public string AddBundle(string name, int variant = 0) => TestBundle.Instance.CopyTo(Path.Combine(BundlesRoot, name), variant);

    /// <summary>Adds a bundle folder with only a card: ModelBundle.Load must refuse it.</summary>
    public string AddBrokenBundle(string name)
    {
        var folder = Path.Combine(BundlesRoot, name);
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(TestBundle.Instance.BundleFolder, ModelBundle.CardFile), Path.Combine(folder, ModelBundle.CardFile));
        return name;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // "Testing" keeps appsettings.Development.json (and its development keys) out unless a test asks for it.
        builder.UseEnvironment(Environment);
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(overrides));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // SQLite's pooled connections may still hold the file for a moment; the temp folder is cleaned by the OS.
            }
        }
    }
}
