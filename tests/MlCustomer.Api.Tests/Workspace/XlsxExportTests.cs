using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Api.Workspace;
using MlCustomer.Core.Data;

namespace MlCustomer.Api.Tests.Workspace;

public sealed class XlsxExportTests
{
    [Fact]
    public async Task AWorkbookWrittenToABodyThatRefusesSynchronousWritesHoldsTheRowsTextsAsTextsAndNumbersAsNumbers()
    {
        ExportCell[][] rows =
        [
            [ExportCell.Of(1, 0), ExportCell.Of("C001"), ExportCell.Of(0.123456), ExportCell.Of(double.NaN), ExportCell.Of("a, \"quoted\" reason")],
            [ExportCell.Of(2, 0), ExportCell.Of("0042"), ExportCell.Of(-1e-17, 2), ExportCell.Of(1234.5678, 2), ExportCell.Of("")],
        ];
        await using var body = new AsynchronousOnlyStream();

        await XlsxExport.WriteAsync(body, "Targets", ["rank", "customer_id", "churn", "profit", "reason"], rows, CancellationToken.None);

        body.Position = 0;
        var sheet = XlsxWorkbook.FirstSheet(body);
        Assert.Equal(["rank", "customer_id", "churn", "profit", "reason"], sheet[0].Select(c => c.Text));
        Assert.Equal(new XlsxCell(null, 1), sheet[1][0]);
        // An id of digits stays a text: it is one in the CSV too.
        Assert.Equal(new XlsxCell("C001", null), sheet[1][1]);
        Assert.Equal(new XlsxCell(null, 0.1235), sheet[1][2]);
        Assert.Equal(new XlsxCell(null, null), sheet[1][3]);
        Assert.Equal(new XlsxCell("a, \"quoted\" reason", null), sheet[1][4]);
        Assert.Equal(new XlsxCell("0042", null), sheet[2][1]);
        Assert.Equal(new XlsxCell(null, 0), sheet[2][2]);
        Assert.Equal(new XlsxCell(null, 1234.57), sheet[2][3]);
        // The CSV cells of the same rows: the workbook's numbers are the CSV's digits.
        Assert.Equal("1,C001,0.1235,,\"a, \"\"quoted\"\" reason\"", string.Join(',', rows[0].Select(c => c.ToCsv())));
        Assert.Equal("2,0042,0,1234.57,", string.Join(',', rows[1].Select(c => c.ToCsv())));
    }

    // Like a response body: synchronous writes throw (the server disallows them), reading back is for the test.
    private sealed class AsynchronousOnlyStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) =>
            throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override void Write(ReadOnlySpan<byte> buffer) =>
            throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override void WriteByte(byte value) =>
            throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // MemoryStream's WriteAsync calls Write: append through the base array directly.
            var position = Position;
            SetLength(Math.Max(Length, position + buffer.Length));
            buffer.Span.CopyTo(GetBuffer().AsSpan((int)position));
            Position = position + buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
