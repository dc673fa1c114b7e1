using BenchmarkDotNet.Running;
using MlCustomer.Benchmarks;

// The benchmarks read the committed models/ and training-data/ (found above the build folder):
//   dotnet run -c Release --project tests/MlCustomer.Benchmarks -- --filter '*' --job short
// "shed" is not a BenchmarkDotNet run but an HTTP load against a running API (see shed-load.sh).
if (args is ["explain-cpu", .. var explainOptions])
{
    // --served-only: just the served TreeSHAP case, for a profiler (perf record with DOTNET_PerfMapEnabled=1).
    // --lightgbm [leaves [trees]]: the served TreeSHAP case with the churn model refitted as LightGBM (the card's
    // settings, or that many leaves per tree and trees).
    if (explainOptions is ["--lightgbm", .. var leaves])
    {
        int? Number(int at) => leaves.Length > at ? int.Parse(leaves[at], System.Globalization.CultureInfo.InvariantCulture) : null;
        return ExplanationCpu.RunLightGbm(Number(0), Number(1));
    }

    return ExplanationCpu.Run(servedOnly: explainOptions.Contains("--served-only"));
}

if (args is ["interval-cpu", var bundleFolder])
{
    return IntervalCpu.Run(bundleFolder);
}

if (args is ["run-cpu", var folder])
{
    return RunCpu.Run(folder);
}

if (args is ["shed", .. var rest])
{
    return await LoadShedding.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(ScoringBenchmarks).Assembly).Run(args);
return 0;
