using System.Buffers;
using System.Text.Unicode;

namespace MlCustomer.Api.Scoring;

/// <summary>A CSV body that cannot be read further, with the physical line where reading stopped (header = 1).</summary>
public sealed class CsvFormatException(long line, string message) : FormatException(message)
{
    /// <summary>The physical line (header = 1).</summary>
    public long Line { get; } = line;
}

/// <summary>
/// Reads a UTF-8 body line by line (\n, \r\n or \r end a line, like <see cref="StreamReader.ReadLine"/>) with a
/// bound on a line's length, so a body without line breaks costs at most the bound in memory, not its size.
/// Bytes that are not UTF-8 stop reading at the line that holds them instead of turning into U+FFFD: the body is
/// decoded here (not by a <see cref="StreamReader"/>, which decodes ahead in blocks) so that line can be named.
/// </summary>
public sealed class CsvLines : IDisposable
{
    private readonly Stream body;
    private readonly int maxLineChars;
    private readonly byte[] bytes = new byte[64 * 1024];
    private int byteStart;
    private int byteEnd;
    private bool lastBytesRead;
    private bool firstBytes = true;
    private bool invalidAhead;
    private readonly char[] buffer = new char[64 * 1024];
    private int start;
    private int end;
    private bool endOfBody;
    private bool skipLineFeed;

    // Only a line that crosses the end of the buffer is copied here; grows up to the bound at most.
    private char[] partial = [];
    private int partialLength;

    /// <summary>Reads <paramref name="body"/> (left open).</summary>
    public CsvLines(Stream body, int maxLineChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineChars, 1);
        this.maxLineChars = maxLineChars;
        this.body = body;
    }

    /// <summary>Physical lines read so far.</summary>
    public long Line { get; private set; }

    /// <summary>The next line without its line break, or null at the end of the body.</summary>
    /// <exception cref="CsvFormatException">The line is longer than the bound, or the body is not UTF-8.</exception>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        partialLength = 0;
        var any = false;
        while (true)
        {
            if (start == end)
            {
                if (endOfBody || !await FillAsync(cancellationToken))
                {
                    if (!any)
                    {
                        return null;
                    }

                    Line++;
                    return new string(partial, 0, partialLength);
                }
            }

            if (skipLineFeed)
            {
                skipLineFeed = false;
                if (buffer[start] == '\n')
                {
                    start++;
                    continue;
                }
            }

            any = true;
            var span = buffer.AsSpan(start, end - start);
            var lineBreak = span.IndexOfAny('\r', '\n');
            var length = lineBreak < 0 ? span.Length : lineBreak;
            if (partialLength + length > maxLineChars)
            {
                throw new CsvFormatException(Line + 1,
                    $"is longer than {maxLineChars:N0} characters (the most a line or a quoted field may hold)");
            }

            if (lineBreak < 0)
            {
                Keep(span);
                start = end;
                continue;
            }

            string line;
            if (partialLength == 0)
            {
                line = new string(span[..lineBreak]);
            }
            else
            {
                Keep(span[..lineBreak]);
                line = new string(partial, 0, partialLength);
            }

            start += lineBreak + 1;
            skipLineFeed = span[lineBreak] == '\r';
            Line++;
            return line;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The body belongs to the request.
    }

    private void Keep(ReadOnlySpan<char> text)
    {
        if (partial.Length < partialLength + text.Length)
        {
            Array.Resize(ref partial, Math.Min(maxLineChars, Math.Max(partialLength + text.Length, partial.Length * 2)));
        }

        text.CopyTo(partial.AsSpan(partialLength));
        partialLength += text.Length;
    }

    // Decodes the next characters into the buffer; false at the end of the body.
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        start = 0;
        end = 0;
        while (true)
        {
            if (invalidAhead)
            {
                throw new CsvFormatException(Line + 1, "is not valid UTF-8 text; save the CSV as UTF-8");
            }

            if (byteStart == byteEnd || (!lastBytesRead && byteEnd - byteStart < 4))
            {
                if (lastBytesRead && byteStart == byteEnd)
                {
                    endOfBody = true;
                    return false;
                }

                await ReadBytesAsync(cancellationToken);
            }

            var status = Utf8.ToUtf16(bytes.AsSpan(byteStart, byteEnd - byteStart), buffer, out var read, out var written,
                replaceInvalidSequences: false, isFinalBlock: lastBytesRead);
            byteStart += read;
            end = written;
            invalidAhead = status == OperationStatus.InvalidData;
            if (written > 0)
            {
                return true;
            }

            if (status == OperationStatus.NeedMoreData && !lastBytesRead)
            {
                await ReadBytesAsync(cancellationToken);
            }
        }
    }

    // Keeps the bytes not yet decoded (at most an incomplete character) and reads more after them.
    private async ValueTask ReadBytesAsync(CancellationToken cancellationToken)
    {
        var kept = byteEnd - byteStart;
        bytes.AsSpan(byteStart, kept).CopyTo(bytes);
        byteStart = 0;
        byteEnd = kept;
        while (byteEnd < bytes.Length)
        {
            var count = await body.ReadAsync(bytes.AsMemory(byteEnd), cancellationToken);
            if (count == 0)
            {
                lastBytesRead = true;
                break;
            }

            byteEnd += count;
            if (byteEnd - kept >= 4096)
            {
                break; // enough to go on with; reading on would only delay the first line
            }
        }

        if (firstBytes && byteEnd >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        {
            byteStart = 3; // the UTF-8 byte order mark
        }

        firstBytes &= byteEnd < 3 && !lastBytesRead;
    }
}
