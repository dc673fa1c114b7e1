using System.Globalization;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.CustomerTables;
using MlCustomer.Core.Tests.Data;
using static MlCustomer.Core.Tests.Console.ConsoleProcess;

namespace MlCustomer.Core.Tests.Console;

public sealed class TableConsoleTests : IDisposable
{
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void ATableBundleScoresEvaluatesComparesAndChecksDriftOnTablesInTheTrainingFilesFormat()
    {
        // The small contract table with a value column (next year's charges, none for churners).
        var table = files.Write("contracts.csv", SmallTableBundle.WriteWithValue());
        var bundle = files.PathOf("bundle");
        var train = Run("train", "--table", table, "--id", "customer", "--label", "Churn", "--value-column", "Value", "--folds", "3", "--output", bundle);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        Assert.Contains("no segments and no profit tiers", train.Output, StringComparison.Ordinal);
        // 80 held-out rows hold fewer than 50 churners: the metrics come with a warning and the CV spread.
        Assert.Contains("warning: small data: the held-out set has", train.Output, StringComparison.Ordinal);
        Assert.Contains("3-fold cross-validated AUC", train.Output, StringComparison.Ordinal);
        var predictions = File.ReadAllLines(Path.Combine(bundle, "predictions.csv"));
        Assert.Equal("customer_id,fold,label,churn_probability,predicted_value", predictions[0]);
        var folds = predictions.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(SmallTableBundle.Rows, folds.Count);
        Assert.Equal(80, folds.Count(f => f[1] == "holdout"));
        Assert.All(folds.Where(f => f[1] == "holdout"), f => Assert.NotEqual("", f[4]));
        Assert.Equal(["1", "2", "3"], folds.Where(f => f[1] != "holdout").Select(f => f[1]).Distinct().Order());

        // Score the training file itself, without its label and with a column training never saw.
        var scoringFile = files.WriteLines("to-score.csv", File.ReadAllLines(table).Select((l, i) => string.Join(",", l.Split(',').Where((_, k) => k != 6)) + (i == 0 ? ",Region" : ",North")));
        var scoresFile = files.PathOf("scores.csv");
        var score = Run("score", "--bundle", bundle, "--table", scoringFile, "-o", scoresFile);
        Assert.True(score.ExitCode == 0, score.Error + score.Output);
        Assert.Contains("warning: ignored 1 column(s) the model was not trained with: 'Region'", score.Output, StringComparison.Ordinal);
        Assert.Contains("no segments and no profit tiers", score.Output, StringComparison.Ordinal);
        var written = File.ReadAllLines(scoresFile);
        Assert.Equal(
            "customer,churn_probability,risk_band,predicted_value,predicted_value_p10,predicted_value_p50,predicted_value_p90,value_at_risk," +
            "purchase_probability,predicted_value_if_buying_p10,predicted_value_if_buying_p90,model_reasons,warnings",
            written[0]);
        Assert.Equal(SmallTableBundle.Rows, written.Length - 1);
        // Table bundles explain with TreeSHAP too: the same sentences as the transactional score and the API.
        Assert.Contains(written.Skip(1), l => l.Contains("\"churn from a typical ", StringComparison.Ordinal)
            && l.Contains(" churn risk by ", StringComparison.Ordinal) && l.Contains("; value from a typical ", StringComparison.Ordinal));

        // The same probabilities as Core's scorer on the rows training made.
        var ml = new MLContext(1);
        var loaded = ModelBundle.Load(ml, bundle);
        var trained = CustomerTableLoader.Load(table, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "Churn", ValueColumn = "Value" });
        var expected = new BundleScorer(ml, loaded).Score(trained.Dataset.Rows, reasons: 0);
        for (var i = 0; i < expected.Count; i++)
        {
            var cells = written[i + 1].Split(',');
            Assert.Equal(expected[i].CustomerId, cells[0]);
            Assert.Equal(Math.Round(expected[i].ChurnProbability, 6), double.Parse(cells[1], CultureInfo.InvariantCulture));
            Assert.Equal(Math.Round(expected[i].PredictedGrossProfit!.Value, 2), double.Parse(cells[3], CultureInfo.InvariantCulture));
            // The value interval is the one /scores and /scores/csv serve (gross_profit_p10…p90) for the same row.
            var interval = expected[i].GrossProfitInterval!;
            Assert.Equal([Math.Round(interval.P10, 2), Math.Round(interval.P50, 2), Math.Round(interval.P90, 2)], cells[4..7].Select(c => double.Parse(c, CultureInfo.InvariantCulture)));
            Assert.Equal(Math.Round(TableScoring.ValueAtRisk(expected[i].ChurnProbability, expected[i].PredictedGrossProfit!.Value), 2), double.Parse(cells[7], CultureInfo.InvariantCulture));
            // The two-part value model's purchase outlook as Core writes it (empty cells where the chosen form is one-part).
            Assert.Equal(PurchaseOutlook.Cells(interval).Select(c => c.ToCsv()), cells[8..11]);
        }

