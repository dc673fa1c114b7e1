using MlCustomer.Core.Data;
using Xunit.Abstractions;

namespace MlCustomer.Core.Tests.Data;

/// <summary>The real UCI Online Retail export, when it is present next to the repository (it is never inside it).</summary>
public sealed class OnlineRetailTests(ITestOutputHelper output)
{
    private static string MappingPath => Path.Combine(RepositoryFolders.Root, "training-data", "mappings", "uci-retail-export.json");

    [Fact]
    public void OnlineRetailMappingInTheRepositoryIsValid()
    {
        var mapping = DataMapping.Load(MappingPath);

        Assert.Equal("InvoiceNo", mapping.Transactions.SourceName(TransactionColumns.OrderId));
        Assert.Equal(0.25, mapping.CostEstimate.DefaultMarginRate);
    }

    [SkippableFact]
    public void OnlineRetailExportLoadsThroughItsMappingAndCountsTheLinesWithoutCustomer()
    {
        var path = Path.Combine(RepositoryFolders.SharedDatasets, "online-retail-uci.csv.gz");
        Skip.IfNot(File.Exists(path), $"data not present: {path} (see the README's \"Public data sets\")");

        var mapping = DataMapping.Load(MappingPath);

        var data = CustomerDataLoader.Load(path, null, new LoadOptions { Mapping = mapping, SkipBadRows = true });

        var file = Assert.Single(data.Report.Files);
        Assert.Equal(541_909, file.RowsRead);
        Assert.Equal(new Dictionary<string, long> { ["missing customer_id"] = 135_080 }, file.SkippedByReason);
        Assert.Equal(406_829, data.Transactions.Count);
        Assert.Equal(4_372, data.Transactions.Select(t => t.CustomerId).Distinct().Count());
        Assert.Equal(8_905, data.Transactions.Count(t => t.OrderId.StartsWith('C')));
        Assert.All(data.Transactions.Where(t => t.OrderId.StartsWith('C')), t => Assert.True(t.IsReturn));
        Assert.Equal(8_300_065.81, data.Transactions.Sum(t => t.Revenue), precision: 2);
        Assert.True(data.CostIsEstimated);
        Assert.Equal((new DateOnly(2010, 12, 1), new DateOnly(2011, 12, 9)), (data.FirstOrderDate, data.LastOrderDate));
        output.WriteLine(data.Report.ToText());
    }
}
