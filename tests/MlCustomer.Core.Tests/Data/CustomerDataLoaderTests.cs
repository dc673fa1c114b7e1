using System.Globalization;
using MlCustomer.Core.Data;

namespace MlCustomer.Core.Tests.Data;

public sealed class CustomerDataLoaderTests : IDisposable
{
    private const string Header = "customer_id,order_id,order_date,category,quantity,revenue,cost,discount,channel";

    private static readonly DateOnly Today = new(2024, 12, 31);

    private static readonly LoadOptions Strict = new() { LatestValidDate = Today };

    private static readonly LoadOptions Skipping = Strict with { SkipBadRows = true };

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string Transactions(params string[] rows) => _files.WriteLines("transactions.csv", [Header, .. rows]);

    private static DataFileException LoadFails(string transactions, string? customers = null, LoadOptions? options = null) =>
        Assert.Throws<DataFileException>(() => CustomerDataLoader.Load(transactions, customers, options ?? Strict));

    [Fact]
    public void ContractNamedFilesLoadEveryField()
    {
        var transactions = Transactions(
            "c1,o1,2024-03-01,Books,2,19.90,12.5,1.5,web",
            "c2,o2,2024-03-02,Toys,-1,-5,-3,0,store",
            "c1,o3,2024-03-05,,1,7,4,,");
        var customers = _files.WriteLines("customers.csv",
            "customer_id,region,signup_date,support_tickets,complaints,service_cost,satisfaction,plan",
            "c1, North ,2023-01-15,2,0,12.5,4,gold",
            "c2,South,,,,,,");

        var data = CustomerDataLoader.Load(transactions, customers, Strict);

        Assert.Equal(
            new Transaction("c1", "o1", new DateOnly(2024, 3, 1), "Books", 2, 19.90, 12.5, 1.5, "web"),
            data.Transactions[0]);
        Assert.True(data.Transactions[1].IsReturn);
        Assert.Equal(("(none)", 0.0, "(none)"), (data.Transactions[2].Category, data.Transactions[2].Discount, data.Transactions[2].Channel));
        Assert.False(data.CostIsEstimated);
        Assert.Equal(["region", "plan"], data.AttributeNames);
        var first = data.Customers![0];
        Assert.Equal(("c1", new DateOnly(2023, 1, 15)), (first.CustomerId, first.SignupDate));
        Assert.Equal(["North", "gold"], first.Attributes);
        Assert.Equal((2.0, 0.0, 12.5, 4.0), (first.SupportTickets!.Value, first.Complaints!.Value, first.ServiceCostAmount!.Value, first.Satisfaction!.Value));
        var second = data.Customers[1];
        Assert.Equal((null, null, null, null, null), (second.SignupDate, second.SupportTickets, second.Complaints, second.ServiceCostAmount, second.Satisfaction));
        Assert.Equal(["South", ""], second.Attributes);
        Assert.All(data.Report.Files, f => Assert.Equal(f.RowsRead, f.RowsLoaded));
    }

    [Fact]
    public void RepeatedIdsAndCategoriesShareOneString()
    {
        var data = CustomerDataLoader.Load(Transactions(
            "c1,o1,2024-03-01,Books,1,10,5,0,web",
            "c1,o2,2024-03-02,Books,1,10,5,0,web"), null, Strict);

        Assert.Same(data.Transactions[0].CustomerId, data.Transactions[1].CustomerId);
        Assert.Same(data.Transactions[0].Category, data.Transactions[1].Category);
        Assert.Same(data.Transactions[0].Channel, data.Transactions[1].Channel);
    }

