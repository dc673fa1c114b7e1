using Microsoft.ML;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Tests.LifetimeValue;

namespace MlCustomer.Core.Tests.Churn;

public sealed class LightGbmChurnTests(SmallValueData sample) : IClassFixture<SmallValueData>
{
    private static readonly ChurnOptions[] Candidates =
    [
        new() { Algorithm = ChurnAlgorithm.LightGbm, NumberOfTrees = 60, NumberOfLeaves = 4, MinimumExampleCountPerLeaf = 30, FeatureFraction = 1 },
    ];

    [Fact]
    public void LightGbmTrainsReproduciblyAndExplainsAfterLoadingFromDisk()
    {
        var rows = sample.Rows;
        var first = ChurnTrainer.Train(new MLContext(seed: 1), sample.Schema, rows, Candidates, folds: 3, seed: 1);
        var again = ChurnTrainer.Train(new MLContext(seed: 1), sample.Schema, rows, Candidates, folds: 3, seed: 1);
        var ml = new MLContext(seed: 1);
        var path = Path.Combine(Path.GetTempPath(), $"mlcustomer-lightgbm-{Guid.NewGuid():N}.zip");
        ml.Model.Save(first.Model, sample.Schema.Load(ml, []).Schema, path);
        var loaded = ml.Model.Load(path, out _);
        File.Delete(path);

        var scores = ChurnTrainer.RawScores(ml, first.Model, sample.Schema, rows);
        Assert.Equal(scores, ChurnTrainer.RawScores(ml, again.Model, sample.Schema, rows));
        Assert.Equal(scores, ChurnTrainer.RawScores(ml, loaded, sample.Schema, rows));
        Assert.InRange(BinaryMetrics.Auc(scores, rows.Select(r => r.Label).ToArray())!.Value, 0.7, 1);
        Assert.Equal("LightGBM binary classification", first.Options.AlgorithmName);

        var slots = ModelExplanations.SlotNames(loaded, sample.Schema.Load(ml, []).Schema);
        var engine = ml.Model.CreatePredictionEngine<ModelRow, ChurnScore>(loaded, inputSchemaDefinition: sample.Schema.ToSchemaDefinition());
        var explained = engine.Predict(rows[0]);
        Assert.Equal(slots.Length, explained.FeatureContributions.Length);
        Assert.Contains(explained.FeatureContributions, c => c != 0);
    }
}
