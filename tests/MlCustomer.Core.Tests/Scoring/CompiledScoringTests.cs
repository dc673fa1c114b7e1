using Microsoft.ML;
using Microsoft.ML.Data;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Scoring.Compiled;
using MlCustomer.Core.Segments;
using MlCustomer.Core.Tests.Bundle;
using MlCustomer.Core.Tests.CustomerTables;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Scoring;

/// <summary>
/// The compiled chains against ML.NET's own outputs, customer by customer: raw churn score, every
/// contribution slot, calibrated probability, predicted value, the top reasons and the segment, within
/// <see cref="CompiledBundle.Tolerance"/> (relative; contributions relative to the row's largest).
/// </summary>
public sealed class CompiledScoringTests(SmallSampleBundle sample) : IClassFixture<SmallSampleBundle>
{
    [Fact]
    public void TheCommittedBundleScoresTheCommittedCustomersExactlyAsMlNetDoes()
    {
        var ml = new MLContext(seed: 1);
        var (bundle, table) = CommittedBundleAndCustomers(ml);

        AssertSameAsMlNet(ml, bundle, table, expectSegments: true);
    }

    [Fact]
    public void ASmallTrainedBundleScoresExactlyAsMlNetDoesLoadedAndInMemory()
    {
        var ml = new MLContext(seed: 1);
        var table = FeatureBuilder.Build(sample.Data, sample.Features with { IncludeLabels = false });

        AssertSameAsMlNet(ml, ModelBundle.Load(ml, sample.BundleFolder), table, expectSegments: true);
        AssertSameAsMlNet(ml, sample.Result.Bundle, table, expectSegments: true);
    }

    [Fact]
    public void ABundleWithoutCategoricalFeaturesTrainsAndScoresExactlyAsMlNetDoes()
    {
        // A retailer whose export has no customer attributes and one sales channel (the UCI Online Retail export):
        // the models' categorical side is one constant slot, in training, ML.NET scoring, engines and the compiled chains.
        var table = FeatureBuilder.Build(sample.Data, sample.Features);
        var options = sample.Options with { Exclude = new HashSet<string>([FeatureColumns.MainChannel, .. table.AttributeNames], StringComparer.Ordinal) };
        var result = BundleTrainer.TrainTransactional(new TransactionalInput(sample.Data, sample.Files, null), sample.Features, options);
        using var files = new TempFiles();
        var folder = files.PathOf("bundle");
        var ml = new MLContext(seed: 1);
        result.Bundle.Save(ml, folder);
        var loaded = ModelBundle.Load(ml, folder);

        Assert.Empty(loaded.Card.FeatureContract.Schema.CategoricalNames);
        var unlabeled = FeatureBuilder.Build(sample.Data, sample.Features with { IncludeLabels = false });
        AssertSameAsMlNet(ml, loaded, unlabeled, expectSegments: true);
        var rows = new FeatureRows(loaded.Card.FeatureContract, unlabeled.AttributeNames);
        Assert.All(FeatureDrift.Measure(loaded.Card.FeatureContract, [.. unlabeled.Rows.Select(rows.From)]), d => Assert.True(double.IsFinite(d.Psi)));
    }

    [Fact]
    public void ACustomerTableBundleWithCategoriesAndMissingValuesScoresExactlyAsMlNetDoes()
    {
        using var files = new TempFiles();
        var path = files.PathOf("telco.csv");
        TelcoLikeTable.Write(path, 1_500, seed: 11);
        // A value label for the value chain: next year's charges, none for churners.
        var lines = File.ReadAllLines(path);
        File.WriteAllLines(path, lines.Take(1).Select(l => l + ",Value").Concat(lines.Skip(1).Select(l =>
        {
            var monthly = l.Split(',')[^3];
            return l + "," + (l.EndsWith(",Yes", StringComparison.Ordinal) ? "0" : monthly);
        })));
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customerID", LabelColumn = "Churn", ValueColumn = "Value" });
        var ml = new MLContext(seed: 1);
        var bundle = BundleTrainer.TrainTable(table, path, new TrainingOptions { Folds = 3 }).Bundle;
        var folder = files.PathOf("bundle");
        bundle.Save(ml, folder);
        var rows = table.Dataset.Rows;
        Assert.Contains(rows, r => r.Numeric.Any(float.IsNaN));
        Assert.NotEmpty(bundle.Card.FeatureContract.Schema.CategoricalNames);

        foreach (var candidate in new[] { bundle, ModelBundle.Load(ml, folder) })
        {
            var compiled = new BundleScorer(ml, candidate);
            Assert.True(compiled.IsCompiled, compiled.NotCompiledReason);
            AssertSameRawOutputs(ml, candidate, rows);
            AssertSameScores(new BundleScorer(ml, candidate, compile: false).Score(rows), compiled.Score(rows));
        }
    }

