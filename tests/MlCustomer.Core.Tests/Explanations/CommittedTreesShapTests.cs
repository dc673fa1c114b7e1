using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Explanations;

/// <summary>
/// TreeSHAP on every tree of the committed bundle's models: tree by tree the effects equal the brute-force Shapley
/// values (so the effects are right, not only their sum), and over an ensemble baseline + Σ effects = the raw score.
/// </summary>
public sealed class CommittedTreesShapTests
{
    private const int CustomersRouted = 3_000;

    private const int RowsCheckedPerTree = 3;

    private static readonly Lazy<(ModelBundle Bundle, List<ModelRow> Rows)> Committed = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var bundle = ModelBundle.Load(ml, Path.Combine(RepositoryFolders.Root, "models"));
        var folder = Path.Combine(RepositoryFolders.Root, "training-data");
        var data = CustomerDataLoader.Load(
            Path.Combine(folder, "transactions.csv"), Path.Combine(folder, "customers.csv"), new LoadOptions(), Path.Combine(folder, "service-events.csv"));
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = bundle.Card.AsOfDate!.Value, IncludeLabels = false });
        var mapper = new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames);
        return (bundle, table.Rows.Take(CustomersRouted).Select(mapper.From).ToList());
    });

    public static TheoryData<string> Chains => ["churn", "lifetime value", "lifetime revenue"];

    private static ITransformer Chain(ModelBundle bundle, string name) => name switch
    {
        "churn" => bundle.Churn,
        "lifetime value" => bundle.LifetimeValue!,
        _ => bundle.Revenue!,
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void EveryTreeAgreesWithTheBruteForceShapleyValues(string chainName)
    {
        var (bundle, rows) = Committed.Value;
        var ml = new MLContext(seed: 1);
        var chain = Chain(bundle, chainName);
        var models = BundleTrees.Find(chain);
        Assert.NotEmpty(models);
        var data = bundle.Card.FeatureContract.Schema.Load(ml, rows);
        var random = new Random(7);
        var treesChecked = 0;
        foreach (var model in models)
        {
            var vectors = BundleTrees.FeatureVectors(chain, data, model.FeatureColumn);
            var trees = ShapTree.FromFastTree(model.Model, slot => slot);
            foreach (var tree in trees)
            {
                foreach (var vector in vectors)
                {
                    tree.CountCovers(vector);
                }

                Assert.True(tree.DistinctUnits().Length <= 10, $"a tree of {chainName} splits on {tree.DistinctUnits().Length} features");
                for (var k = 0; k < RowsCheckedPerTree; k++)
                {
                    var vector = vectors[random.Next(vectors.Count)];
                    var decisions = new bool[tree.SplitCount];
                    tree.Decide(vector, decisions);
                    var effects = new double[vectors[0].Length];
                    TreeShap.AddEffects(tree, decisions, effects);
                    var oracle = BruteForceShapley.Effects(tree, decisions);
                    var scale = Math.Max(1, Math.Abs(tree.Output(vector)));
                    for (var slot = 0; slot < effects.Length; slot++)
                    {
                        Assert.True(
                            Math.Abs(oracle.GetValueOrDefault(slot) - effects[slot]) <= 1e-9 * scale,
                            $"{chainName}, tree {treesChecked}, slot {slot}: TreeSHAP {effects[slot]} against {oracle.GetValueOrDefault(slot)}");
                    }
                }

                treesChecked++;
            }
        }

        Assert.True(treesChecked >= 50, $"only {treesChecked} trees in {chainName}");
    }

    [Fact]
    public void TheChurnScoreIsTheBaselinePlusTheEffects()
    {
        var (bundle, rows) = Committed.Value;
        var ml = new MLContext(seed: 1);
        var model = Assert.Single(BundleTrees.Find(bundle.Churn));
        var data = bundle.Card.FeatureContract.Schema.Load(ml, rows);
        var vectors = BundleTrees.FeatureVectors(bundle.Churn, data, model.FeatureColumn);
        var scores = ml.Data.CreateEnumerable<ChurnScore>(bundle.Churn.Transform(data), reuseRowObject: false).Select(s => s.Score).ToList();
        var trees = ShapTree.FromFastTree(model.Model, slot => slot);
        foreach (var tree in trees)
        {
            foreach (var vector in vectors)
            {
                tree.CountCovers(vector);
            }
        }

        var baseline = trees.Sum(t => t.ExpectedValue());
        for (var i = 0; i < vectors.Count; i += 10)
        {
            var effects = new double[vectors[i].Length];
            foreach (var tree in trees)
            {
                TreeShap.AddEffects(tree, (ReadOnlySpan<float>)vectors[i], effects);
            }

            var explained = baseline + effects.Sum();
            Assert.Equal(trees.Sum(t => t.Output(vectors[i])), explained, 1e-9 * Math.Max(1, Math.Abs(explained)));
            Assert.Equal(scores[i], explained, 1e-4);
        }
    }
}