        // Evaluate on the training file: the held-out rows only, with the card's metrics.
        var evaluate = Run("evaluate", "--bundle", bundle, "--table", table);
        Assert.True(evaluate.ExitCode == 0, evaluate.Error + evaluate.Output);
        Assert.Contains("held-out rows only: 80 held out, 320 training rows excluded", evaluate.Output, StringComparison.Ordinal);
        Assert.Contains($"{loaded.Card.Churn.Holdout.Auc:0.000}", evaluate.Output, StringComparison.Ordinal);
        Assert.Contains("observed churn", evaluate.Output, StringComparison.Ordinal);

        var compare = Run("compare", bundle, bundle, "--table", table, "--resamples", "50");
        Assert.True(compare.ExitCode == 0, compare.Error + compare.Output);
        Assert.Contains("churn AUC", compare.Output, StringComparison.Ordinal);
        Assert.Contains("identical", compare.Output, StringComparison.Ordinal);

        var drift = Run("drift", "--bundle", bundle, "--table", scoringFile);
        Assert.True(drift.ExitCode is 0 or 2, drift.Error + drift.Output);
        Assert.Contains("Drift of the table (400 customers)", drift.Output, StringComparison.Ordinal);
        Assert.Contains("Charges", drift.Output, StringComparison.Ordinal);

        // Without the label column there is nothing to evaluate: one line naming it.
        var unlabeled = Run("evaluate", "--bundle", bundle, "--table", scoringFile);
        Assert.Equal(1, unlabeled.ExitCode);
        Assert.Contains("the label column 'Churn' is missing", unlabeled.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void HoldoutZeroFitsOnEveryRowAndSaysThatNoHeldOutMetricsExist()
    {
        var table = files.Write("contracts.csv", SmallTableBundle.Write(withId: true));
        var bundle = files.PathOf("bundle");

        var train = Run("train", "--table", table, "--id", "customer", "--label", "Churn", "--folds", "3", "--holdout", "0", "--output", bundle);

        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        Assert.Contains("warning: no rows held out (--holdout 0): the served model saw every row and no held-out metrics exist", train.Output, StringComparison.Ordinal);
        Assert.Contains("out-of-fold, nothing held out", train.Output, StringComparison.Ordinal);
        var card = ModelBundle.ReadCard(bundle);
        Assert.Equal((SmallTableBundle.Rows, 0), (card.Split.TrainCustomers, card.Split.HoldoutCustomers));
        Assert.Contains("out-of-fold predictions, not held-out customers", card.Split.Rule, StringComparison.Ordinal);
        Assert.Equal(SmallTableBundle.Rows, File.ReadAllLines(Path.Combine(bundle, "predictions.csv")).Length - 1);
        var evaluate = Run("evaluate", "--bundle", bundle, "--table", table);
        Assert.Equal(1, evaluate.ExitCode);
        Assert.Contains("no held-out metrics", evaluate.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAnIdColumnTrainingWarnsAndScoringNumbersTheRows()
    {
        var table = files.Write("no-id.csv", SmallTableBundle.Write(withId: false));
        var bundle = files.PathOf("bundle");

        var train = Run("train", "--table", table, "--label", "Churn", "--folds", "3", "--output", bundle);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        Assert.Contains("warning: no --id: each row's number", train.Output, StringComparison.Ordinal);

        var scores = files.PathOf("scores.csv");
        var score = Run("score", "--bundle", bundle, "--table", table, "-o", scores);
        Assert.True(score.ExitCode == 0, score.Error + score.Output);
        Assert.Contains(TableFile.RowNumbersAsIds, score.Output, StringComparison.Ordinal);
        var written = File.ReadAllLines(scores);
        Assert.StartsWith("row,churn_probability,risk_band,model_reasons,warnings", written[0], StringComparison.Ordinal);
        Assert.StartsWith("1,", written[1], StringComparison.Ordinal);
        Assert.StartsWith("400,", written[^1], StringComparison.Ordinal);
    }
}
