using System.Globalization;
using System.Text;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Data;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.CustomerTables;

/// <summary>A small contract table with every kind of column, trained once for the encoding tests.</summary>
public sealed class SmallTableBundle : IDisposable
{
    public const int Rows = 400;

    public SmallTableBundle()
    {
        TablePath = Files.Write("contracts.csv", Write(withId: true));
        Table = CustomerTableLoader.Load(TablePath, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "Churn" });
        var bundle = BundleTrainer.TrainTable(Table, TablePath, new TrainingOptions { Folds = 3 }).Bundle;
        BundleFolder = Files.PathOf("bundle");
        bundle.Save(new MLContext(1), BundleFolder);
    }

    public TempFiles Files { get; } = new();

    public string TablePath { get; }

    public CustomerTable Table { get; }

    public string BundleFolder { get; }

    /// <summary>
    /// Yes/No Partner (some blank), a Plan with three common levels and one rare ("Legacy", 3 rows), numeric Charges with
    /// blanks and NA, a 0/1 Senior flag, a Notes column with a value per row (excluded as id-like), and the Yes/No Churn label.
    /// </summary>
    public static string Write(bool withId)
    {
        var random = new Random(7);
        var text = new StringBuilder(withId ? "customer," : "").Append("Partner,Plan,Charges,Senior,Notes,Churn\n");
        string[] plans = ["Basic", "Plus", "Premium"];
        for (var i = 0; i < Rows; i++)
        {
            var plan = i is 5 or 105 or 205 ? "Legacy" : plans[random.Next(3)];
            var partner = i % 19 == 0 ? "" : random.NextDouble() < 0.5 ? "Yes" : "No";
            var charges = i % 17 == 0 ? "" : i % 23 == 0 ? "NA" : (20 + (80 * random.NextDouble())).ToString("0.0", CultureInfo.InvariantCulture);
            var senior = random.NextDouble() < 0.2 ? 1 : 0;
            var risk = (plan == "Basic" ? 0.45 : 0.15) + (partner == "No" ? 0.15 : 0) + (0.1 * senior);
            var churned = random.NextDouble() < risk;
            text.Append(withId ? $"C{i:0000}," : "")
                .Append(CultureInfo.InvariantCulture, $"{partner},{plan},{charges},{senior},note number {i} about this customer,{(churned ? "Yes" : "No")}\n");
        }

        return text.ToString();
    }

    /// <summary>The table with ids and a Value column: next year's charges (12 × a step of the row number), 0 for churners.</summary>
    public static string WriteWithValue() => string.Join('\n', Write(withId: true).TrimEnd('\n').Split('\n').Select((l, i) => i == 0 ? l + ",Value"
        : l + "," + (l.EndsWith(",Yes", StringComparison.Ordinal) ? "0" : (12 * (i % 50)).ToString(CultureInfo.InvariantCulture)))) + "\n";

    public void Dispose() => Files.Dispose();
}

public sealed class TableEncodingTests(SmallTableBundle fixture) : IClassFixture<SmallTableBundle>
{
    [Fact]
    public void TheCardStoresEveryEncodingTrainingApplied()
    {
        var table = ModelBundle.ReadCard(fixture.BundleFolder).Table!;

        Assert.Equal("customer", table.IdColumn);
        Assert.Equal("Churn", table.LabelColumn);
        Assert.Equal(("Yes", "No"), (table.PositiveLabel, table.NegativeLabel));
        var columns = table.Columns.ToDictionary(c => c.Name);
        Assert.Equal(["Partner", "Plan", "Charges", "Senior", "Notes"], table.Columns.Select(c => c.Name));
        Assert.Equal(ColumnRole.Boolean, columns["Partner"].Role);
        Assert.Equal(new Dictionary<string, double> { ["No"] = 0, ["Yes"] = 1 }, columns["Partner"].BooleanValues);
        Assert.Equal(ColumnRole.Categorical, columns["Plan"].Role);
        Assert.Equal(["Basic", "Plus", "Premium"], columns["Plan"].KeptCategories);
        Assert.Equal(["Legacy"], columns["Plan"].GroupedCategories);
        Assert.Equal(ColumnRole.Numeric, columns["Charges"].Role);
        Assert.Equal(ColumnRole.Boolean, columns["Senior"].Role);
        Assert.Equal(ColumnRole.IdLike, columns["Notes"].Role);
        Assert.StartsWith("id-like", columns["Notes"].Reason, StringComparison.Ordinal);
        Assert.Contains("NA", table.MissingMarkers);
    }