    [Fact]
    public void ACustomerTableWithOnlyNumericColumnsTrainsAndScoresExactlyAsMlNetDoes()
    {
        using var files = new TempFiles();
        var path = files.PathOf("numeric.csv");
        var random = new Random(5);
        var text = new System.Text.StringBuilder("customer,tenure,charges,calls,churn\n");
        for (var i = 0; i < 1_200; i++)
        {
            var tenure = random.Next(1, 73);
            var calls = random.Next(0, 10);
            var churned = random.NextDouble() < (tenure < 12 ? 0.6 : 0.2) + (0.02 * calls);
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"K{i},{tenure},{20 + (100 * random.NextDouble()):0.00},{calls},{(churned ? "Yes" : "No")}\n");
        }

        File.WriteAllText(path, text.ToString());
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "churn" });
        var ml = new MLContext(seed: 1);
        var bundle = BundleTrainer.TrainTable(table, path, new TrainingOptions { Folds = 3 }).Bundle;
        var rows = table.Dataset.Rows;

        Assert.Empty(bundle.Card.FeatureContract.Schema.CategoricalNames);
        Assert.True(bundle.Card.Churn.Holdout.Auc > 0.6, $"AUC {bundle.Card.Churn.Holdout.Auc}");
        var compiled = new BundleScorer(ml, bundle);
        Assert.True(compiled.IsCompiled, compiled.NotCompiledReason);
        AssertSameScores(new BundleScorer(ml, bundle, compile: false).Score(rows), compiled.Score(rows));
    }

    [Fact]
    public void ATransformerTheCompilerDoesNotKnowSendsScoringBackToMlNetWithTheSameNumbers()
    {
        var ml = new MLContext(seed: 1);
        var original = ModelBundle.Load(ml, sample.BundleFolder);
        var table = FeatureBuilder.Build(sample.Data, sample.Features with { IncludeLabels = false });
        var rows = ModelDatasets.FromFeatureTable(table).Rows.Take(300).ToList();
        var scored = original.Churn.Transform(original.Card.FeatureContract.Schema.Load(ml, rows));
        var shifted = ml.Transforms.Expression("Score", "s => s + 1", "Score").Fit(scored);
        var bundle = new ModelBundle(original.Card, new TransformerChain<ITransformer>(original.Churn, shifted), original.Segments, original.LifetimeValue, original.Rules);

        var scorer = new BundleScorer(ml, bundle);

        Assert.False(scorer.IsCompiled);
        Assert.Contains("s => s + 1", scorer.NotCompiledReason, StringComparison.Ordinal);
        AssertSameScores(new BundleScorer(ml, bundle, compile: false).Score(rows), scorer.Score(rows));
        Assert.NotEqual(new BundleScorer(ml, original).Score(rows)[0].ChurnProbability, scorer.Score(rows)[0].ChurnProbability);
    }

    [Fact]
    public void ATransformerTheCompilerDoesNotKnowDoesNotMatterWhenNoScoredColumnReadsIt()
    {
        var ml = new MLContext(seed: 1);
        var original = ModelBundle.Load(ml, sample.BundleFolder);
        var rows = ModelDatasets.FromFeatureTable(FeatureBuilder.Build(sample.Data, sample.Features with { IncludeLabels = false })).Rows.Take(300).ToList();
        var scored = original.Churn.Transform(original.Card.FeatureContract.Schema.Load(ml, rows));
        var extra = ml.Transforms.Conversion.ConvertType("ScoreAsDouble", "Score", DataKind.Double).Fit(scored);
        var bundle = new ModelBundle(original.Card, new TransformerChain<ITransformer>(original.Churn, extra), original.Segments, original.LifetimeValue, original.Rules);

        var scorer = new BundleScorer(ml, bundle);

        Assert.True(scorer.IsCompiled, scorer.NotCompiledReason);
        AssertSameScores(new BundleScorer(ml, bundle, compile: false).Score(rows), scorer.Score(rows));
    }

    [Fact]
    public void ConcurrentBatchesWithAndWithoutReasonsOnOneScorerGiveTheirSequentialScores()
    {
        // One scorer keeps the workspaces of finished batches for the next; batches running at once, with and
        // without reasons (different plans), must never share one.
        var ml = new MLContext(seed: 1);
        var (bundle, table) = CommittedBundleAndCustomers(ml);
        var customers = table.Rows.Take(3_000).ToList();
        var scorer = new BundleScorer(ml, bundle);
        var withReasons = scorer.Score(customers, table.AttributeNames);
        var withoutReasons = scorer.Score(customers, table.AttributeNames, reasons: 0);

        var running = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => (Reasons: i % 2 == 0, Scores: scorer.Score(customers, table.AttributeNames, reasons: i % 2 == 0 ? 3 : 0))))
            .ToList();
        var concurrent = running.Select(t => t.Result).ToList();

        Assert.All(concurrent, run =>
        {
            var expected = run.Reasons ? withReasons : withoutReasons;
            Assert.Equal(expected.Select(s => (s.CustomerId, s.ChurnProbability, s.PredictedGrossProfit, s.PredictedRevenue, s.SegmentId)),
                run.Scores.Select(s => (s.CustomerId, s.ChurnProbability, s.PredictedGrossProfit, s.PredictedRevenue, s.SegmentId)));
            Assert.Equal(expected.SelectMany(s => s.ChurnReasons.Concat(s.ValueReasons)), run.Scores.SelectMany(s => s.ChurnReasons.Concat(s.ValueReasons)));
            Assert.All(run.Scores, s => Assert.Equal(run.Reasons, s.ChurnReasons.Count > 0));
        });
    }

    [Fact]
    public void RunningRowsInBlocksGivesExactlyTheOutputsOfRunningThemOneByOne()
    {
        var ml = new MLContext(seed: 1);
        var (bundle, table) = CommittedBundleAndCustomers(ml);
        var mapper = new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames);
        var rows = table.Rows.Take(1_003).Select(mapper.From).ToArray(); // 125 full blocks of 8 and one of 3
        var compiled = CompiledBundle.TryCreate(ml, bundle, out var reason);
        Assert.True(compiled is not null, reason);

        ChainPlan<ModelRow>?[] plans = [compiled.Churn, compiled.ChurnExplained, compiled.Value, compiled.ValueExplained, compiled.Revenue];
        foreach (var plan in plans.OfType<ChainPlan<ModelRow>>())
        {
            var outputs = plan == compiled.ChurnExplained || plan == compiled.ValueExplained ? 2 : 1;
            var one = plan.CreateWorkspace();
            var block = Enumerable.Range(0, FlatTreeEnsemble.BlockRows).Select(_ => plan.CreateWorkspace()).ToArray();
            for (var first = 0; first < rows.Length; first += FlatTreeEnsemble.BlockRows)
            {
                var n = Math.Min(FlatTreeEnsemble.BlockRows, rows.Length - first);
                plan.RunBlock(rows.AsSpan(first, n), block);
                for (var k = 0; k < n; k++)
                {
                    plan.Run(rows[first + k], one);
                    for (var o = 0; o < outputs; o++)
                    {
                        Assert.Equal(plan.Output(one, o).ToArray(), plan.Output(block[k], o).ToArray());
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(4, "Tables")]
    [InlineData(4, "Complete")]
    [InlineData(4, "Linked")]
    [InlineData(10, "Complete")]
    [InlineData(10, "Linked")]
    [InlineData(64, "Auto")]
    [InlineData(64, "Linked")]
    public void EveryTreeLayoutGivesMlNetsScoreAndContributions(int leaves, string layoutName)
    {
        var layout = Enum.Parse<TreeLayout>(layoutName);
        var ml = new MLContext(seed: 1);
        var dataset = ModelDatasets.FromFeatureTable(FeatureBuilder.Build(sample.Data, sample.Features));
        var data = dataset.Schema.Load(ml, dataset.Rows);
        var featurizer = FeatureSchema.Featurizer(ml).Fit(data);
        var featurized = featurizer.Transform(data);
        var predictor = ChurnTrainer.Trainer(ml, new ChurnOptions { NumberOfTrees = 30, NumberOfLeaves = leaves, MinimumExampleCountPerLeaf = 5 }).Fit(featurized);
        var slots = ModelExplanations.SlotCount(featurized);
        var explained = ml.Transforms.CalculateFeatureContribution(predictor, slots, slots, normalize: false).Fit(predictor.Transform(featurized))
            .Transform(predictor.Transform(featurized));
        var expected = ml.Data.CreateEnumerable<ChurnScore>(explained, reuseRowObject: false).ToList();
        var features = featurized.GetColumn<float[]>(FeatureSchema.FeaturesColumn).ToList();

        var trees = FlatTreeEnsemble.TryCreate(predictor.Model.SubModel, out var unsupported, layout);

        Assert.True(trees is not null, unsupported);
        Assert.Equal(layout == TreeLayout.Auto ? (leaves <= 7 ? TreeLayout.Tables : trees.Layout) : layout, trees.Layout);
        Assert.True(layout != TreeLayout.Auto || leaves <= 7 || trees.Layout != TreeLayout.Tables);
        var contributions = new float[slots];
        for (var i = 0; i < features.Count; i++)
        {
            Assert.True(CompiledBundle.Agrees(trees.Score(features[i]), expected[i].Score), $"row {i}: {trees.Score(features[i])} against {expected[i].Score}");
            Array.Clear(contributions);
            trees.AddContributions(features[i], contributions);
            var scale = Math.Max(1, expected[i].FeatureContributions.Max(Math.Abs));
            Assert.All(contributions.Zip(expected[i].FeatureContributions), p => Assert.True(Math.Abs(p.First - p.Second) <= CompiledBundle.Tolerance * scale));
        }
    }

    private static void AssertSameAsMlNet(MLContext ml, ModelBundle bundle, FeatureTable table, bool expectSegments)
    {
        var compiled = new BundleScorer(ml, bundle);
        Assert.True(compiled.IsCompiled, compiled.NotCompiledReason);
        var rows = new FeatureRows(bundle.Card.FeatureContract, table.AttributeNames);
        AssertSameRawOutputs(ml, bundle, table.Rows.Select(rows.From).ToList());

        var expected = new BundleScorer(ml, bundle, compile: false).Score(table.Rows, table.AttributeNames);
        var actual = compiled.Score(table.Rows, table.AttributeNames);
        AssertSameScores(expected, actual);
        Assert.Equal(expectSegments, actual.All(s => s.SegmentId is not null));
        Assert.Equal(
            new BundleScorer(ml, bundle, compile: false).Score(table.Rows, table.AttributeNames, reasons: 0).Select(s => s.ChurnProbability),
            compiled.Score(table.Rows, table.AttributeNames, reasons: 0).Select(s => s.ChurnProbability),
            new Tolerance());
    }

    // Score and every contribution slot of both row chains, straight from the plans.
    private static void AssertSameRawOutputs(MLContext ml, ModelBundle bundle, IReadOnlyList<ModelRow> rows)
    {
        var compiled = CompiledBundle.TryCreate(ml, bundle, out var reason);
        Assert.True(compiled is not null, reason);
        var data = bundle.Card.FeatureContract.Schema.Load(ml, rows);
        var churn = ml.Data.CreateEnumerable<ChurnScore>(bundle.Churn.Transform(data), reuseRowObject: false).ToList();
        AssertSamePlanOutputs(compiled.ChurnExplained, rows, churn.Select(c => (c.Score, c.FeatureContributions)).ToList());
        if (bundle.LifetimeValue is not null)
        {
            var value = ml.Data.CreateEnumerable<ValueScore>(bundle.LifetimeValue.Transform(data), reuseRowObject: false).ToList();
            AssertSamePlanOutputs(compiled.ValueExplained!, rows, value.Select(v => (v.PredictedValue, v.FeatureContributions)).ToList());
        }
    }

    private static void AssertSamePlanOutputs(ChainPlan<ModelRow> plan, IReadOnlyList<ModelRow> rows, List<(float Score, float[] Contributions)> expected)
    {
        var workspace = plan.CreateWorkspace();
        for (var i = 0; i < rows.Count; i++)
        {
            plan.Run(rows[i], workspace);
            Assert.True(CompiledBundle.Agrees(plan.Output(workspace, 0)[0], expected[i].Score), $"row {i}: score {plan.Output(workspace, 0)[0]} against {expected[i].Score}");
            var contributions = plan.Output(workspace, 1);
            var scale = Math.Max(1, expected[i].Contributions.Max(Math.Abs));
            for (var j = 0; j < contributions.Length; j++)
            {
                Assert.True(
                    Math.Abs(contributions[j] - expected[i].Contributions[j]) <= CompiledBundle.Tolerance * scale,
                    $"row {i} slot {j}: {contributions[j]} against {expected[i].Contributions[j]}");
            }
        }
    }

    // The committed bundle and the committed customers' features at the last order date.
    private static (ModelBundle Bundle, FeatureTable Table) CommittedBundleAndCustomers(MLContext ml)
    {
        var bundle = ModelBundle.Load(ml, Path.Combine(RepositoryFolders.Root, "models"));
        var folder = Path.Combine(RepositoryFolders.Root, "training-data");
        var data = CustomerDataLoader.Load(
            Path.Combine(folder, "transactions.csv"), Path.Combine(folder, "customers.csv"), new LoadOptions());
        return (bundle, FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = data.LastOrderDate, IncludeLabels = false }));
    }

    private static void AssertSameScores(IReadOnlyList<CustomerScore> expected, IReadOnlyList<CustomerScore> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.Equal(e.CustomerId, a.CustomerId);
            Assert.True(CompiledBundle.Agrees(a.ChurnProbability, e.ChurnProbability), $"{e.CustomerId}: churn {a.ChurnProbability} against {e.ChurnProbability}");
            Assert.Equal(e.PredictedGrossProfit is null, a.PredictedGrossProfit is null);
            Assert.True(e.PredictedGrossProfit is null || CompiledBundle.Agrees(a.PredictedGrossProfit!.Value, e.PredictedGrossProfit.Value), $"{e.CustomerId}: value {a.PredictedGrossProfit} against {e.PredictedGrossProfit}");
            Assert.Equal(e.PredictedRevenue is null, a.PredictedRevenue is null);
            Assert.True(e.PredictedRevenue is null || CompiledBundle.Agrees(a.PredictedRevenue!.Value, e.PredictedRevenue.Value), $"{e.CustomerId}: revenue {a.PredictedRevenue} against {e.PredictedRevenue}");
            Assert.Equal(e.SegmentId, a.SegmentId);
            Assert.Equal(e.SegmentName, a.SegmentName);
            AssertSameReasons(e.CustomerId, e.ChurnReasons, a.ChurnReasons);
            AssertSameReasons(e.CustomerId, e.ValueReasons, a.ValueReasons);
            AssertSameInterval(e.CustomerId, e.GrossProfitInterval, a.GrossProfitInterval);
            AssertSameInterval(e.CustomerId, e.RevenueInterval, a.RevenueInterval);
        }
    }

    // The intervals (and, for two-part ones, P(buy) and the amount if buying) from the compiled plans' outputs agree with ML.NET's.
    private static void AssertSameInterval(string customer, Core.LifetimeValue.ValueInterval? expected, Core.LifetimeValue.ValueInterval? actual)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is null)
        {
            return;
        }

        double?[] Numbers(Core.LifetimeValue.ValueInterval v) => [v.P10, v.P50, v.P90, v.PurchaseProbability, v.AmountIfBuyingP10, v.AmountIfBuyingP90];
        Assert.All(Numbers(expected).Zip(Numbers(actual!)), p => Assert.True(
            p.First is null ? p.Second is null : p.Second is { } a && CompiledBundle.Agrees(a, p.First.Value), $"{customer}: interval {actual} against {expected}"));
    }

    private static void AssertSameReasons(string customer, IReadOnlyList<Reason> expected, IReadOnlyList<Reason> actual)
    {
        Assert.Equal(expected.Select(r => r.Feature), actual.Select(r => r.Feature));
        Assert.All(expected.Zip(actual), p => Assert.True(
            CompiledBundle.Agrees(p.Second.Contribution, p.First.Contribution), $"{customer} {p.First.Feature}: {p.Second.Contribution} against {p.First.Contribution}"));
    }

    private sealed class Tolerance : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => CompiledBundle.Agrees(x, y);

        public int GetHashCode(double obj) => 0;
    }
}
