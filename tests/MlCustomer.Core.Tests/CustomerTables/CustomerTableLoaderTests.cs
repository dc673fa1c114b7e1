using System.Globalization;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Data;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.CustomerTables;

public sealed class CustomerTableLoaderTests : IDisposable
{
    private static readonly CustomerTableOptions Churn = new() { IdColumn = "id", LabelColumn = "churn" };

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>
    /// 40 customers with every kind of column: numbers with blanks and an NA, Yes/No, 0/1, categories with a
    /// rare value and blanks, a constant, an id-like e-mail, free-text notes, a date, and one the user excludes.
    /// </summary>
    private string MessyTable()
    {
        var lines = new List<string> { "id,charges,partner,senior,plan,country,email,notes,signup,secret,churn" };
        for (var i = 0; i < 40; i++)
        {
            var charges = i % 10 == 3 ? " " : i == 7 ? "NA" : (20 + (i * 1.5)).ToString("0.0", CultureInfo.InvariantCulture);
            var plan = i == 39 ? "platinum" : i % 13 == 5 ? "" : i % 2 == 0 ? "basic" : "premium";
            var notes = i % 20 == 0 ? "" : i % 5 == 1 ? "asked to cancel and got a discount" : $"called on day {i} about the bill";
            lines.Add($"C{i:000}, {charges} ,{(i % 3 == 0 ? "Yes" : "No")},{i % 4 / 3},{plan},US,user{i}@example.com,{notes}," +
                $"2024-01-{1 + (i % 28):00},{i % 2},{(i % 4 == 0 ? "Yes" : "No")}");
        }

        return _files.WriteLines("messy.csv", lines);
    }

    [Fact]
    public void EveryKindOfColumnInAMessyTableGetsTheRoleAndReasonExpected()
    {
        var table = CustomerTableLoader.Load(MessyTable(), Churn with { Exclude = new HashSet<string> { "secret" } });

        var byName = table.Columns.ToDictionary(c => c.Name);
        Assert.Equal(
            ["id", "charges", "partner", "senior", "plan", "country", "email", "notes", "signup", "secret", "churn"],
            table.Columns.Select(c => c.Name));
        Assert.Equal(ColumnRole.Id, byName["id"].Role);
        Assert.Equal(ColumnRole.Label, byName["churn"].Role);
        Assert.Equal((ColumnRole.Numeric, 5 / 40.0), (byName["charges"].Role, byName["charges"].MissingShare));
        Assert.Equal((ColumnRole.Boolean, "boolean (Yes = 1, No = 0)"), (byName["partner"].Role, byName["partner"].Reason));
        Assert.Equal((ColumnRole.Boolean, "boolean (0/1)"), (byName["senior"].Role, byName["senior"].Reason));
        Assert.Equal(ColumnRole.Categorical, byName["plan"].Role);
        Assert.Equal("categorical, 2 values (+1 rarer than 10 customers, grouped as (other))", byName["plan"].Reason);
        Assert.Equal((ColumnRole.Constant, "constant ('US' in every row)"), (byName["country"].Role, byName["country"].Reason));
        Assert.Equal((ColumnRole.IdLike, "id-like (100% distinct values)"), (byName["email"].Role, byName["email"].Reason));
        Assert.Equal((ColumnRole.FreeText, "free text (82% distinct values)"), (byName["notes"].Role, byName["notes"].Reason));
        Assert.Equal(ColumnRole.Date, byName["signup"].Role);
        Assert.Equal((ColumnRole.Excluded, "excluded by the user"), (byName["secret"].Role, byName["secret"].Reason));

        var dataset = table.Dataset;
        Assert.Equal(["charges", "partner", "senior"], dataset.Schema.NumericNames);
        Assert.Equal(["plan"], dataset.Schema.CategoricalNames);
        Assert.Equal(["country", "email", "notes", "secret", "signup"], dataset.ExcludedColumns.Keys);
        Assert.Equal("excluded by the user", dataset.ExcludedColumns["secret"]);
        Assert.False(dataset.HasValueLabel);
        Assert.Equal("Yes", table.PositiveLabel);
        Assert.Equal(40, dataset.Rows.Count);
        Assert.Equal(10, dataset.Rows.Count(r => r.Label));
    }