    [Fact]
    public void ABundleWithoutValueOrRevenueModelsScoresNoValueAndNoValueOrRevenueExplanationOnEitherPath()
    {
        var ml = new MLContext(1);
        var bundle = ModelBundle.Load(ml, fixture.BundleFolder);

        foreach (var compile in new[] { true, false })
        {
            var scores = new BundleScorer(ml, bundle, compile).Score(fixture.Table.Dataset.Rows, reasons: 3);

            // The churn explanation adds up; nothing else is there, not even a zero baseline (/scores/csv writes empty cells).
            Assert.All(scores, s => Assert.NotNull(s.ChurnTotals));
            Assert.All(scores, s => Assert.True(
                s.PredictedGrossProfit is null && s.PredictedRevenue is null && s.GrossProfitInterval is null
                && s.ValueTotals is null && s.RevenueTotals is null && s.ValueReasons.Count == 0 && s.RevenueReasons.Count == 0,
                $"compile {compile}: {s.CustomerId} has value or revenue figures"));
        }
    }

    [Fact]
    public void ReadingTheTrainingFileForScoringGivesExactlyTheRowsTrainingMade()
    {
        var encoder = new TableRowEncoder(ModelBundle.ReadCard(fixture.BundleFolder));

        var read = TableFile.Read(fixture.TablePath, encoder, labelsRequired: true);

        var trained = fixture.Table.Dataset.Rows;
        Assert.Equal(trained.Count, read.Rows.Count);
        for (var i = 0; i < trained.Count; i++)
        {
            Assert.Equal(trained[i].CustomerId, read.Rows[i].CustomerId);
            Assert.Equal(trained[i].Numeric, read.Rows[i].Numeric);
            Assert.Equal(trained[i].Categorical, read.Rows[i].Categorical);
            Assert.Equal(trained[i].Label, read.Labels![i]);
        }

        Assert.All(read.RowWarnings, Assert.Empty);
        Assert.Empty(read.Notes);
    }

    [Fact]
    public void ValuesTrainingNeverSawAreScoredByTheDocumentedRuleWithAWarningAndNeverFail()
    {
        var encoder = new TableRowEncoder(ModelBundle.ReadCard(fixture.BundleFolder));
        var schema = encoder.Schema;
        var warnings = new List<string>();
        // Partner, Plan, Charges, Senior, in file order.
        Assert.Equal(["Partner", "Plan", "Charges", "Senior"], encoder.FeatureColumns);

        var known = encoder.Encode("a", [TableCell.OfText(" YES "), TableCell.OfText("Legacy"), new TableCell(null, 42.5), TableCell.OfText("1.0")], warnings);
        Assert.Empty(warnings);
        Assert.Equal(1f, known.Numeric[schema.NumericNames.ToList().IndexOf("Partner")]);
        Assert.Equal(42.5f, known.Numeric[schema.NumericNames.ToList().IndexOf("Charges")]);
        Assert.Equal(1f, known.Numeric[schema.NumericNames.ToList().IndexOf("Senior")]);
        Assert.Equal("Plan=(other)", known.Categorical[0]);

        var unseen = encoder.Encode("b", [TableCell.OfText("maybe"), TableCell.OfText("Gold"), TableCell.OfText("12,5"), TableCell.OfText("")], warnings);
        Assert.True(float.IsNaN(unseen.Numeric[schema.NumericNames.ToList().IndexOf("Partner")]));
        Assert.True(float.IsNaN(unseen.Numeric[schema.NumericNames.ToList().IndexOf("Charges")]));
        Assert.Equal("Plan=(other)", unseen.Categorical[0]);
        Assert.Contains(warnings, w => w.StartsWith("Partner 'maybe' is not one of the values training read (Yes = 1, No = 0)", StringComparison.Ordinal));
        Assert.Contains("Plan 'Gold' was not seen in training; scored as '(other)'", warnings);
        Assert.Contains(warnings, w => w.StartsWith("Charges '12,5' is not a number", StringComparison.Ordinal));
        // Senior was never blank in training: the model reads the gap as 0, which is worth a warning.
        Assert.Contains("Senior is missing, which it never was in training; the model reads it as 0", warnings);
    }

