using MlCustomer.Core.Data;

namespace MlCustomer.Core.Tests.Data;

public sealed class ServiceEventsLoaderTests : IDisposable
{
    private static readonly LoadOptions Strict = new() { LatestValidDate = new DateOnly(2024, 12, 31) };

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string Transactions() => _files.WriteLines("transactions.csv",
        "customer_id,order_id,order_date,category,quantity,revenue,cost,discount,channel",
        "c1,o1,2024-03-01,Books,1,20,10,0,web",
        "c2,o2,2024-03-02,Books,1,30,10,0,web");

    private string Customers() => _files.WriteLines("customers.csv", "customer_id", "c1", "c2");

    private string Events(params string[] lines) => _files.WriteLines("service-events.csv", lines);

    private DataFileException LoadFails(string events, LoadOptions? options = null) =>
        Assert.Throws<DataFileException>(() => CustomerDataLoader.Load(Transactions(), Customers(), options ?? Strict, events));

    [Fact]
    public void DatedEventsLoadWithTheMeasuresTheFileHas()
    {
        var data = CustomerDataLoader.Load(Transactions(), Customers(), Strict, Events(
            "customer_id,event_date,support_tickets,service_cost,satisfaction",
            "c1,2024-02-01,1,12.50,",
            "c2,2024-02-03,0,2,4"));

        Assert.Equal(
            [new ServiceEvent("c1", new DateOnly(2024, 2, 1), 1, null, 12.5, null), new ServiceEvent("c2", new DateOnly(2024, 2, 3), 0, null, 2, 4)],
            data.ServiceEvents!);
        Assert.Equal(["satisfaction", "service_cost", "support_tickets"], data.ServiceEventMeasures.Order(StringComparer.Ordinal));
        Assert.Contains(data.Report.Files, f => Path.GetFileName(f.File) == "service-events.csv" && f.RowsLoaded == 2);
    }

    [Fact]
    public void WithoutTheFileThereAreNoEvents()
    {
        var data = CustomerDataLoader.Load(Transactions(), Customers(), Strict);

        Assert.Null(data.ServiceEvents);
    }

    [Theory]
    [InlineData("c1,2024-02-01,1.5,0,3,4", 2, "support_tickets", "not a count")]
    [InlineData("c1,2024-02-01,1,-1,3,4", 2, "complaints", "not a count")]
    [InlineData("c1,2024-02-01,1,0,-3,4", 2, "service_cost", "negative")]
    [InlineData("c1,2024-02-01,1,0,3,6", 2, "satisfaction", "outside the satisfaction scale")]
    [InlineData("c1,2025-06-01,1,0,3,4", 2, "event_date", "future")]
    [InlineData("c9,2024-02-01,1,0,3,4", 2, "customer_id", "'c9' is not in customers.csv")]
    public void ABadRowIsRefusedNamingTheLineAndColumn(string row, long line, string column, string problem)
    {
        var error = LoadFails(Events("customer_id,event_date,support_tickets,complaints,service_cost,satisfaction", row));

        Assert.Equal(("service-events.csv", line, column), (Path.GetFileName(error.File), error.Line, error.Column));
        Assert.Contains(problem, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AFileWithoutADateColumnIsRefused()
    {
        var error = LoadFails(Events("customer_id,support_tickets", "c1,1"));

        Assert.Contains("'event_date'", error.Message);
    }

    [Fact]
    public void AFileWithoutAnyMeasureIsRefused()
    {
        var error = LoadFails(Events("customer_id,event_date,notes", "c1,2024-02-01,called"));

        Assert.Contains("'support_tickets'", error.Message);
        Assert.Contains("'satisfaction'", error.Message);
        Assert.Contains("the header has: 'customer_id', 'event_date', 'notes'", error.Message);
    }

    [Fact]
    public void SkippedEventRowsAreCountedByReason()
    {
        var data = CustomerDataLoader.Load(Transactions(), Customers(), Strict with { SkipBadRows = true }, Events(
            "customer_id,event_date,service_cost",
            "c1,2024-02-01,3",
            "c1,2024-02-02,-3",
            "c9,2024-02-03,3"));

        Assert.Single(data.ServiceEvents!);
        var file = data.Report.Files.Single(f => Path.GetFileName(f.File) == "service-events.csv");
        Assert.Equal(2, file.RowsRead - file.RowsLoaded);
    }

    [Fact]
    public void TheMappingRenamesServiceEventColumnsAndGivesTheCustomersExportDate()
    {
        var mappingFile = _files.Write("mapping.json", """
            { "serviceEvents": { "columns": { "event_date": "Date", "service_cost": "Cost" }, "dateFormat": "dd/MM/yyyy" },
              "customersExportDate": "2024-06-30" }
            """);
        var mapping = DataMapping.Load(mappingFile);

        var data = CustomerDataLoader.Load(Transactions(), Customers(), Strict with { Mapping = mapping }, Events("customer_id,Date,Cost", "c1,01/02/2024,3"));

        Assert.Equal(new DateOnly(2024, 2, 1), data.ServiceEvents![0].EventDate);
        Assert.Equal(new DateOnly(2024, 6, 30), data.ServiceSnapshotDate);
    }
}