    [Fact]
    public void RowsCarryNumbersBooleansMissingValuesAndCategoryTermsInFileOrder()
    {
        var rows = CustomerTableLoader.Load(MessyTable(), Churn with { Exclude = new HashSet<string> { "secret" } }).Dataset.Rows;

        Assert.Equal("C000", rows[0].CustomerId);
        Assert.Equal([20f, 1f, 0f], rows[0].Numeric);
        Assert.Equal(["plan=basic"], rows[0].Categorical);
        Assert.True(rows[0].Label);
        Assert.True(float.IsNaN(rows[3].Numeric[0]));
        Assert.True(float.IsNaN(rows[7].Numeric[0]));
        Assert.Equal(1f, rows[3].Numeric[2]);
        Assert.Equal("plan=(missing)", rows[5].Categorical[0]);
        Assert.Equal("plan=(other)", rows[39].Categorical[0]);
        Assert.Equal("plan=premium", rows[1].Categorical[0]);
    }

    [Fact]
    public void DescribeGivesOneReadableLinePerColumnAfterASummary()
    {
        var lines = CustomerTableLoader.Load(MessyTable(), Churn with { Exclude = new HashSet<string> { "secret" } }).Describe();

        Assert.Equal("40 customers, 10 churned ('Yes', 25%); 4 features (1 numeric, 2 boolean, 1 categorical), 5 columns excluded", lines[0]);
        Assert.Contains("id: id", lines);
        Assert.Contains("charges: numeric, 13% missing", lines);
        Assert.Contains("senior: boolean (0/1)", lines);
        Assert.Contains("plan: categorical, 2 values (+1 rarer than 10 customers, grouped as (other)), 7.5% missing", lines);
        Assert.Contains("notes: excluded, free text (82% distinct values)", lines);
        Assert.Contains("secret: excluded by the user", lines);
        Assert.Contains("churn: label (churned = 'Yes')", lines);
    }

