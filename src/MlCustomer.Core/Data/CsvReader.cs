using System.Buffers;
using System.IO.Compression;
using System.Text;

namespace MlCustomer.Core.Data;

/// <summary>
/// A small streaming RFC 4180 reader: quoted fields with doubled quotes, delimiters and line breaks
/// inside quotes, CRLF or LF (or CR) line ends, UTF-8 with or without BOM, gzip by content.
/// Fields are handed out as spans into a reused buffer, so a caller that parses numbers or interns
/// strings allocates nothing per cell. Tracks the physical line each record starts on (the first line
/// is 1), which is what a user needs to find a bad row in an editor. Empty lines are skipped: they are
/// not rows. Text after a closing quote is kept literally, as spreadsheets do.
/// </summary>
internal sealed class CsvReader : IDisposable
{
    private const int BufferSize = 1 << 16;

    private readonly TextReader _reader;
    private readonly string _file;
    private readonly SearchValues<char> _fieldStops;
    private readonly SearchValues<char> _quotedStops = SearchValues.Create("\"\r\n");
    private readonly char _delimiter;
    private readonly char[] _buffer = new char[BufferSize];
    private int _position;
    private int _length;
    private bool _endOfInput;
    private char[] _record = new char[1024];
    private int _recordLength;
    private int[] _fieldStarts = new int[32];
    private int[] _fieldEnds = new int[32];
    private long _nextLine = 1;

    public CsvReader(TextReader reader, string file, char delimiter)
    {
        _reader = reader;
        _file = file;
        _delimiter = delimiter;
        _fieldStops = SearchValues.Create([delimiter, '\r', '\n']);
    }

    /// <summary>Physical line on which the current record starts.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Number of fields of the current record.</summary>
    public int FieldCount { get; private set; }

    /// <summary>Field <paramref name="index"/> of the current record, unquoted, not trimmed.</summary>
    public ReadOnlySpan<char> this[int index] =>
        _record.AsSpan(_fieldStarts[index], _fieldEnds[index] - _fieldStarts[index]);

    /// <summary>Opens a file, decompressing it when it is gzip (by its magic bytes, whatever its name).</summary>
    public static CsvReader Open(string path, char delimiter)
    {
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            stream.Position = 0;
            if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                stream = new GZipStream(stream, CompressionMode.Decompress);
            }

            var text = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, BufferSize);
            return new CsvReader(text, path, delimiter);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads the next record; false at the end of the input.</summary>
    public bool ReadRecord()
    {
        FieldCount = 0;
        _recordLength = 0;
        int next;
        while ((next = Peek()) is '\r' or '\n')
        {
            ConsumeLineBreak();
        }

        if (next < 0)
        {
            return false;
        }

        LineNumber = _nextLine;
        while (true)
        {
            var start = _recordLength;
            if (Peek() == '"')
            {
                _position++;
                ReadQuoted();
            }

            ReadUnquoted();
            AddField(start);

            next = Peek();
            if (next == _delimiter)
            {
                _position++;
                continue;
            }

            if (next >= 0)
            {
                ConsumeLineBreak();
            }

            return true;
        }
    }

    public void Dispose() => _reader.Dispose();

    // Copies characters up to the next delimiter or line break (or the end of the input).
    private void ReadUnquoted()
    {
        while (Fill())
        {
            var chunk = _buffer.AsSpan(_position, _length - _position);
            var stop = chunk.IndexOfAny(_fieldStops);
            if (stop >= 0)
            {
                Append(chunk[..stop]);
                _position += stop;
                return;
            }

            Append(chunk);
            _position = _length;
        }
    }

    // Called after the opening quote; returns after the closing quote.
    private void ReadQuoted()
    {
        while (true)
        {
            if (!Fill())
            {
                throw new DataFileException(_file, LineNumber, null,
                    "a quoted field is never closed (a '\"' is missing before the end of the file)");
            }

            var chunk = _buffer.AsSpan(_position, _length - _position);
            var stop = chunk.IndexOfAny(_quotedStops);
            if (stop < 0)
            {
                Append(chunk);
                _position = _length;
                continue;
            }

            Append(chunk[..stop]);
            _position += stop;
            if (_buffer[_position] == '"')
            {
                _position++;
                if (Peek() != '"')
                {
                    return;
                }

                _position++;
                Append("\"");
            }
            else
            {
                // A line break inside quotes is part of the value but still a physical line.
                var first = _buffer[_position];
                Append(ConsumeLineBreak() ? "\r\n" : first == '\r' ? "\r" : "\n");
            }
        }
    }

    // Consumes one line break (CRLF, LF or CR) and counts it; true when it was CRLF.
    private bool ConsumeLineBreak()
    {
        _nextLine++;
        var c = _buffer[_position++];
        if (c == '\r' && Peek() == '\n')
        {
            _position++;
            return true;
        }

        return false;
    }

    private int Peek() => Fill() ? _buffer[_position] : -1;

    private bool Fill()
    {
        if (_position < _length)
        {
            return true;
        }

        if (_endOfInput)
        {
            return false;
        }

        _length = _reader.Read(_buffer, 0, BufferSize);
        _position = 0;
        _endOfInput = _length == 0;
        return !_endOfInput;
    }

    private void Append(ReadOnlySpan<char> text)
    {
        if (_recordLength + text.Length > _record.Length)
        {
            Array.Resize(ref _record, Math.Max(_record.Length * 2, _recordLength + text.Length));
        }

        text.CopyTo(_record.AsSpan(_recordLength));
        _recordLength += text.Length;
    }

    private void AddField(int start)
    {
        if (FieldCount == _fieldStarts.Length)
        {
            Array.Resize(ref _fieldStarts, FieldCount * 2);
            Array.Resize(ref _fieldEnds, FieldCount * 2);
        }

        _fieldStarts[FieldCount] = start;
        _fieldEnds[FieldCount] = _recordLength;
        FieldCount++;
    }
}
