using System.Globalization;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.CustomerTables;

/// <summary>The committed sample data, and rows like it, turned into a customer table.</summary>
public sealed class SampleCustomerTableTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void AFewSampleLikeRowsWithRegionSatisfactionAndChurnedLoad()
    {
        var regions = new[] { "North", "South" };
        var lines = new List<string> { "customer_id,region,satisfaction,churned" };
        lines.AddRange(Enumerable.Range(1, 24).Select(i =>
            $"C{i:00000},{regions[i % 2]},{(i % 6 == 0 ? "" : (1 + (i % 5)).ToString(CultureInfo.InvariantCulture))},{(i % 3 == 0 ? "yes" : "no")}"));
        var path = _files.WriteLines("customers-with-churn.csv", lines);

        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer_id", LabelColumn = "churned" });

        Assert.Equal(
            ["customer_id: id", "region: categorical, 2 values", "satisfaction: numeric, 17% missing", "churned: label (churned = 'yes')"],
            table.Describe().Skip(1));
        Assert.Equal(8, table.Dataset.Rows.Count(r => r.Label));
        Assert.Equal(["region=South"], table.Dataset.Rows[0].Categorical);
        Assert.Equal([2f], table.Dataset.Rows[0].Numeric);
    }

    [Fact]
    public void TheCommittedSampleCustomersWithTheirGroundTruthLoadAsACustomerTable()
    {
        var folder = Path.Combine(RepositoryFolders.Root, "training-data");
        var truth = ReadCsv(Path.Combine(folder, "ground-truth.csv"))
            .Where(r => r["signed_up_by_as_of"] == "true")
            .ToDictionary(r => r["customer_id"], r => r["alive_at_as_of"] == "true" ? "no" : "yes");
        var customerLines = File.ReadLines(Path.Combine(folder, "customers.csv")).ToList();
        var lines = new List<string> { customerLines[0] + ",churned" };
        lines.AddRange(customerLines.Skip(1)
            .Select(line => (Line: line, Id: line[..line.IndexOf(',', StringComparison.Ordinal)]))
            .Where(c => truth.ContainsKey(c.Id))
            .Select(c => $"{c.Line},{truth[c.Id]}"));
        var path = _files.WriteLines("sample-customer-table.csv", lines);

        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer_id", LabelColumn = "churned" });

        var roles = table.Columns.ToDictionary(c => c.Name, c => c.Role);
        Assert.Equal(ColumnRole.Date, roles["signup_date"]);
        Assert.Equal(ColumnRole.Boolean, roles["loyalty_member"]);
        Assert.Equal(["loyalty_member", "support_tickets", "complaints", "service_cost", "satisfaction"], table.Dataset.Schema.NumericNames);
        Assert.Equal(["region", "acquisition_channel", "age_band"], table.Dataset.Schema.CategoricalNames);
        Assert.True(table.Columns.Single(c => c.Name == "satisfaction").MissingShare > 0);
        Assert.Equal("yes", table.PositiveLabel);
        Assert.Equal(truth.Count, table.Dataset.Rows.Count);
        Assert.Equal(truth.Values.Count(v => v == "yes"), table.Dataset.Rows.Count(r => r.Label));
    }

    // The sample files have no quoted fields, so a split is enough to join them in a test.
    private static IEnumerable<Dictionary<string, string>> ReadCsv(string path)
    {
        using var lines = File.ReadLines(path).GetEnumerator();
        lines.MoveNext();
        var header = lines.Current.Split(',');
        while (lines.MoveNext())
        {
            var cells = lines.Current.Split(',');
            yield return header.Select((name, i) => (name, cells[i])).ToDictionary(c => c.name, c => c.Item2);
        }
    }
}
