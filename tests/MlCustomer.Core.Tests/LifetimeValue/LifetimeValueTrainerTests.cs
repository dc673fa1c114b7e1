using Microsoft.ML;
using Microsoft.ML.Data;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.SampleData;

namespace MlCustomer.Core.Tests.LifetimeValue;

/// <summary>A small generated retailer as model rows, and the value model trained on it once for the class.</summary>
public sealed class SmallValueData : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mlcustomer-value-tests", Guid.NewGuid().ToString("N"));

    public SmallValueData()
    {
        SampleDataGenerator.Write(new SampleDataOptions { Customers = 1_500, Seed = 5 }, _folder);
        var data = CustomerDataLoader.Load(
            Path.Combine(_folder, SampleDataGenerator.TransactionsFile), Path.Combine(_folder, SampleDataGenerator.CustomersFile), new LoadOptions());
        Data = data;
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = FeatureBuilder.DefaultAsOfDate(data, 180, 365) });
        AsOfDate = table.AsOfDate;
        var dataset = ModelDatasets.FromFeatureTable(table);
        Schema = dataset.Schema;
        Rows = dataset.Rows;
        Trained = LifetimeValueTrainer.Train(new MLContext(seed: 1), Schema, Rows, Options, seed: 1);
    }

    /// <summary>Fewer, smaller trees than the defaults: the contract does not depend on them, the test time does.</summary>
    public static LifetimeValueOptions Options { get; } = new() { NumberOfTrees = 50, Folds = 3 };

    public FeatureSchema Schema { get; }

    public CustomerDataSet Data { get; }

    public DateOnly AsOfDate { get; }

    public IReadOnlyList<ModelRow> Rows { get; }

    public TrainedValueModel Trained { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; failing the test run over it is not.
        }
    }
}

