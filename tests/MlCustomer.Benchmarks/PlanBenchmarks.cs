using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Scoring.Compiled;

namespace MlCustomer.Benchmarks;

/// <summary>
/// Where batch scoring's time goes: each compiled plan of the committed bundle run over 10,000 customers in
/// blocks of 8 on one thread (batch scoring runs them on every core), and the mapping of customers to model rows.
/// </summary>
public class PlanBenchmarks
{
    private const int Customers = 10_000;
    private CompiledBundle plans = null!;
    private BundleScorer scorer = null!;
    private FeatureRows mapper = null!;
    private List<CustomerFeatures> customers = null!;
    private ModelRow[] rows = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ml = new MLContext(seed: 1);
        var root = ScoringBenchmarks.RepositoryRoot();
        var bundle = ModelBundle.Load(ml, Path.Combine(root, "models"));
        scorer = new BundleScorer(ml, bundle);
        plans = CompiledBundle.TryCreate(ml, bundle, out var reason) ?? throw new InvalidOperationException($"The committed bundle did not compile: {reason}");
        var data = CustomerDataLoader.Load(
            Path.Combine(root, "training-data", "transactions.csv"), Path.Combine(root, "training-data", "customers.csv"), new LoadOptions(),
            Path.Combine(root, "training-data", "service-events.csv"));
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = data.LastOrderDate, IncludeLabels = false });
        customers = Enumerable.Range(0, Customers).Select(i => table.Rows[i % table.Rows.Count]).ToList();
        mapper = new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames);
        rows = customers.Select(mapper.From).ToArray();
    }

    /// <summary>Churn score and every slot's contribution.</summary>
    [Benchmark]
    public void ChurnWithContributions() => Run(plans.ChurnExplained);

    /// <summary>Churn score alone.</summary>
    [Benchmark]
    public void Churn() => Run(plans.Churn);

    /// <summary>Predicted profit (two-part trees) and every slot's contribution.</summary>
    [Benchmark]
    public void ValueWithContributions() => Run(plans.ValueExplained!);

    /// <summary>Predicted profit alone.</summary>
    [Benchmark]
    public void Value() => Run(plans.Value!);

    /// <summary>Predicted revenue (two-part trees).</summary>
    [Benchmark]
    public void Revenue() => Run(plans.Revenue!);

    /// <summary>Segments (segmentation features and the compiled KMeans), as batch scoring assigns them.</summary>
    [Benchmark]
    public int Segments() => scorer.AssignSegments(customers)!.Length;

    /// <summary>Customers' features to model rows (FeatureRows.From).</summary>
    [Benchmark]
    public int CustomersToRows()
    {
        var n = 0;
        foreach (var customer in customers)
        {
            n += mapper.From(customer).Numeric.Length;
        }

        return n;
    }

    private void Run(ChainPlan<ModelRow> plan)
    {
        const int block = 8; // FlatTreeEnsemble.BlockRows, as BundleScorer runs them
        var workspaces = Enumerable.Range(0, block).Select(_ => plan.CreateWorkspace()).ToArray();
        for (var first = 0; first < rows.Length; first += block)
        {
            plan.RunBlock(rows.AsSpan(first, Math.Min(block, rows.Length - first)), workspaces);
        }
    }
}
