using System.Text;
using MlCustomer.Core.Data;

namespace MlCustomer.Core.Tests.Data;

public sealed class CsvReaderTests
{
    private static List<(long Line, string[] Fields)> Read(string text, char delimiter = ',')
    {
        using var csv = new CsvReader(new StringReader(text), "test.csv", delimiter);
        var records = new List<(long, string[])>();
        while (csv.ReadRecord())
        {
            var fields = new string[csv.FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = csv[i].ToString();
            }

            records.Add((csv.LineNumber, fields));
        }

        return records;
    }

    [Fact]
    public void PlainRecordsSplitOnTheDelimiter()
    {
        var records = Read("a,b,c\n1,2,3\n");

        Assert.Equal([1L, 2], records.Select(r => r.Line));
        Assert.Equal(["a", "b", "c"], records[0].Fields);
        Assert.Equal(["1", "2", "3"], records[1].Fields);
    }

    [Fact]
    public void QuotedFieldsKeepDelimitersDoubledQuotesAndLineBreaks()
    {
        var records = Read("id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,x\n");

        Assert.Equal("a, b", records[1].Fields[1]);
        Assert.Equal("say \"hi\"", records[2].Fields[1]);
        Assert.Equal("two\nlines", records[3].Fields[1]);
        Assert.Equal([1L, 2, 3, 4, 6], records.Select(r => r.Line));
    }

    [Fact]
    public void CrLfAndLoneCrEndLinesAndCountAsOneLineEach()
    {
        var records = Read("a,b\r\n1,\"x\r\ny\"\r\n2,z\r3,w");

        Assert.Equal([1L, 2, 4, 5], records.Select(r => r.Line));
        Assert.Equal("x\r\ny", records[1].Fields[1]);
        Assert.Equal(["3", "w"], records[3].Fields);
    }

    [Fact]
    public void EmptyLinesAreNotRecordsButStillCountAsLines()
    {
        var records = Read("a,b\n\n1,2\n\r\n2,3\n\n");

        Assert.Equal([1L, 3, 5], records.Select(r => r.Line));
    }

    [Fact]
    public void TrailingDelimiterAndEmptyQuotedFieldsAreEmptyFields()
    {
        var records = Read("a;b;c\n\"\";;\n", ';');

        Assert.Equal(["", "", ""], records[1].Fields);
    }

    [Fact]
    public void FieldsLongerThanTheReadBufferArriveWhole()
    {
        var longText = new string('x', 200_000);
        var records = Read($"a,b\n\"{longText}\",{longText}\n1,2\n");

        Assert.Equal(longText, records[1].Fields[0]);
        Assert.Equal(longText, records[1].Fields[1]);
        Assert.Equal(3, records[2].Line);
    }

    [Fact]
    public void UnclosedQuoteIsAnErrorNamingTheLineItStartsOn()
    {
        var error = Assert.Throws<DataFileException>(() => Read("a,b\n1,2\n3,\"never closed\n4,5\n"));

        Assert.Equal(3, error.Line);
        Assert.Contains("never closed", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ByteOrderMarkIsNotPartOfTheFirstHeaderName()
    {
        using var files = new TempFiles();
        var path = files.PathOf("bom.csv");
        File.WriteAllText(path, "customer_id,x\n1,2\n", new UTF8Encoding(true));

        using var csv = CsvReader.Open(path, ',');
        Assert.True(csv.ReadRecord());
        Assert.Equal("customer_id", csv[0].ToString());
    }
}
