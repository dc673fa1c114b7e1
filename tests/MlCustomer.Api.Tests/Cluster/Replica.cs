using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MlCustomer.Api.Tests.Infrastructure;
using Npgsql;

namespace MlCustomer.Api.Tests.Cluster;

/// <summary>
/// One API replica as it is deployed: the built MlCustomer.Api.dll run by <c>dotnet</c> in a process of its own, on a free
/// loopback port, configured by environment variables only, with its own folder (bundles root, SQLite store, keys folder)
/// and the cluster's coordination database.
/// </summary>
public sealed class Replica : IAsyncDisposable
{
    private readonly StringBuilder output = new();
    private readonly Dictionary<string, string> settings;
    private Process? process;

    /// <summary>A replica (not started) with the test bundle as its start bundle <c>active</c>, and <paramref name="settings"/> (keys with ':') over the defaults.</summary>
    public Replica(string name, string clusterConnectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        Name = name;
        Directory.CreateDirectory(BundlesRoot);
        TestBundle.Instance.CopyTo(Path.Combine(BundlesRoot, "active"));
        var bundle = TestBundle.Instance;
        this.settings = new Dictionary<string, string>
        {
            ["MlCustomer:BundlesRoot"] = BundlesRoot,
            ["MlCustomer:BundlePath"] = Path.Combine(BundlesRoot, "active"),
            ["MlCustomer:DatabasePath"] = Path.Combine(Root, "api.db"),
            // Each replica has its own keys folder: sessions that work across replicas prove the keys come from the database.
            ["MlCustomer:Workspace:KeysPath"] = Path.Combine(Root, "keys"),
            ["MlCustomer:TransactionsPath"] = bundle.TransactionsFile,
            ["MlCustomer:CustomersPath"] = bundle.CustomersFile,
            ["MlCustomer:ServiceEventsPath"] = bundle.ServiceEventsFile,
            ["MlCustomer:Limits:MaxQueueDelayMilliseconds"] = "0",
            ["MlCustomer:Cluster:PostgreSql"] = clusterConnectionString,
            ["MlCustomer:ApiKeys:10:Name"] = "test-admin",
            ["MlCustomer:ApiKeys:10:Role"] = "admin",
            ["MlCustomer:ApiKeys:10:Sha256"] = ApiFactory.Hash(ApiFactory.AdminKey),
            ["MlCustomer:ApiKeys:11:Name"] = "test-scorer",
            ["MlCustomer:ApiKeys:11:Role"] = "scorer",
            ["MlCustomer:ApiKeys:11:Sha256"] = ApiFactory.Hash(ApiFactory.ScorerKey),
            ["MlCustomer:ApiKeys:12:Name"] = "test-marketing",
            ["MlCustomer:ApiKeys:12:Role"] = "marketing",
            ["MlCustomer:ApiKeys:12:Sha256"] = ApiFactory.Hash(ApiFactory.MarketingKey),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            this.settings[key] = value;
        }
    }

    /// <summary>The replica's name in messages.</summary>
    public string Name { get; }

    /// <summary>This replica's folder.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "replicas", Guid.NewGuid().ToString("N"));

    /// <summary>The bundles root reloads resolve names under.</summary>
    public string BundlesRoot => Path.Combine(Root, "bundles");

    /// <summary>The address it listens on, once started.</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The running process's id (it names the replica in run leases), or null when stopped.</summary>
    public int? ProcessId => process is { HasExited: false } running ? running.Id : null;

    /// <summary>What the process wrote so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts the process on a free port and waits until its readiness answers 200.</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        var port = FreePort();
        Address = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "MlCustomer.Api.dll"), "--urls", Address.ToString().TrimEnd('/')])
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // The shipped settings rehearse a run at start-up (seconds of CPU each): the replicas here start often.
        start.Environment["MlCustomer__WarmUpRunOnStart"] = "false";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = Client(null);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(90)))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Replica {Name} exited with {process.ExitCode}:\n{Output}");
            }

            try
            {
                using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Replica {Name} did not become ready:\n{Output}");
    }

    /// <summary>A client of this replica sending <paramref name="key"/> (none when null).</summary>
    public HttpClient Client(string? key, HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = Address;
        client.Timeout = TimeSpan.FromSeconds(60);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    /// <summary>Adds a bundle folder under this replica's bundles root (see <see cref="TestBundle.CopyTo"/>) and returns its version.</summary>
    public string AddBundle(string name, int variant) => TestBundle.Instance.CopyTo(Path.Combine(BundlesRoot, name), variant);

    /// <summary>Stops the process (SIGKILL: a replica that dies is the case that matters) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        process = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment; the temporary folder is the OS's to clean.
        }
    }

    /// <summary>A new, empty database on the test PostgreSQL, so every test has its own coordination tables; returns its connection string.</summary>
    public static async Task<string> NewClusterDatabaseAsync()
    {
        var server = TestPostgres.ConnectionString();
        var name = "cluster_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await TestPostgres.ExecuteAsync(connection, $"CREATE DATABASE {name}");
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