public sealed class LifetimeValueTrainerTests(SmallValueData sample) : IClassFixture<SmallValueData>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheSavedChainPredictsAndExplainsExactlyAsBeforeSaving(bool twoPart)
    {
        var ml = new MLContext(seed: 1);
        var model = LifetimeValueTrainer.Fit(ml, sample.Schema, sample.Rows, SmallValueData.Options, twoPart, withContributions: true);
        var (before, beforeContributions) = Score(ml, model);

        var loaded = SaveAndLoad(ml, model);
        var (after, afterContributions) = Score(new MLContext(seed: 2), loaded);

        Assert.Equal(before, after);
        Assert.Equal(beforeContributions.Length, afterContributions.Length);
        for (var i = 0; i < beforeContributions.Length; i++)
        {
            Assert.Equal(beforeContributions[i], afterContributions[i]);
        }
    }

    [Fact]
    public void ALoadedModelExplainsEveryCustomerWithOneContributionPerFeaturizedSlot()
    {
        var ml = new MLContext(seed: 1);
        var loaded = SaveAndLoad(ml, sample.Trained.Model);
        var slots = ModelExplanations.SlotNames(loaded, sample.Schema.Load(ml, []).Schema);

        var (_, contributions) = Score(ml, loaded);

        Assert.Contains("recency_days", slots);
        Assert.All(contributions, c => Assert.Equal(slots.Length, c.Length));
        Assert.True(contributions.Count(c => c.Any(v => v != 0)) > contributions.Length * 0.9, "Most customers should have at least one reason.");
    }

    [Fact]
    public void TwoPartContributionsAreThoseOfTheAmountPartTimesThePurchaseProbability()
    {
        var ml = new MLContext(seed: 1);
        var model = (TransformerChain<ITransformer>)LifetimeValueTrainer.Fit(
            ml, sample.Schema, sample.Rows, SmallValueData.Options, twoPart: true, withContributions: true);
        // The chain without its second-to-last step (the scaling) outputs the amount part's own contributions.
        var steps = model.ToList();
        var unscaledModel = new TransformerChain<ITransformer>(steps.Where((_, i) => i != steps.Count - 2).ToArray());
        var input = sample.Schema.Load(ml, sample.Rows);

        var scored = model.Transform(input);
        var probability = scored.GetColumn<float>(LifetimeValueTrainer.ProbabilityColumn).ToArray();
        var scaled = scored.GetColumn<float[]>(ModelExplanations.ContributionsColumn).ToArray();
        var unscaled = unscaledModel.Transform(input).GetColumn<float[]>(ModelExplanations.ContributionsColumn).ToArray();

        Assert.All(probability, p => Assert.InRange(p, 0f, 1f));
        for (var i = 0; i < scaled.Length; i++)
        {
            for (var j = 0; j < scaled[i].Length; j++)
            {
                Assert.Equal(probability[i] * unscaled[i][j], scaled[i][j], 1e-4f);
            }
        }
    }

    [Fact]
    public void TrainingComparesBothCandidatesAndSaysWhichWonAndWhy()
    {
        var trained = sample.Trained;

        Assert.Contains(trained.Algorithm, new[] { LifetimeValueTrainer.RegressionAlgorithm("profit"), LifetimeValueTrainer.TwoPartAlgorithm("profit") });
        Assert.StartsWith(trained.Algorithm, trained.Selection, StringComparison.Ordinal);
        Assert.Contains(LifetimeValueTrainer.RegressionAlgorithm("profit") + ": Gini", trained.Selection, StringComparison.Ordinal);
        Assert.Contains(LifetimeValueTrainer.TwoPartAlgorithm("profit") + ": Gini", trained.Selection, StringComparison.Ordinal);
        Assert.Equal(SmallValueData.Options.Folds, trained.CrossValidationGini.Folds.Count);
        Assert.InRange(trained.CrossValidationGini.Mean, 0.2, 1);
        Assert.Equal(SmallValueData.Options.NumberOfTrees, trained.Hyperparameters[nameof(LifetimeValueOptions.NumberOfTrees)]);
    }

    [Fact]
    public void PredictionsAreFiniteAndInRowOrder()
    {
        var ml = new MLContext(seed: 1);
        var predictions = LifetimeValueTrainer.Predict(ml, sample.Trained.Model, sample.Schema, sample.Rows);
        var reversed = LifetimeValueTrainer.Predict(ml, sample.Trained.Model, sample.Schema, sample.Rows.Reverse().ToList());

        Assert.Equal(sample.Rows.Count, predictions.Length);
        Assert.All(predictions, p => Assert.True(double.IsFinite(p)));
        Assert.Equal(predictions, reversed.Reverse());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LossMakingCustomersAreLearnedAsLosses(bool twoPart)
    {
        // Every other buyer becomes a loss-maker of the same size: the model must accept negative labels and
        // predict losses for customers who look like the loss-makers.
        var rows = sample.Rows.Select(r => new ModelRow
        {
            CustomerId = r.CustomerId,
            Numeric = r.Numeric,
            Categorical = r.Categorical,
            Label = r.Label,
            Value = IsLossMaker(r) ? -Math.Abs(r.Value) : Math.Abs(r.Value),
        }).ToList();
        var ml = new MLContext(seed: 1);

        var model = LifetimeValueTrainer.Fit(ml, sample.Schema, rows, SmallValueData.Options, twoPart, withContributions: true);
        var predictions = LifetimeValueTrainer.Predict(ml, model, sample.Schema, rows);

        Assert.All(predictions, p => Assert.True(double.IsFinite(p)));
        var lossMakers = rows.Select((r, i) => (r, p: predictions[i])).Where(x => x.r.Value < 0).Select(x => x.p).ToList();
        var others = rows.Select((r, i) => (r, p: predictions[i])).Where(x => x.r.Value > 0).Select(x => x.p).ToList();
        Assert.True(lossMakers.Average() < 0, $"mean prediction of loss-makers {lossMakers.Average()}");
        Assert.True(others.Average() > 0, $"mean prediction of the others {others.Average()}");

        // A learnable rule the trees can find: loss-makers are the customers with a low margin rate.
        bool IsLossMaker(ModelRow r)
        {
            var margin = r.Numeric[sample.Schema.NumericNames.ToList().IndexOf("margin_rate")];
            return !float.IsNaN(margin) && margin < 0.3;
        }
    }

    [Fact]
    public void AboveTheCapTheFormIsCrossValidatedOnAStratifiedSampleAndServedFittedOnEveryRow()
    {
        var options = SmallValueData.Options with { MaxCrossValidationCustomers = 400, HorizonDays = 365, BlendWeights = [0.5] };

        var trained = LifetimeValueTrainer.Train(new MLContext(1), sample.Schema, sample.Rows, options, seed: 1);

        Assert.Equal(sample.Rows.Count, trained.OutOfFold.Count);
        var sampled = Enumerable.Range(0, sample.Rows.Count).Where(i => !double.IsNaN(trained.OutOfFold[i])).ToList();
        Assert.InRange(sampled.Count, 398, 402);
        // The sample keeps the share of customers with value ≠ 0.
        var share = sample.Rows.Count(r => r.Value != 0) / (double)sample.Rows.Count;
        Assert.Equal(share, sampled.Count(i => sample.Rows[i].Value != 0) / (double)sampled.Count, 0.01);
        Assert.Contains($"a stratified sample of {sampled.Count:N0} of the {sample.Rows.Count:N0} training customers", trained.Selection, StringComparison.Ordinal);
        Assert.Equal(sample.Rows.Count, trained.Covers![0].Rows);
        Assert.Equal(sample.Rows.Count, LifetimeValueTrainer.Predict(new MLContext(1), trained.Model, sample.Schema, sample.Rows, trained.Blend).Length);
    }

    [Fact]
    public void TrainingRefusesDataWhereNobodyBoughtInTheHorizon()
    {
        var rows = sample.Rows.Select(r => new ModelRow { CustomerId = r.CustomerId, Numeric = r.Numeric, Categorical = r.Categorical }).ToList();

        var error = Assert.Throws<ArgumentException>(() => LifetimeValueTrainer.Train(new MLContext(1), sample.Schema, rows, SmallValueData.Options, 1));

        Assert.Contains("profit in the horizon", error.Message, StringComparison.Ordinal);
    }

    private (float[] Predictions, float[][] Contributions) Score(MLContext ml, ITransformer model)
    {
        var scored = model.Transform(sample.Schema.Load(ml, sample.Rows));
        return (
            scored.GetColumn<float>(LifetimeValueTrainer.PredictedValueColumn).ToArray(),
            scored.GetColumn<float[]>(ModelExplanations.ContributionsColumn).ToArray());
    }

    private ITransformer SaveAndLoad(MLContext ml, ITransformer model)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, sample.Schema.Load(ml, []).Schema, stream);
        stream.Position = 0;
        return new MLContext(seed: 3).Model.Load(stream, out _);
    }
}