    [Fact]
    public void ALabelColumnThatDoesNotExistIsNamedWithTheHeaderFound()
    {
        var path = _files.WriteLines("t.csv", "customerID,tenure,Churn", "a,1,Yes", "b,2,No");

        var error = Assert.Throws<DataFileException>(() =>
            CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customerID", LabelColumn = "churned" }));

        Assert.Equal((1L, "churned"), (error.Line, error.Column));
        Assert.Equal(
            "t.csv, line 1, column 'churned': required column 'churned' (the label column) is missing; the header has: 'customerID', 'tenure', 'Churn'",
            error.Message);
    }

    [Fact]
    public void ALabelNameInTheWrongCaseIsPointedOut()
    {
        var path = _files.WriteLines("t.csv", "customerID,Churn", "a,Yes", "b,No");

        var error = Assert.Throws<DataFileException>(() =>
            CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customerID", LabelColumn = "churn" }));

        Assert.Contains("'churn' (the label column; the header has 'Churn', and names are case-sensitive)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingIdColumnAndAWrongDelimiterAreBothExplained()
    {
        var path = _files.WriteLines("t.csv", "customerID;Churn", "a;Yes", "b;No");

        var error = Assert.Throws<DataFileException>(() =>
            CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customerID", LabelColumn = "Churn" }));

        Assert.Contains("required columns 'customerID' (the id column), 'Churn' (the label column) are missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("set delimiter to ';'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExcludedColumnThatDoesNotExistIsAnErrorNotASilentNoOp()
    {
        var path = _files.WriteLines("t.csv", "id,tenure,churn", "a,1,Yes", "b,2,No");

        var error = Assert.Throws<DataFileException>(() =>
            CustomerTableLoader.Load(path, Churn with { Exclude = new HashSet<string> { "tenur" } }));

        Assert.Equal((1L, "tenur"), (error.Line, error.Column));
        Assert.Contains("the header has: 'id', 'tenure', 'churn'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Yes", "No", "Yes")]
    [InlineData("no", "yes", "yes")]
    [InlineData("0", "1", "1")]
    [InlineData("False", "True", "True")]
    [InlineData("N", "Y", "Y")]
    [InlineData("Existing Customer", "Attrited Customer", "Attrited Customer")]
    [InlineData("active", "gone", "gone")]
    [InlineData("stayed", "churned", "churned")]
    public void ThePositiveLabelIsInferredFromTheWordsUsed(string first, string second, string positive)
    {
        var path = _files.WriteLines("t.csv", "id,churn", $"a,{first}", $"b,{second}", $"c,{first}");

        var table = CustomerTableLoader.Load(path, Churn);

        Assert.Equal(positive, table.PositiveLabel);
        Assert.Equal([first == positive, second == positive, first == positive], table.Dataset.Rows.Select(r => r.Label));
    }

    [Fact]
    public void AnExplicitPositiveLabelWinsAndMatchesRegardlessOfCase()
    {
        var path = _files.WriteLines("t.csv", "id,status", "a,gold", "b,silver", "c,gold");

        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "id", LabelColumn = "status", PositiveLabel = "SILVER" });

        Assert.Equal("silver", table.PositiveLabel);
        Assert.Equal([false, true, false], table.Dataset.Rows.Select(r => r.Label));
    }

    [Fact]
    public void APositiveLabelThatCannotBeInferredListsTheValuesSeen()
    {
        var path = _files.WriteLines("t.csv", "id,status", "a,gold", "b,silver");

        var error = Assert.Throws<DataFileException>(() => CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "id", LabelColumn = "status" }));

        Assert.Equal("status", error.Column);
        Assert.Contains("cannot tell which label value means churned ('gold' in 1 rows, first on line 2; 'silver' in 1 rows, first on line 3)", error.Message, StringComparison.Ordinal);
        Assert.Contains("--positive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExplicitPositiveLabelThatIsNotInTheFileIsAnError()
    {
        var path = _files.WriteLines("t.csv", "id,churn", "a,Yes", "b,No");

        var error = Assert.Throws<DataFileException>(() => CustomerTableLoader.Load(path, Churn with { PositiveLabel = "1" }));

        Assert.Contains("the positive label '1' is not among the label values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALabelWithThreeValuesIsAnErrorListingThem()
    {
        var path = _files.WriteLines("t.csv", "id,churn", "a,Yes", "b,No", "c,Maybe", "d,No");

        var error = Assert.Throws<DataFileException>(() => CustomerTableLoader.Load(path, Churn with { PositiveLabel = "Yes" }));

        Assert.Equal("churn", error.Column);
        Assert.Contains("the label has 3 distinct values ('No' in 2 rows, first on line 3; 'Yes' in 1 rows, first on line 2; 'Maybe' in 1 rows, first on line 4)",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABlankLabelStopsTheLoadAtItsLineOrIsSkippedAndCounted()
    {
        var path = _files.WriteLines("t.csv", "id,churn", "a,Yes", "b, ", "c,No");

        var error = Assert.Throws<DataFileException>(() => CustomerTableLoader.Load(path, Churn));
        var table = CustomerTableLoader.Load(path, Churn with { SkipBadRows = true });

        Assert.Equal((3L, "churn"), (error.Line, error.Column));
        Assert.Equal(["a", "c"], table.Dataset.Rows.Select(r => r.CustomerId));
        Assert.Equal(1, table.Report.Files[0].SkippedByReason["missing churn"]);
    }

    [Fact]
    public void ANumericColumnWithOneBadCellAmongManyStopsTheLoadNamingLineAndColumn()
    {
        var lines = new List<string> { "id,tenure,churn" };
        lines.AddRange(Enumerable.Range(0, 300).Select(i => $"c{i},{(i == 150 ? "twelve" : (i % 72).ToString(CultureInfo.InvariantCulture))},{(i % 3 == 0 ? "Yes" : "No")}"));
        var path = _files.WriteLines("t.csv", lines);

        var error = Assert.Throws<DataFileException>(() => CustomerTableLoader.Load(path, Churn));

        Assert.Equal((152L, "tenure"), (error.Line, error.Column));
        Assert.StartsWith("t.csv, line 152, column 'tenure': 'twelve' is not a number, but the other 299 filled cells of this column are numbers", error.Message, StringComparison.Ordinal);
        Assert.Contains("--exclude tenure", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WhenSkippingBadRowsTheRowWithTheBadNumberIsLeftOutAndCounted()
    {
        var lines = new List<string> { "id,tenure,churn" };
        lines.AddRange(Enumerable.Range(0, 300).Select(i => $"c{i},{(i == 150 ? "twelve" : (i % 72).ToString(CultureInfo.InvariantCulture))},{(i % 3 == 0 ? "Yes" : "No")}"));
        var path = _files.WriteLines("t.csv", lines);

        var table = CustomerTableLoader.Load(path, Churn with { SkipBadRows = true });

        Assert.Equal(ColumnRole.Numeric, table.Columns[1].Role);
        Assert.Equal(299, table.Dataset.Rows.Count);
        Assert.DoesNotContain(table.Dataset.Rows, r => r.CustomerId == "c150");
        var file = table.Report.Files[0];
        Assert.Equal((300L, 299L, 1L), (file.RowsRead, file.RowsLoaded, file.SkippedByReason["unparsable tenure"]));
        Assert.Equal(152, file.SkippedExamples.Single().Line);
    }

    [Fact]
    public void AColumnWithManyTextCellsAmongNumbersIsTextNotAnError()
    {
        var lines = new List<string> { "id,size,churn" };
        lines.AddRange(Enumerable.Range(0, 100).Select(i => $"c{i},{(i % 10 == 0 ? "large" : (i % 3).ToString(CultureInfo.InvariantCulture))},{(i % 3 == 0 ? "Yes" : "No")}"));
        var path = _files.WriteLines("t.csv", lines);

        var table = CustomerTableLoader.Load(path, Churn);

        Assert.Equal(ColumnRole.Categorical, table.Columns[1].Role);
    }

    [Fact]
    public void NumbersWrittenWithThousandSeparatorsAreTextWithAHintHowToUseThem()
    {
        var lines = new List<string> { "id,revenue,churn" };
        lines.AddRange(Enumerable.Range(0, 40).Select(i => $"c{i},\"{1 + (i % 7)},{i * 37 % 1000:000}.50\",{(i % 3 == 0 ? "Yes" : "No")}"));
        var path = _files.WriteLines("t.csv", lines);

        var revenue = CustomerTableLoader.Load(path, Churn).Columns[1];

        Assert.Equal(ColumnRole.IdLike, revenue.Role);
        Assert.EndsWith("its values look like numbers written with thousand separators (e.g. 1,234.5): export them without to use them as numbers",
            revenue.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateIdsAreAnErrorNamingBothLines()
    {
        var path = _files.WriteLines("t.csv", "id,churn", "a,Yes", "b,No", "c,No", "b,Yes");

        var error = Assert.Throws<DataFileException>(() => CustomerTableLoader.Load(path, Churn));

        Assert.Equal((5L, "id"), (error.Line, error.Column));
        Assert.Equal("t.csv, line 5, column 'id': customer 'b' is already on line 3 (a customer table has one row per customer)", error.Message);
    }

    [Fact]
    public void AValueColumnBecomesTheValueLabelAndIsNeverAFeature()
    {
        var path = _files.WriteLines("t.csv", "id,profit,churn", "a,12.5,Yes", "b,-3,No", "c,0,No");

        var table = CustomerTableLoader.Load(path, Churn with { ValueColumn = "profit" });

        Assert.True(table.Dataset.HasValueLabel);
        Assert.Equal([12.5f, -3f, 0f], table.Dataset.Rows.Select(r => r.Value));
        Assert.Empty(table.Dataset.Schema.NumericNames);
        Assert.Equal(ColumnRole.Value, table.Columns[1].Role);
    }

    [Fact]
    public void DecimalCommasAndSemicolonsAreReadWhenConfigured()
    {
        var path = _files.WriteLines("t.csv", "id;charges;churn", "a;1,5;Yes", "b; 2,25 ;No", "c;;No");

        var table = CustomerTableLoader.Load(path, Churn with { Format = new FileFormat { Delimiter = ";", DecimalSeparator = "," } });

        Assert.Equal([1.5f, 2.25f], table.Dataset.Rows.Take(2).Select(r => r.Numeric[0]));
        Assert.True(float.IsNaN(table.Dataset.Rows[2].Numeric[0]));
    }

    [Fact]
    public void AnIntegerColumnThatNumbersTheRowsIsIdLikeNotAFeature()
    {
        var lines = new List<string> { "RowNumber,id,CreditScore,churn" };
        lines.AddRange(Enumerable.Range(1, 50).Select(i => $"{i},c{i},{600 + (i * 7 % 200)},{(i % 4 == 0 ? 1 : 0)}"));
        var path = _files.WriteLines("t.csv", lines);

        var table = CustomerTableLoader.Load(path, Churn);

        Assert.Equal(ColumnRole.IdLike, table.Columns[0].Role);
        Assert.Equal(ColumnRole.Numeric, table.Columns[2].Role);
        Assert.Equal("1", table.PositiveLabel);
    }

    [Fact]
    public void TheDatasetFeedsTheFeatureContract()
    {
        var dataset = CustomerTableLoader.Load(MessyTable(), Churn).Dataset;

        var contract = FeatureContract.Learn(dataset.Schema, dataset.Rows);

        var plan = contract.Features.Single(f => f.Name == "plan");
        Assert.Equal([ModelDatasets.MissingCategory, ModelDatasets.OtherCategory, "basic", "premium"], plan.Categories);
        Assert.Equal(5 / 40.0, contract.Features.Single(f => f.Name == "charges").MissingShare, 9);
    }
}
