using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Benchmarks;

/// <summary>
/// In-process scoring with the committed bundle on the committed sample data: batch scoring (the path
/// of scoring runs, the console's score and /scores/csv) through the compiled chains and, for comparison,
/// through ML.NET's Transform; one prediction through a prediction engine (the /scores fast path); and the
/// feature builder. Run from the repository root.
/// </summary>
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    private MLContext ml = null!;
    private ModelBundle bundle = null!;
    private BundleScorer scorer = null!;
    private BundleScorer mlNetScorer = null!;
    private CustomerDataSet data = null!;
    private FeatureTable table = null!;
    private List<CustomerFeatures> batch = null!;
    private PredictionEngine<ModelRow, ChurnScore> churnEngine = null!;
    private ModelRow one = null!;

    /// <summary>Customers per batch call.</summary>
    [Params(10_000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ml = new MLContext(seed: 1);
        var root = RepositoryRoot();
        bundle = ModelBundle.Load(ml, Path.Combine(root, "models"));
        scorer = new BundleScorer(ml, bundle);
        if (!scorer.IsCompiled)
        {
            throw new InvalidOperationException($"The committed bundle did not compile: {scorer.NotCompiledReason}");
        }

        mlNetScorer = new BundleScorer(ml, bundle, compile: false);
        data = CustomerDataLoader.Load(
            Path.Combine(root, "training-data", "transactions.csv"), Path.Combine(root, "training-data", "customers.csv"), new LoadOptions(),
            Path.Combine(root, "training-data", "service-events.csv"));
        table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = data.LastOrderDate, IncludeLabels = false });
        batch = Enumerable.Range(0, BatchSize).Select(i => table.Rows[i % table.Rows.Count]).ToList();
        churnEngine = ml.Model.CreatePredictionEngine<ModelRow, ChurnScore>(
            bundle.Churn, inputSchemaDefinition: bundle.Card.FeatureContract.Schema.ToSchemaDefinition());
        one = new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames).From(table.Rows[0]);
    }

    // BenchmarkDotNet runs the benchmarks from its own build folder, so the repository is found by walking up.
    internal static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MlCustomer.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No MlCustomer.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Churn, segment and value with 3 reasons each, for a batch of customers (compiled chains, parallel).</summary>
    [Benchmark]
    public int BatchScoreWithReasons() => scorer.Score(batch, table.AttributeNames).Count;

    /// <summary>The same batch without reasons (no contributions computed).</summary>
    [Benchmark]
    public int BatchScoreWithoutReasons() => scorer.Score(batch, table.AttributeNames, reasons: 0).Count;

    /// <summary>The batch with reasons through ML.NET's Transform (what BundleScorer falls back to).</summary>
    [Benchmark]
    public int MlNetBatchScoreWithReasons() => mlNetScorer.Score(batch, table.AttributeNames).Count;

    /// <summary>The batch without reasons through ML.NET's Transform.</summary>
    [Benchmark]
    public int MlNetBatchScoreWithoutReasons() => mlNetScorer.Score(batch, table.AttributeNames, reasons: 0).Count;

    /// <summary>One churn prediction with contributions through a prediction engine.</summary>
    [Benchmark]
    public float SingleChurnPrediction() => churnEngine.Predict(one).Score;

    /// <summary>Point-in-time features for every sample customer (20,000) at the last order date.</summary>
    [Benchmark]
    public int FeatureBuilderAllCustomers() => FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = data.LastOrderDate, IncludeLabels = false }).Rows.Count;
}
