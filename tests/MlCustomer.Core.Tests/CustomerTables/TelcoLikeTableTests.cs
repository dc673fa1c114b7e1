using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.CustomerTables;

public sealed class TelcoLikeTableTests : IDisposable
{
    private static readonly CustomerTableOptions Telco = new() { IdColumn = "customerID", LabelColumn = "Churn" };

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void ATelcoLikeContractTableLoadsWithTheRolesAnAnalystWouldGiveIt()
    {
        var path = _files.PathOf("telco.csv");
        var summary = TelcoLikeTable.Write(path, TelcoLikeTable.PublicTableRows, seed: 42);

        var table = CustomerTableLoader.Load(path, Telco);

        var roles = table.Columns.ToDictionary(c => c.Name, c => c.Role);
        Assert.Equal(ColumnRole.Id, roles["customerID"]);
        Assert.Equal(ColumnRole.Label, roles["Churn"]);
        Assert.Equal("Yes", table.PositiveLabel);
        Assert.Equal(["SeniorCitizen", "Partner", "Dependents", "tenure", "PhoneService", "PaperlessBilling", "MonthlyCharges", "TotalCharges"],
            table.Dataset.Schema.NumericNames);
        Assert.Equal(["gender", "MultipleLines", "InternetService", "OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport",
            "StreamingTV", "StreamingMovies", "Contract", "PaymentMethod"], table.Dataset.Schema.CategoricalNames);
        Assert.Empty(table.Dataset.ExcludedColumns);
        Assert.Equal(TelcoLikeTable.PublicTableRows, table.Dataset.Rows.Count);
        Assert.Equal(summary.Churners, table.Dataset.Rows.Count(r => r.Label));

        // TotalCharges is " " for customers who have just signed (tenure 0): missing, not an error.
        var totalCharges = table.Dataset.Schema.NumericNames.ToList().IndexOf("TotalCharges");
        var tenure = table.Dataset.Schema.NumericNames.ToList().IndexOf("tenure");
        var blank = table.Dataset.Rows.Where(r => float.IsNaN(r.Numeric[totalCharges])).ToList();
        Assert.NotEmpty(blank);
        Assert.All(blank, r => Assert.Equal(0f, r.Numeric[tenure]));
        Assert.Contains(table.Describe(), line => line.StartsWith("TotalCharges: numeric, 0.", StringComparison.Ordinal) && line.EndsWith("% missing", StringComparison.Ordinal));
        Assert.Contains("SeniorCitizen: boolean (0/1)", table.Describe());
    }

    [Fact]
    public void TheTelcoLikeTableHasThePublicTablesChurnShareAndARealisticCeilingOnAuc()
    {
        var path = _files.PathOf("telco.csv");
        var summary = TelcoLikeTable.Write(path, TelcoLikeTable.PublicTableRows, seed: 42);
        var labels = CustomerTableLoader.Load(path, Telco).Dataset.Rows.Select(r => r.Label).ToArray();

        var churnShare = (double)summary.Churners / summary.Rows;
        var oracleAuc = BinaryMetrics.Auc(summary.TrueChurnProbabilities.ToArray(), labels)!.Value;

        Assert.InRange(churnShare, 0.245, 0.285);
        Assert.InRange(oracleAuc, 0.84, 0.87);
    }

    [Fact]
    public void TheSameSeedWritesTheSameTable()
    {
        TelcoLikeTable.Write(_files.PathOf("a.csv"), 500, seed: 7);
        TelcoLikeTable.Write(_files.PathOf("b.csv"), 500, seed: 7);
        TelcoLikeTable.Write(_files.PathOf("c.csv"), 500, seed: 8);

        Assert.Equal(File.ReadAllBytes(_files.PathOf("a.csv")), File.ReadAllBytes(_files.PathOf("b.csv")));
        Assert.NotEqual(File.ReadAllBytes(_files.PathOf("a.csv")), File.ReadAllBytes(_files.PathOf("c.csv")));
        Assert.Equal(TelcoLikeTable.Header, File.ReadLines(_files.PathOf("a.csv")).First());
    }
}
