using System.Text;

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
/// Bytes that are not UTF-8 stop reading instead of turning into U+FFFD.
/// </summary>
public sealed class CsvLines : IDisposable
{
    private readonly StreamReader reader;
    private readonly int maxLineChars;
    private readonly char[] buffer = new char[16 * 1024];
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
        reader = new StreamReader(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true),
            detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
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
    public void Dispose() => reader.Dispose();

    private void Keep(ReadOnlySpan<char> text)
    {
        if (partial.Length < partialLength + text.Length)
        {
            Array.Resize(ref partial, Math.Min(maxLineChars, Math.Max(partialLength + text.Length, partial.Length * 2)));
        }

        text.CopyTo(partial.AsSpan(partialLength));
        partialLength += text.Length;
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        try
        {
            end = await reader.ReadAsync(buffer.AsMemory(), cancellationToken);
        }
        catch (DecoderFallbackException)
        {
            // The reader decodes ahead in blocks, so the bad bytes are on this line or within the next 64 KB.
            throw new CsvFormatException(Line + 1,
                "the body is not valid UTF-8 from this line or soon after it; save the CSV as UTF-8");
        }

        start = 0;
        endOfBody = end == 0;
        return !endOfBody;
    }
}