    [Fact]
    public void MappedNamesSemicolonsDecimalCommasAndACustomDateFormatLoad()
    {
        var path = _files.WriteLines("export.csv",
            "Kunde;Beleg;Datum;Warengruppe;Menge;Umsatz;Kosten;Land",
            "K-1;B1;31.01.2024;Bücher;2;1234,56;1000,5;DE",
            "K-2;B2;01.02.2024;Spiele;-1;-0,5;-0,25;AT");
        var mapping = new DataMapping
        {
            Transactions = new FileFormat
            {
                Delimiter = ";",
                DecimalSeparator = ",",
                DateFormat = "dd.MM.yyyy",
                Columns = new()
                {
                    [TransactionColumns.CustomerId] = "Kunde",
                    [TransactionColumns.OrderId] = "Beleg",
                    [TransactionColumns.OrderDate] = "Datum",
                    [TransactionColumns.Category] = "Warengruppe",
                    [TransactionColumns.Quantity] = "Menge",
                    [TransactionColumns.Revenue] = "Umsatz",
                    [TransactionColumns.Cost] = "Kosten",
                },
            },
        };

        var data = CustomerDataLoader.Load(path, null, Strict with { Mapping = mapping });

        Assert.Equal(
            new Transaction("K-1", "B1", new DateOnly(2024, 1, 31), "Bücher", 2, 1234.56, 1000.5, 0, "(none)"),
            data.Transactions[0]);
        Assert.Equal((-0.5, -0.25), (data.Transactions[1].Revenue, data.Transactions[1].Cost));
        Assert.Contains(data.Report.Notes, n => n.Contains("columns not used: Land", StringComparison.Ordinal));
    }

    [Fact]
    public void UnitPriceTimesQuantityBecomesRevenueRoundedToCents()
    {
        var path = _files.WriteLines("lines.csv",
            "customer_id,order_id,order_date,quantity,unit_price,cost",
            "c1,o1,2024-03-01,6,2.55,10",
            "c1,o2,2024-03-02,3,0.335,1",
            "c1,o3,2024-03-03,-2,4.10,-5");

        var data = CustomerDataLoader.Load(path, null, Strict);

        Assert.Equal([15.30, 1.01, -8.20], data.Transactions.Select(t => t.Revenue));
    }

    [Fact]
    public void RevenueWinsOverUnitPriceWhenBothAreGiven()
    {
        var path = _files.WriteLines("lines.csv",
            "customer_id,order_id,order_date,quantity,unit_price,revenue,cost",
            "c1,o1,2024-03-01,2,10,18,9");

        var data = CustomerDataLoader.Load(path, null, Strict);

        Assert.Equal(18, data.Transactions[0].Revenue);
        Assert.Contains(data.Report.Notes, n => n.Contains("columns not used: unit_price", StringComparison.Ordinal));
    }

