using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.OpenApi;

/// <summary>
/// A TypeScript client as a web or Node developer would make it: types generated from the committed snapshot with
/// openapi-typescript, a small client over openapi-fetch that calls every operation (tools/openapi/client), compiled
/// with tsc (strict) and run with node against the API on a real port. Needs node and <c>npm ci</c> in tools/openapi:
/// without them the test skips locally, saying how to install them; with CI=true that is a failure.
/// </summary>
public sealed class TypeScriptClientTests : IDisposable
{
    private static readonly string Tools = Path.Combine(Requests.RepositoryRoot(), "tools", "openapi");
    private readonly ApiFactory factory = ApiFactory.With();

    [SkippableFact]
    public async Task AClientGeneratedWithOpenApiTypeScriptCompilesAndCallsEveryOperation()
    {
        RequireNode();
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        await factory.WaitUntilReadyAsync();
        var body = Path.Combine(factory.Root, "score-request.json");
        await File.WriteAllTextAsync(body, Requests.FeaturesBody(3).ToJsonString());

        var generated = await RunAsync("node", "client/generate.mjs");
        Assert.True(generated.ExitCode == 0, generated.Output);
        // Emits JavaScript too (dist/), so that node can run the same client that was type-checked.
        var compiled = await RunAsync("node", "node_modules/typescript/bin/tsc -p client");
        Assert.True(compiled.ExitCode == 0, compiled.Output);
        var run = await RunAsync("node", "client/dist/smoke.js", new Dictionary<string, string>
        {
            ["MLC_BASE_URL"] = address,
            ["MLC_SCORER_KEY"] = ApiFactory.ScorerKey,
            ["MLC_ADMIN_KEY"] = ApiFactory.AdminKey,
            ["MLC_MARKETING_KEY"] = ApiFactory.MarketingKey,
            ["MLC_SCORE_BODY"] = body,
            ["MLC_CSV"] = Path.Combine(Requests.RepositoryRoot(), "src", "MlCustomer.Api", "examples", "features-20-customers.csv"),
        });

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Matches(@"(?m)^2\d passed, 0 failed$", run.Output);
    }

    public void Dispose() => factory.Dispose();

    private static void RequireNode()
    {
        if (File.Exists(Path.Combine(Tools, "node_modules", "typescript", "bin", "tsc")) && File.Exists(Path.Combine(Tools, "node_modules", "openapi-fetch", "package.json")))
        {
            return;
        }

        var message = $"The TypeScript tools are not installed: apt-get install -y nodejs npm, then npm ci in {Tools}.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true: the TypeScript client test must run. {message}");
        }

        Skip.If(true, message);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = Tools,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} ran longer than 3 minutes: {await output}{await error}");
        }

        return (process.ExitCode, $"{file} {arguments}:\n{await output}{await error}");
    }
}
