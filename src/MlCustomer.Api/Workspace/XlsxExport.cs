using MlCustomer.Core.Data;
using SpreadCheetah;

namespace MlCustomer.Api.Workspace;

/// <summary>
/// Writes a list's export rows (the cells its CSV export is written from) as an XLSX workbook of one sheet: the same header
/// and rows, numbers as numbers, streamed row by row.
/// </summary>
public static class XlsxExport
{
    /// <summary>The content type of an XLSX workbook.</summary>
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>Writes <paramref name="columns"/> as the header row and then <paramref name="rows"/> to <paramref name="body"/>.</summary>
    /// <param name="body">Where to (a response body: only asynchronous writes reach it).</param>
    /// <param name="sheet">The sheet's name.</param>
    /// <param name="columns">The header.</param>
    /// <param name="rows">The rows, one cell per column.</param>
    /// <param name="cancellationToken">Aborted download.</param>
    public static async Task WriteAsync(Stream body, string sheet, IReadOnlyList<string> columns, IEnumerable<ExportCell[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        // The zip archive inside writes a few bytes synchronously (entry descriptors, the central directory at the end), which a
        // response body refuses: they are kept here and sent with the next asynchronous write or at the end.
        await using var asynchronous = new AsynchronousWrites(body);
        await using (var spreadsheet = await Spreadsheet.CreateNewAsync(asynchronous, cancellationToken: cancellationToken))
        {
            await spreadsheet.StartWorksheetAsync(sheet, new SpreadCheetah.Worksheets.WorksheetOptions { FrozenRows = 1 }, cancellationToken);
            await spreadsheet.AddRowAsync([.. columns.Select(c => new DataCell(c))], cancellationToken);
            var cells = new DataCell[columns.Count];
            foreach (var row in rows)
            {
                for (var i = 0; i < cells.Length; i++)
                {
                    cells[i] = row[i] switch
                    {
                        { Number: { } number } => new DataCell(number),
                        { Text: { } text } => new DataCell(text),
                        _ => default,
                    };
                }

                await spreadsheet.AddRowAsync(cells, cancellationToken);
            }

            await spreadsheet.FinishAsync(cancellationToken);
        }

        await asynchronous.FlushAsync(cancellationToken);
    }

    // Forwards asynchronous writes; keeps synchronous ones until the next asynchronous write or flush.
    private sealed class AsynchronousWrites(Stream inner) : Stream
    {
        private readonly MemoryStream pending = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => pending.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => pending.Write(buffer);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await SendPendingAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
            // Kept for the next asynchronous write or flush.
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendPendingAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await pending.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                pending.Dispose();
            }

            base.Dispose(disposing);
        }

        private async ValueTask SendPendingAsync(CancellationToken cancellationToken)
        {
            if (pending.Length > 0)
            {
                await inner.WriteAsync(pending.GetBuffer().AsMemory(0, (int)pending.Length), cancellationToken);
                pending.SetLength(0);
            }
        }
    }
}
