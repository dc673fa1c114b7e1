using System.Diagnostics;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Benchmarks;

/// <summary>
/// The CPU cost of reasons per 10,000 customers, measured as process CPU time rather than wall time so that it holds
/// on a shared machine: batch scoring without reasons, with ML.NET's contributions (the card's tree covers removed)
/// and with TreeSHAP. Customers/s on two free cores ≈ 2 × 10,000 ÷ CPU seconds per call.
/// Run: <c>dotnet run -c Release --project tests/MlCustomer.Benchmarks -- explain-cpu</c>.
/// </summary>
internal static class ExplanationCpu
{
    /// <summary>
    /// The served TreeSHAP case for a LightGBM churn model: the card's churn settings (or <paramref name="leaves"/> leaves
    /// per tree, <paramref name="trees"/> trees) fitted with LightGBM on the committed training customers, with covers and a Platt calibrator, in place
    /// of the bundle's FastTree model.
    /// </summary>
    public static int RunLightGbm(int? leaves, int? trees = null)
    {
        var ml = new MLContext(seed: 1);
        var root = ScoringBenchmarks.RepositoryRoot();
        var committed = ModelBundle.Load(ml, Path.Combine(root, "models"));
        var data = CustomerDataLoader.Load(
            Path.Combine(root, "training-data", "transactions.csv"), Path.Combine(root, "training-data", "customers.csv"), new LoadOptions(),
            Path.Combine(root, "training-data", "service-events.csv"));
        var labelled = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = committed.Card.AsOfDate!.Value, IncludeLabels = true });
        var mapper = new FeatureRows(committed.Card.FeatureContract, labelled.AttributeNames);
        var rows = labelled.Rows.Select(r =>
        {
            var row = mapper.From(r);
            row.Label = r.Churned == true;
            return row;
        }).ToList();
        var schema = committed.Card.FeatureContract.Schema;
        var options = committed.Card.Churn.Hyperparameters with { Algorithm = Core.Churn.ChurnAlgorithm.LightGbm };
        options = leaves is { } n ? options with { NumberOfLeaves = n } : options;
        options = trees is { } count ? options with { NumberOfTrees = count } : options;
        var fit = Stopwatch.StartNew();
        var (chain, covers) = Core.Churn.ChurnTrainer.Fit(ml, schema, rows, options);
        var scores = Core.Churn.ChurnTrainer.RawScores(ml, chain, schema, rows);
        var bundle = new ModelBundle(
            committed.Card with
            {
                Churn = committed.Card.Churn with
                {
                    TreeCovers = covers,
                    Calibrator = Core.Evaluation.PlattCalibrator.Fit(scores, rows.Select(r => r.Label).ToArray()),
                    SlotNames = ModelExplanations.SlotNames(chain, schema.Load(ml, []).Schema),
                },
            },
            chain, committed.Segments, committed.LifetimeValue, committed.Rules, committed.Revenue);
        var shap = new BundleScorer(ml, bundle);
        var fitted = Core.Explanations.BundleTrees.Find(chain).Single().Model.TrainedTreeEnsemble.Trees;
        Console.WriteLine(
            $"LightGBM churn: {fitted.Count} trees of up to {fitted.Max(t => t.NumberOfLeaves)} leaves fitted on {rows.Count:N0} customers in {fit.Elapsed.TotalSeconds:0.0} s; " +
            $"compiled: {shap.IsCompiled} ({shap.NotCompiledReason}); TreeSHAP: {shap.Explainer is not null}");
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = data.LastOrderDate, IncludeLabels = false });
        var batch = Enumerable.Range(0, 10_000).Select(i => table.Rows[i % table.Rows.Count]).ToList();
        foreach (var (name, score) in new (string, Func<int>)[]
        {
            ("LightGBM, no reasons", () => shap.Score(batch, table.AttributeNames, reasons: 0).Count),
            ("LightGBM, 3 reasons, TreeSHAP (served)", () => shap.Score(batch, table.AttributeNames).Count),
        })
        {
            Measure(name, score, warmup: 3, calls: 10);
        }

        return 0;
    }

    private static void Measure(string name, Func<int> score, int warmup, int calls)
    {
        for (var i = 0; i < warmup; i++)
        {
            score();
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            score();
        }

        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / calls;
        var wallMs = wall.Elapsed.TotalMilliseconds / calls;
        Console.WriteLine(
            $"{name}: {cpuMs:0.0} ms CPU and {wallMs:0.0} ms wall per 10,000 → {2 * 10_000 / (cpuMs / 1000):N0} customers/s on two free cores " +
            $"({10_000 / (wallMs / 1000):N0}/s wall here)");
    }

    public static int Run(bool servedOnly)
    {
        var ml = new MLContext(seed: 1);
        var root = ScoringBenchmarks.RepositoryRoot();
        var bundle = ModelBundle.Load(ml, Path.Combine(root, "models"));
        var data = CustomerDataLoader.Load(
            Path.Combine(root, "training-data", "transactions.csv"), Path.Combine(root, "training-data", "customers.csv"), new LoadOptions(),
            Path.Combine(root, "training-data", "service-events.csv"));
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = data.LastOrderDate, IncludeLabels = false });
        var batch = Enumerable.Range(0, 10_000).Select(i => table.Rows[i % table.Rows.Count]).ToList();
        var card = bundle.Card with
        {
            Churn = bundle.Card.Churn with { TreeCovers = null },
            LifetimeValue = bundle.Card.LifetimeValue is null ? null : bundle.Card.LifetimeValue with { TreeCovers = null },
        };
        var contributions = new BundleScorer(ml, new ModelBundle(card, bundle.Churn, bundle.Segments, bundle.LifetimeValue, bundle.Rules, bundle.Revenue));
        var shap = new BundleScorer(ml, bundle);
        Console.WriteLine($"compiled: {shap.IsCompiled}; TreeSHAP: {shap.Explainer is not null}; contributions path explainer: {contributions.Explainer is not null}");
        foreach (var (name, score) in new (string, Func<int>)[]
        {
            ("no reasons", () => shap.Score(batch, table.AttributeNames, reasons: 0).Count),
            ("3 reasons, ML.NET contributions (before)", () => contributions.Score(batch, table.AttributeNames).Count),
            ("3 reasons, TreeSHAP (served)", () => shap.Score(batch, table.AttributeNames).Count),
        }.Where(c => !servedOnly || c.Item1.Contains("served", StringComparison.Ordinal)))
        {
            for (var i = 0; i < 30; i++)
            {
                score();
            }

            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            const int calls = 40;
            for (var i = 0; i < calls; i++)
            {
                score();
            }

            var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / calls;
            var wallMs = wall.Elapsed.TotalMilliseconds / calls;
            Console.WriteLine($"{name}: {cpuMs:0.0} ms CPU and {wallMs:0.0} ms wall per 10,000 → {2 * 10_000 / (cpuMs / 1000):N0} customers/s on two free cores");
        }

        if (servedOnly)
        {
            return 0;
        }

        // One thread, the explainer alone, on the feature vectors the trees read.
        var explainer = shap.Explainer!;
        var rows = batch.Take(2_000).Select(new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames).From).ToList();
        var modelData = bundle.Card.FeatureContract.Schema.Load(ml, rows);
        var churnVectors = Core.Explanations.BundleTrees.FeatureVectors(bundle.Churn, modelData, FeatureSchema.FeaturesColumn);
        var valueVectors = Core.Explanations.BundleTrees.FeatureVectors(bundle.LifetimeValue!, modelData, FeatureSchema.FeaturesColumn);
        var scratch = explainer.CreateScratch();
        const int block = Core.Explanations.TreeExplainer.BlockRows;
        var churnBlocks = Blocks(churnVectors);
        var valueBlocks = Blocks(valueVectors);
        var results = new Core.Explanations.Explanation[block];
        var rowBlocks = rows.Chunk(block).ToList();
        var (probabilities, values, statistical) = (Enumerable.Repeat(0.5, block).ToArray(), Enumerable.Repeat(100.0, block).ToArray(), Enumerable.Repeat(50.0, block).ToArray());
        foreach (var (name, explain) in new (string, Action<int>)[]
        {
            ("churn explanation", b => explainer.ChurnBlock(churnBlocks[b], churnVectors[0].Length, BlockRows(b), probabilities, 3, scratch, results)),
            ("value explanation", b => explainer.ValueBlock(valueBlocks[b], valueVectors[0].Length, BlockRows(b), values, statistical, 3, scratch, results)),
            ("churn explanation, no reasons kept", b => explainer.ChurnBlock(churnBlocks[b], churnVectors[0].Length, BlockRows(b), probabilities, 0, scratch, results)),
        })
        {
            for (var b = 0; b < churnBlocks.Count; b++)
            {
                explain(b);
            }

            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var pass = 0; pass < 5; pass++)
            {
                for (var b = 0; b < churnBlocks.Count; b++)
                {
                    explain(b);
                }
            }

            var perCustomer = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / (5 * churnBlocks.Count * block);
            Console.WriteLine($"{name}: {perCustomer:0.00} µs CPU per customer (one thread, blocks of {block})");
        }

        // Blocks of 8 rows' vectors side by side, as the compiled scorer hands them over.
        List<float[]> Blocks(IReadOnlyList<float[]> vectors) =>
            [.. vectors.Chunk(block).Where(c => c.Length == block).Select(c => c.SelectMany(v => v).ToArray())];

        ReadOnlySpan<ModelRow> BlockRows(int b) => rowBlocks[b];

        return 0;
    }
}