    [Fact]
    public void NegativeUnitPriceIsRefused()
    {
        var path = _files.WriteLines("lines.csv",
            "customer_id,order_id,order_date,quantity,unit_price,cost",
            "c1,A1,2024-03-01,1,-11062.06,0");

        var error = LoadFails(path);

        Assert.Equal((2L, "unit_price"), (error.Line, error.Column));
        Assert.Contains("'-11062.06' is a negative price", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", "-29.85", "'3' units for '-29.85': positive quantity with negative revenue")]
    [InlineData("-1", "9.95", "'-1' units for '9.95': negative quantity with positive revenue")]
    public void ALineWhoseQuantityAndRevenueHaveOppositeSignsIsRefusedNamingFileLineAndColumn(string quantity, string revenue, string expected)
    {
        var path = Transactions("c1,o1,2024-03-01,Books,1,10,5,0,web", $"c1,o2,2024-03-02,Books,{quantity},{revenue},-3,0,web");

        var error = LoadFails(path);

        Assert.Equal((path, 3L, "revenue"), (error.File, error.Line, error.Column));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReturnsFreeGoodsAndRefundsWithoutGoodsLoadAndOppositeSignsAreSkippedWhenAsked()
    {
        var path = Transactions(
            "c1,o1,2024-03-01,Books,2,20,10,0,web",
            "c1,o2,2024-03-02,Books,-1,-10,-5,0,web",
            "c1,o3,2024-03-03,Books,1,0,2,0,web",
            "c1,o4,2024-03-04,Books,0,-4,0,0,web",
            "c1,o5,2024-03-05,Books,1,-10,5,0,web");

        var data = CustomerDataLoader.Load(path, null, Skipping);

        Assert.Equal(["o1", "o2", "o3", "o4"], data.Transactions.Select(t => t.OrderId));
        Assert.Equal(1, data.Report.Files[0].SkippedByReason["quantity and revenue of opposite signs"]);
    }

    [Theory]
    [InlineData("2024-03-01")]
    [InlineData("2024-03-01T23:59:59")]
    [InlineData("2024-03-01T23:59:59.123")]
    [InlineData("2024-03-01T23:59:59Z")]
    [InlineData("2024-03-01T23:59:59.5+02:00")]
    [InlineData("2024-03-01T23:30:00-05:00")]
    [InlineData("2024-03-01 08:26:00")]
    [InlineData("2024-03-01 08:26")]
    public void IsoDatesWithOrWithoutTimeKeepTheDayAsWritten(string date)
    {
        var data = CustomerDataLoader.Load(Transactions($"c1,o1,{date},Books,1,10,5,0,web"), null, Strict);

        Assert.Equal(new DateOnly(2024, 3, 1), data.Transactions[0].OrderDate);
    }

    [Fact]
    public void QuotedCommasAndLineBreaksKeepPhysicalLineNumbers()
    {
        var path = _files.Write("transactions.csv",
            Header + "\n" +
            "c1,o1,2024-03-01,\"Books, used\",1,10,5,0,web\n" +
            "c1,o2,2024-03-01,\"Books\nspanning\nthree lines\",1,10,5,0,web\n" +
            "c1,o3,2024-03-01,\"Toys \"\"deluxe\"\"\",1,10,5,0,web\n" +
            "c1,o4,2024-02-30,Toys,1,10,5,0,web\n");

        var error = LoadFails(path);

        Assert.Equal(7, error.Line);
        Assert.Equal("transactions.csv, line 7, column 'order_date': '2024-02-30' is not a date (expected yyyy-MM-dd)", error.Message);

        var data = CustomerDataLoader.Load(path, null, Skipping);
        Assert.Equal(["Books, used", "Books\nspanning\nthree lines", "Toys \"deluxe\""], data.Transactions.Select(t => t.Category));
    }

    [Fact]
    public void BrokenDateOnLine1234IsReportedWithLineAndColumn()
    {
        // Data rows start on line 2, so the row on physical line 1,234 is row index 1,232.
        var rows = Enumerable.Range(0, 1_300)
            .Select(i => $"c{i % 50},o{i},{(i == 1_232 ? "2023-13-45" : "2023-05-17")},Books,1,10,5,0,web")
            .ToArray();

        var error = LoadFails(Transactions(rows));

        Assert.Equal((1234L, "order_date"), (error.Line, error.Column));
        Assert.Equal("transactions.csv, line 1,234, column 'order_date': '2023-13-45' is not a date (expected yyyy-MM-dd)", error.Message);
    }

    [Fact]
    public void MissingRequiredColumnNamesTheUsersNameTheContractNameAndTheHeaderFound()
    {
        var path = _files.WriteLines("export.csv", "InvoiceNo,CustomerID,Quantity,UnitPrice,Country", "1,c1,1,2,UK");
        var mapping = new DataMapping
        {
            Transactions = new FileFormat
            {
                Columns = new()
                {
                    [TransactionColumns.OrderId] = "InvoiceNo",
                    [TransactionColumns.OrderDate] = "InvoiceDate",
                    [TransactionColumns.CustomerId] = "CustomerID",
                    [TransactionColumns.Quantity] = "Quantity",
                    [TransactionColumns.UnitPrice] = "UnitPrice",
                },
            },
            CostEstimate = new CostEstimate { DefaultMarginRate = 0.3 },
        };

        var error = LoadFails(path, options: Strict with { Mapping = mapping });

        Assert.Equal((1L, "InvoiceDate"), (error.Line, error.Column));
        Assert.Equal(
            "export.csv, line 1, column 'InvoiceDate': required column 'InvoiceDate' (contract column 'order_date') is missing; " +
            "the header has: 'InvoiceNo', 'CustomerID', 'Quantity', 'UnitPrice', 'Country'",
            error.Message);
    }

    [Fact]
    public void MissingRevenueAndUnitPriceAskForEither()
    {
        var path = _files.WriteLines("t.csv", "customer_id,order_id,order_date,quantity,cost", "c1,o1,2024-01-01,1,1");

        var error = LoadFails(path);

        Assert.Contains("required column 'revenue' or 'unit_price' is missing", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void OneColumnHeaderSuggestsTheDelimiterItSeems()
    {
        var path = _files.WriteLines("t.csv", "customer_id;order_id;order_date;quantity;revenue;cost", "c1;o1;2024-01-01;1;1;1");

        var error = LoadFails(path);

        Assert.Contains("set delimiter to ';'", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("quantity", "abc", "'abc' is not a number")]
    [InlineData("revenue", "1,234.50", "thousand separators are not allowed")]
    [InlineData("revenue", "NaN", "'NaN' is not a finite number")]
    [InlineData("cost", "Infinity", "'Infinity' is not a finite number")]
    [InlineData("revenue", "2e13", "'2e13' is implausibly large")]
    [InlineData("discount", "-1e15", "'-1e15' is implausibly large")]
    [InlineData("order_date", "01/03/2024", "'01/03/2024' is not a date (expected yyyy-MM-dd)")]
    [InlineData("customer_id", " ", "the cell is empty (customer_id is required)")]
    [InlineData("order_id", "", "the cell is empty (order_id is required)")]
    [InlineData("order_date", "2025-01-01", "'2025-01-01' is in the future (after 2024-12-31)")]
    public void BadCellIsReportedWithLineColumnAndValue(string column, string value, string problem)
    {
        var cells = new Dictionary<string, string>
        {
            ["customer_id"] = "c1", ["order_id"] = "o1", ["order_date"] = "2024-03-01", ["category"] = "Books",
            ["quantity"] = "1", ["revenue"] = "10", ["cost"] = "5", ["discount"] = "0", ["channel"] = "web",
        };
        cells[column] = value.Contains(',', StringComparison.Ordinal) ? $"\"{value}\"" : value;
        var path = Transactions("c1,o1,2024-03-01,Books,1,10,5,0,web", string.Join(",", Header.Split(',').Select(h => cells[h])));

        var error = LoadFails(path);

        Assert.Equal((3L, column), (error.Line, error.Column));
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DecimalCommaFileRefusesThousandSeparators()
    {
        var path = _files.WriteLines("t.csv", "customer_id;order_id;order_date;quantity;revenue;cost", "c1;o1;2024-01-01;1;1.234,56;1");
        var mapping = new DataMapping { Transactions = new FileFormat { Delimiter = ";", DecimalSeparator = "," } };

        var error = LoadFails(path, options: Strict with { Mapping = mapping });

        Assert.Equal("'1.234,56' is not a number: the decimal separator is ',' and thousand separators are not allowed", error.Problem);
    }

    [Fact]
    public void RowWithTheWrongNumberOfFieldsNamesItsLine()
    {
        var error = LoadFails(Transactions("c1,o1,2024-03-01,Books,1,10,5,0,web", "c1,o2,2024-03-01,Books,1,10"));

        Assert.Equal(3, error.Line);
        Assert.Contains("the row has 6 fields but the header has 9", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateCustomerIdsNameBothLines()
    {
        var customers = _files.WriteLines("customers.csv", "customer_id,region", "c1,North", "c2,South", "c1,East");

        var error = LoadFails(Transactions("c1,o1,2024-03-01,Books,1,10,5,0,web"), customers);

        Assert.Equal(("customers.csv", 4L, "customer_id"), (Path.GetFileName(error.File), error.Line, error.Column));
        Assert.Contains("customer id 'c1' appears on line 2 and again on line 4", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TransactionOfACustomerMissingFromTheCustomersFileIsAnError()
    {
        var customers = _files.WriteLines("customers.csv", "customer_id", "c1");

        var error = LoadFails(Transactions("c1,o1,2024-03-01,Books,1,10,5,0,web", "c9,o2,2024-03-01,Books,1,10,5,0,web"), customers);

        Assert.Equal("transactions.csv, line 3, column 'customer_id': customer 'c9' is not in customers.csv", error.Message);
    }

    [Theory]
    [InlineData("satisfaction", "6", "'6' is outside the satisfaction scale 1–5")]
    [InlineData("satisfaction", "0.5", "'0.5' is outside the satisfaction scale 1–5")]
    [InlineData("support_tickets", "-1", "'-1' is not a count")]
    [InlineData("complaints", "1.5", "'1.5' is not a count")]
    [InlineData("service_cost", "-3", "'-3' is negative")]
    [InlineData("service_cost", "NaN", "'NaN' is not a finite number")]
    [InlineData("signup_date", "2025-02-01", "'2025-02-01' is in the future")]
    [InlineData("signup_date", "yesterday", "'yesterday' is not a date")]
    [InlineData("customer_id", "", "the cell is empty (customer_id is required)")]
    public void BadCustomerCellIsReportedWithLineColumnAndValue(string column, string value, string problem)
    {
        string[] header = ["customer_id", "signup_date", "support_tickets", "complaints", "service_cost", "satisfaction"];
        var cells = new[] { "c2", "2024-01-01", "1", "0", "5", "3" };
        cells[Array.IndexOf(header, column)] = value;
        var customers = _files.WriteLines("customers.csv", string.Join(",", header), "c1,,,,,", string.Join(",", cells));

        var error = LoadFails(Transactions("c1,o1,2024-03-01,Books,1,10,5,0,web"), customers);

        Assert.Equal((3L, column), (error.Line, error.Column));
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsAnError()
    {
        var error = LoadFails(_files.PathOf("nowhere.csv"));

        Assert.Equal(0, error.Line);
        Assert.Contains("file not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        var error = LoadFails(_files.Write("empty.csv", ""));

        Assert.Equal("empty.csv: the file is empty (no header line)", error.Message);
    }

    [Fact]
    public void HeaderWithoutRowsIsAnError()
    {
        var error = LoadFails(_files.WriteLines("t.csv", Header));

        Assert.Equal("t.csv: the file has a header but no data rows", error.Message);
    }

    [Fact]
    public void CustomersFileWithoutIdColumnIsAnError()
    {
        var customers = _files.WriteLines("customers.csv", "id,region", "c1,North");

        var error = LoadFails(Transactions("c1,o1,2024-03-01,Books,1,10,5,0,web"), customers);

        Assert.Contains("required column 'customer_id' is missing; the header has: 'id', 'region'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SkippingBadRowsCountsEachReasonAndLoadsTheRest()
    {
        var customers = _files.WriteLines("customers.csv", "customer_id,satisfaction", "c1,5", "c2,9", "c1,4", "c3,");
        var transactions = Transactions(
            "c1,o1,2024-03-01,Books,1,10,5,0,web",
            ",o2,2024-03-01,Books,1,10,5,0,web",
            ",o3,2024-03-01,Books,1,10,5,0,web",
            "c1,o4,2024-13-01,Books,1,10,5,0,web",
            "c1,o5,2025-06-01,Books,1,10,5,0,web",
            "c2,o6,2024-03-01,Books,1,10,5,0,web",
            "c3,o7,2024-03-01,Books,x,10,5,0,web",
            "c3,o8,2024-03-01,Books,1,10",
            "c3,o9,2024-03-02,Toys,2,20,10,0,app");

        var data = CustomerDataLoader.Load(transactions, customers, Skipping);

        Assert.Equal(["o1", "o9"], data.Transactions.Select(t => t.OrderId));
        Assert.Equal(["c1", "c3"], data.Customers!.Select(c => c.CustomerId));
        var customerFile = data.Report.Files.Single(f => f.File == customers);
        Assert.Equal(new Dictionary<string, long> { ["duplicate customer_id"] = 1, ["invalid satisfaction"] = 1 }, customerFile.SkippedByReason);
        var transactionFile = data.Report.Files.Single(f => f.File == transactions);
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["date in the future"] = 1, ["missing customer_id"] = 2, ["unknown customer"] = 1,
                ["unparsable order_date"] = 1, ["unparsable quantity"] = 1, ["wrong number of fields"] = 1,
            },
            transactionFile.SkippedByReason);
        Assert.All(data.Report.Files, f => Assert.Equal(f.RowsRead, f.RowsLoaded + f.RowsSkipped));
        Assert.Equal((9L, 2L, 7L), (transactionFile.RowsRead, transactionFile.RowsLoaded, transactionFile.RowsSkipped));
        var example = transactionFile.SkippedExamples.First(e => e.Reason == "missing customer_id");
        Assert.Equal((3L, "customer_id"), (example.Line, example.Column));
        Assert.Contains("skipped 2: missing customer_id", data.Report.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public void SkippingBadRowsStillFailsOnAMissingColumn()
    {
        var path = _files.WriteLines("t.csv", "customer_id,order_id,quantity,revenue,cost", "c1,o1,1,1,1");

        var error = LoadFails(path, options: Skipping);

        Assert.Equal("order_date", error.Column);
    }

    [Fact]
    public void FileWhoseRowsAreAllBadIsAnErrorEvenWhenSkipping()
    {
        var error = LoadFails(Transactions(",o1,2024-03-01,Books,1,10,5,0,web"), options: Skipping);

        Assert.Equal("transactions.csv: none of the 1 data rows could be used (missing customer_id: 1)", error.Message);
    }

    [Fact]
    public void AbsentCostIsEstimatedFromMarginRatesAndNoted()
    {
        var path = _files.WriteLines("t.csv",
            "customer_id,order_id,order_date,category,quantity,revenue",
            "c1,o1,2024-03-01,Books,1,100",
            "c1,o2,2024-03-01,Toys,1,100",
            "c1,o3,2024-03-01,Games,-1,-40");
        var mapping = new DataMapping
        {
            CostEstimate = new CostEstimate
            {
                DefaultMarginRate = 0.25,
                MarginRateByCategory = new() { ["Books"] = 0.4, ["Toys"] = -0.1 },
            },
        };

        var data = CustomerDataLoader.Load(path, null, Strict with { Mapping = mapping });

        Assert.True(data.CostIsEstimated);
        Assert.Equal([60, 110, -30], data.Transactions.Select(t => Math.Round(t.Cost, 6)));
        Assert.Contains("cost column absent: cost of goods estimated from margin rates (default 25%, 2 categories configured)", data.Report.Notes);
    }

    [Fact]
    public void AbsentCostWithoutAnyMarginRateAsksForADefaultMarginRate()
    {
        var path = _files.WriteLines("t.csv", "customer_id,order_id,order_date,quantity,revenue", "c1,o1,2024-03-01,1,100");

        var error = LoadFails(path);

        Assert.Contains("add costEstimate.defaultMarginRate", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CategoryWithoutMarginRateAsksForADefaultMarginRateEvenWhenSkipping()
    {
        var path = _files.WriteLines("t.csv",
            "customer_id,order_id,order_date,category,quantity,revenue",
            "c1,o1,2024-03-01,Books,1,100",
            "c1,o2,2024-03-01,Toys,1,100");
        var mapping = new DataMapping { CostEstimate = new CostEstimate { MarginRateByCategory = new() { ["Books"] = 0.4 } } };

        var error = LoadFails(path, options: Skipping with { Mapping = mapping });

        Assert.Equal((3L, "category"), (error.Line, error.Column));
        Assert.Contains("no margin rate is configured for category 'Toys'", error.Problem, StringComparison.Ordinal);
        Assert.Contains("add costEstimate.defaultMarginRate to the mapping", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void GzipFilesAreReadAsTheyAre()
    {
        var path = _files.WriteGzip("transactions.csv.gz", "\uFEFF" + Header + "\r\nc1,o1,2024-03-01,Books,1,10,5,0,web\r\nc1,o2,bad,Books,1,10,5,0,web\r\n");

        var error = LoadFails(path);
        var data = CustomerDataLoader.Load(path, null, Skipping);

        Assert.Equal("transactions.csv.gz, line 3, column 'order_date': 'bad' is not a date (expected yyyy-MM-dd)", error.Message);
        Assert.Equal("o1", Assert.Single(data.Transactions).OrderId);
    }

    [Fact]
    public void ProgressCountsRowsReadOverBothFiles()
    {
        var customers = _files.WriteLines("customers.csv", ["customer_id", .. Enumerable.Range(0, 150_000).Select(i => $"c{i}")]);
        var transactions = Transactions(Enumerable.Range(0, 60_000).Select(i => $"c{i},o{i},2024-03-01,Books,1,10,5,0,web").ToArray());
        var reported = new List<long>();

        CustomerDataLoader.Load(transactions, customers, Strict with { RowsReadProgress = new SynchronousProgress(reported.Add) });

        Assert.Equal([100_000, 150_000, 200_000, 210_000], reported);
    }

    [Fact]
    public void MappingBuiltInCodeIsValidatedBeforeLoading()
    {
        var mapping = new DataMapping { Transactions = new FileFormat { Delimiter = "::" } };

        var error = Assert.Throws<ArgumentException>(() =>
            CustomerDataLoader.Load(Transactions("c1,o1,2024-03-01,Books,1,10,5,0,web"), null, Strict with { Mapping = mapping }));

        Assert.Contains("delimiter must be one character", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LatestValidDateDefaultsToTodaySoRecentDatesLoad()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var data = CustomerDataLoader.Load(Transactions($"c1,o1,{today},Books,1,10,5,0,web"), null, new LoadOptions());

        Assert.Single(data.Transactions);
    }

    // Progress<T> posts to the thread pool; a test needs the calls in order and finished.
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
