using MlCustomer.Core.Data;

namespace MlCustomer.Core.Tests.Data;

public sealed class DataMappingTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void MappingWithCommentsLoads()
    {
        var path = _files.Write("mapping.json", """
            // An export with German names.
            {
              "transactions": {
                "delimiter": ";",
                "decimalSeparator": ",", // decimal commas
                "dateFormat": "dd.MM.yyyy",
                "columns": { "customer_id": "Kunde" }
              },
              "costEstimate": { "defaultMarginRate": 0.3 }
            }
            """);

        var mapping = DataMapping.Load(path);

        Assert.Equal(("Kunde", ';', 0.3), (mapping.Transactions.SourceName(TransactionColumns.CustomerId), mapping.Transactions.DelimiterChar, mapping.CostEstimate.DefaultMarginRate));
    }

    [Fact]
    public void BrokenJsonNamesTheFileAndLine()
    {
        var path = _files.Write("mapping.json", "{\n  \"transactions\": {\n    \"delimiter\": \";\"\n    \"decimalSeparator\": \",\"\n  }\n}\n");

        var error = Assert.Throws<DataFileException>(() => DataMapping.Load(path));

        Assert.Equal(4, error.Line);
        Assert.Contains("not a valid mapping", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownPropertyIsAnError()
    {
        var path = _files.Write("mapping.json", """{ "transactions": { "delimeter": ";" } }""");

        var error = Assert.Throws<DataFileException>(() => DataMapping.Load(path));

        Assert.Contains("delimeter", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "transactions": { "delimiter": ";;" } }""", "transactions.delimiter must be one character")]
    [InlineData("""{ "customers": { "decimalSeparator": "'" } }""", "customers.decimalSeparator must be '.' or ','")]
    [InlineData("""{ "transactions": { "decimalSeparator": "," } }""", "',' cannot be both the delimiter and the decimal separator")]
    [InlineData("""{ "transactions": { "columns": { "orderdate": "Datum" } } }""", "transactions.columns.orderdate is not a transactions column of the contract")]
    [InlineData("""{ "customers": { "columns": { "region": "Region" } } }""", "customers.columns.region is not a customers column of the contract")]
    [InlineData("""{ "costEstimate": { "defaultMarginRate": 25 } }""", "costEstimate.defaultMarginRate must be between -1 and 1")]
    public void UnusableSettingIsAnErrorSayingWhichAndWhy(string json, string problem)
    {
        var path = _files.Write("mapping.json", json);

        var error = Assert.Throws<DataFileException>(() => DataMapping.Load(path));

        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingMappingFileIsAnError()
    {
        var error = Assert.Throws<DataFileException>(() => DataMapping.Load(_files.PathOf("none.json")));

        Assert.Contains("mapping file not found", error.Message, StringComparison.Ordinal);
    }
}