    [Fact]
    public void AScoringFileMayLackTheLabelAndCarryExtraColumnsInAnyOrder()
    {
        var encoder = new TableRowEncoder(ModelBundle.ReadCard(fixture.BundleFolder));
        var lines = File.ReadAllLines(fixture.TablePath);
        // Columns reversed, label dropped, one extra column: the rows are still the ones training made.
        var reordered = lines.Select(l => l.Split(',')).Select(c => string.Join(",", c[..^1].Reverse().Append("x"))).ToList();
        reordered[0] = string.Join(",", lines[0].Split(',')[..^1].Reverse().Append("Region"));
        var path = fixture.Files.WriteLines("reordered.csv", reordered);

        var read = TableFile.Read(path, encoder, labelsRequired: false);

        Assert.Equal(["ignored 1 column(s) the model was not trained with: 'Region'"], read.Notes);
        Assert.Null(read.Labels);
        Assert.Equal(fixture.Table.Dataset.Rows.Select(r => string.Join("|", r.Numeric) + string.Join("|", r.Categorical)),
            read.Rows.Select(r => string.Join("|", r.Numeric) + string.Join("|", r.Categorical)));
        var error = Assert.Throws<DataFileException>(() => TableFile.Read(path, encoder, labelsRequired: true));
        Assert.Contains("'Churn'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileWithoutAFeatureColumnIsRefusedNamingIt()
    {
        var encoder = new TableRowEncoder(ModelBundle.ReadCard(fixture.BundleFolder));
        var path = fixture.Files.WriteLines("no-plan.csv", File.ReadAllLines(fixture.TablePath).Select(l => string.Join(",", l.Split(',').Where((_, i) => i != 2))));

        var error = Assert.Throws<DataFileException>(() => TableFile.Read(path, encoder, labelsRequired: false));

        Assert.Equal("Plan", error.Column);
        Assert.Contains("required column 'Plan' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATableBundleFromBeforeTheEncodingWasStoredLoadsButAsksForARetrainToScoreATable()
    {
        var card = ModelBundle.ReadCard(fixture.BundleFolder) with { Table = null };

        var error = Assert.Throws<ModelBundleException>(() => new TableRowEncoder(card));

        Assert.Contains("retrain", error.Message, StringComparison.Ordinal);
        Assert.NotNull(ModelBundle.Load(new MLContext(1), fixture.BundleFolder));
    }

    [Fact]
    public void ATableWithoutAnIdColumnNumbersItsRowsAndScoringNumbersThemAlike()
    {
        using var files = new TempFiles();
        var path = files.Write("no-id.csv", SmallTableBundle.Write(withId: false));
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { LabelColumn = "Churn" });
        Assert.Equal(Enumerable.Range(1, SmallTableBundle.Rows).Select(i => i.ToString(CultureInfo.InvariantCulture)), table.Dataset.Rows.Select(r => r.CustomerId));
        Assert.StartsWith("no id column", table.Describe()[0], StringComparison.Ordinal);
        var bundle = BundleTrainer.TrainTable(table, path, new TrainingOptions { Folds = 3 }).Bundle;
        Assert.Null(bundle.Card.Table!.IdColumn);

        var read = TableFile.Read(path, new TableRowEncoder(bundle.Card), labelsRequired: false);

        Assert.Equal(table.Dataset.Rows.Select(r => r.CustomerId), read.Rows.Select(r => r.CustomerId));
        Assert.Contains(TableFile.RowNumbersAsIds, read.Notes);
    }
}
