using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.CustomerTables;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Bundle;

public sealed class RefitTests : IDisposable
{
    private readonly TempFiles files = new();

    [Fact]
    public void ARefittedBundleKeepsItsHeldOutMetricsSaysItSawEveryRowAndRefusesAHeldOutEvaluation()
    {
        var path = files.Write("contracts.csv", SmallTableBundle.Write(withId: true));
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "Churn" });
        var options = new TrainingOptions { Folds = 3, ChurnCandidates = [ChurnOptions.DefaultCandidates[0] with { NumberOfTrees = 60 }] };

        var evaluated = BundleTrainer.TrainTable(table, path, options).Bundle;
        var refitted = BundleTrainer.TrainTable(table, path, options with { Refit = true }).Bundle;

        Assert.Null(evaluated.Card.Refit);
        var refit = Assert.IsType<RefitSummary>(refitted.Card.Refit);
        Assert.Equal(SmallTableBundle.Rows, refit.Customers);
        Assert.Equal(["churn"], refit.Models);
        Assert.Contains("saw every row", refit.Rule, StringComparison.Ordinal);
        // The card keeps the evaluation fit's held-out metrics and split; the served trees are new.
        Assert.Equal(evaluated.Card.Churn.Holdout.Auc, refitted.Card.Churn.Holdout.Auc);
        Assert.Equal(evaluated.Card.Churn.Holdout.LogLoss, refitted.Card.Churn.Holdout.LogLoss);
        Assert.Equal(evaluated.Card.Split.HeldOut!.Sha256, refitted.Card.Split.HeldOut!.Sha256);
        Assert.NotEqual(evaluated.Card.Version, refitted.Card.Version);
        var ml = new MLContext(1);
        var heldOut = table.Dataset.Rows.Where(r => evaluated.Card.Split.HeldOut.Ids.Contains(r.CustomerId)).ToList();
        Assert.NotEqual(
            ChurnTrainer.RawScores(ml, evaluated.Churn, table.Dataset.Schema, heldOut),
            ChurnTrainer.RawScores(ml, refitted.Churn, table.Dataset.Schema, heldOut));

        // The same seed refits the same model.
        var again = BundleTrainer.TrainTable(table, path, options with { Refit = true }).Bundle;
        Assert.Equal(refitted.Card.Version, again.Card.Version);

        // Held-out evaluation (and so compare) on the training file is refused with what to do instead; a new file is measured.
        var refused = Assert.Throws<ArgumentException>(() => TableScoring.Evaluate(ml, refitted, path));
        Assert.Contains("train --refit", refused.Message, StringComparison.Ordinal);
        Assert.Contains("new labelled table", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BundleComparer.CompareOnTable(ml, evaluated, refitted, path));
        // Later customers: the same kind of rows under ids the bundle never saw.
        var lines = File.ReadAllLines(path);
        var fresh = files.WriteLines("later.csv", [lines[0], .. lines.Skip(1).Take(200).Select(l => "later-" + l)]);
        Assert.Equal(EvaluationBasis.NewRows, TableScoring.Evaluate(ml, refitted, fresh).Basis);
    }

    [Fact]
    public void ATableBundleWithAValueColumnRefitsItsValueModelAndTheSavedBundleScoresTheTableWithIt()
    {
        var path = files.Write("contracts.csv", SmallTableBundle.WriteWithValue());
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "Churn", ValueColumn = "Value" });
        var options = new TrainingOptions { Folds = 3, ChurnCandidates = [ChurnOptions.DefaultCandidates[0] with { NumberOfTrees = 60 }] };

        var evaluated = BundleTrainer.TrainTable(table, path, options).Bundle;
        var trained = BundleTrainer.TrainTable(table, path, options with { Refit = true }).Bundle;

        var refit = Assert.IsType<RefitSummary>(trained.Card.Refit);
        Assert.Equal(["churn", "lifetime value"], refit.Models);
        Assert.Contains("Lifetime value: " + evaluated.Card.LifetimeValue!.Algorithm, refit.Rule, StringComparison.Ordinal);
        Assert.Contains("the value intervals' calibration", refit.Rule, StringComparison.Ordinal);
        // The value card keeps the evaluation fit's held-out metrics, form and interval calibration; the served trees saw every row.
        var (before, after) = (evaluated.Card.LifetimeValue, trained.Card.LifetimeValue!);
        Assert.Equal(before.Holdout.Mae, after.Holdout.Mae);
        Assert.Equal(before.Algorithm, after.Algorithm);
        Assert.Equivalent(before.Intervals, after.Intervals, strict: true);
        Assert.Equal(evaluated.Card.Split.TrainCustomers, before.TreeCovers![0].Rows);
        // (A two-part model's amount part is fitted on the rows with a value, the first part on every row.)
        Assert.Equal(SmallTableBundle.Rows, after.TreeCovers![0].Rows);
        Assert.All(after.TreeCovers, c => Assert.Contains("training and held out", c.FittedOn, StringComparison.Ordinal));

        // Saved and loaded, the refitted bundle scores the training file's rows with the refitted value model.
        var folder = files.PathOf("refitted");
        trained.Save(new MLContext(1), folder);
        var ml = new MLContext(1);
        var loaded = ModelBundle.Load(ml, folder);
        Assert.NotNull(loaded.LifetimeValue);
        var rows = TableFile.Read(path, new TableRowEncoder(loaded.Card), labelsRequired: false);
        var served = TableScoring.Score(new BundleScorer(ml, loaded), rows.Rows, rows.RowWarnings, reasons: 3);
        var refitValues = LifetimeValueTrainer.Predict(ml, loaded.LifetimeValue, table.Dataset.Schema, table.Dataset.Rows);
        var evaluationValues = LifetimeValueTrainer.Predict(ml, evaluated.LifetimeValue!, table.Dataset.Schema, table.Dataset.Rows);
        Assert.NotEqual(evaluationValues, refitValues);
        for (var i = 0; i < served.Count; i++)
        {
            Assert.Equal(refitValues[i], served[i].PredictedValue!.Value, 4);
            Assert.Equal(TableScoring.ValueAtRisk(served[i].ChurnProbability, served[i].PredictedValue!.Value), served[i].ValueAtRisk!.Value, 12);
            Assert.NotNull(served[i].PredictedValueInterval);
        }

        // Explained by the refitted trees: the value reasons still add up to the prediction.
        Assert.All(served.Where(s => s.ValueTotals is not null), s => Assert.Equal(
            s.PredictedValue!.Value, s.ValueTotals!.Value.Baseline + s.ValueReasons.Sum(r => r.Contribution) + s.ValueTotals.Value.AllOther, 3));
    }

    [Fact]
    public void PermutationImportanceShufflesASampleOfALargeHeldOutSetAndTheSplitRuleSaysSo()
    {
        var path = files.Write("contracts.csv", SmallTableBundle.Write(withId: true));
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "Churn" });
        var options = new TrainingOptions { Folds = 3, MaxImportanceCustomers = 50, ChurnCandidates = [ChurnOptions.DefaultCandidates[0] with { NumberOfTrees = 20 }] };

        var card = BundleTrainer.TrainTable(table, path, options).Bundle.Card;

        Assert.True(card.Split.HoldoutCustomers > 50);
        Assert.Contains("permutation importance on a sample of 50 of them, stratified by the churn label", card.Split.Rule, StringComparison.Ordinal);
        Assert.NotEmpty(card.Churn.Importance);
        // Every held-out metric still counts every held-out customer.
        Assert.Equal(card.Split.HoldoutCustomers, card.Churn.Holdout.Count);
    }

    [Fact]
    public void RefitNeedsHeldOutRows()
    {
        var path = files.Write("contracts.csv", SmallTableBundle.Write(withId: true));
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "Churn" });
        var options = new TrainingOptions { Folds = 3, HoldoutShare = 0, Refit = true, ChurnCandidates = [ChurnOptions.DefaultCandidates[0] with { NumberOfTrees = 20 }] };

        var error = Assert.Throws<ArgumentException>(() => BundleTrainer.TrainTable(table, path, options));
        Assert.Contains("--holdout 0", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => files.Dispose();
}
