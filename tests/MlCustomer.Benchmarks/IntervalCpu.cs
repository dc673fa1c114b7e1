using System.Diagnostics;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Benchmarks;

/// <summary>
/// The CPU one 80% value interval costs, per form, with a bundle's calibration and the committed customers' own
/// predictions and two parts: 1,000,000 calls of <see cref="ValueIntervals.For(double, TwoPartPrediction, ValueIntervalForm, string)"/>
/// per form after a warm-up round, alternated three times, process CPU and wall.
/// Run: <c>dotnet run -c Release --project tests/MlCustomer.Benchmarks -- interval-cpu BUNDLE</c> (a bundle trained on
/// training-data/ whose card has both two-part forms, e.g. <c>train -o BUNDLE</c>).
/// </summary>
internal static class IntervalCpu
{
    private const int Calls = 1_000_000;

    public static int Run(string bundleFolder)
    {
        var ml = new MLContext(seed: 1);
        var bundle = ModelBundle.Load(ml, bundleFolder);
        var intervals = bundle.Card.LifetimeValue?.Intervals;
        if (intervals?.Deciles is null || intervals.TwoPart is null)
        {
            Console.Error.WriteLine($"{bundleFolder}: the card has no two-part decile form; train the bundle on this version first.");
            return 1;
        }

        var folder = Path.Combine(ScoringBenchmarks.RepositoryRoot(), "training-data");
        var data = CustomerDataLoader.Load(
            Path.Combine(folder, "transactions.csv"), Path.Combine(folder, "customers.csv"), new LoadOptions(), Path.Combine(folder, "service-events.csv"));
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = bundle.Card.AsOfDate!.Value, IncludeLabels = false });
        var mapper = new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames);
        var rows = table.Rows.Select(mapper.From).ToList();
        var schema = bundle.Card.FeatureContract.Schema;
        var predicted = LifetimeValueTrainer.Predict(ml, bundle.LifetimeValue!, schema, rows, bundle.Card.LifetimeValue!.Blend);
        var parts = LifetimeValueTrainer.PredictParts(ml, bundle.LifetimeValue!, schema, rows)!;
        Console.WriteLine($"{rows.Count:N0} customers, {Calls:N0} calls per form and round");
        foreach (var round in Enumerable.Range(0, 4))
        {
            foreach (var form in new[] { ValueIntervalForm.Customer, ValueIntervalForm.Decile })
            {
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                var sum = 0.0;
                for (var k = 0; k < Calls; k++)
                {
                    var i = k % rows.Count;
                    sum += intervals.For(predicted[i], parts[i], form, rows[i].CustomerId).P90;
                }

                process.Refresh();
                var used = process.TotalProcessorTime - cpu;
                if (round > 0)
                {
                    Console.WriteLine($"round {round} {ValueIntervals.FormName(form),-8}: {used.TotalMilliseconds * 1e6 / Calls:0} ns CPU, {wall.Elapsed.TotalMilliseconds * 1e6 / Calls:0} ns wall per interval (checksum {sum:0})");
                }
            }
        }

        return 0;
    }
}
