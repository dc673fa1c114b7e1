namespace MlCustomer.Core.Data;

/// <summary>A column of the user's file: where it is, what the user calls it and what the contract calls it.</summary>
internal readonly record struct DataColumn(int Index, string Name, string ContractName);

/// <summary>
/// Reads one input file row by row through its <see cref="FileFormat"/>: finds the columns by the user's
/// names, parses cells, and applies the bad-row policy. Every Try… method either yields a value or reports
/// the problem with file, physical line and column: it throws, or (when skipping bad rows) counts the row
/// under a short stable reason and returns false so the caller leaves the row out.
/// </summary>
internal sealed class DataFileReader : IDisposable
{
    private const int ProgressInterval = 100_000;

    private readonly CsvReader _csv;
    private readonly FileFormat _format;
    private readonly LoadOptions _options;
    private readonly StringPool _strings;
    private readonly long _rowsReadBefore;
    private readonly char _decimalSeparator;
    private readonly DateCell _dates;
    private readonly string[] _header;
    private readonly bool[] _used;
    private readonly Dictionary<string, int> _indexByName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _duplicateNames = new(StringComparer.Ordinal);

    private DataFileReader(string path, CsvReader csv, FileFormat format, LoadOptions options, StringPool strings, long rowsReadBefore)
    {
        Path = path;
        _csv = csv;
        _format = format;
        _options = options;
        _strings = strings;
        _rowsReadBefore = rowsReadBefore;
        _decimalSeparator = format.DecimalSeparator[0];
        _dates = new DateCell(format.DateFormat);
        Report = new FileLoadReport { File = path };

        if (!csv.ReadRecord())
        {
            throw new DataFileException(path, 0, null, "the file is empty (no header line)");
        }

        _header = new string[csv.FieldCount];
        _used = new bool[csv.FieldCount];
        for (var i = 0; i < _header.Length; i++)
        {
            _header[i] = csv[i].Trim().ToString();
            if (_header[i].Length > 0 && !_indexByName.TryAdd(_header[i], i))
            {
                _duplicateNames.Add(_header[i]);
            }
        }
    }

    /// <summary>The file as the user gave it.</summary>
    public string Path { get; }

    /// <summary>The file name without folders, for messages.</summary>
    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Rows read, loaded and skipped so far.</summary>
    public FileLoadReport Report { get; }

    /// <summary>Physical line of the current row.</summary>
    public long Line => _csv.LineNumber;

    /// <summary>Header names (trimmed) in file order.</summary>
    public IReadOnlyList<string> Header => _header;

    public static DataFileReader Open(string path, FileFormat format, LoadOptions options, StringPool strings, long rowsReadBefore)
    {
        if (!File.Exists(path))
        {
            throw new DataFileException(path, 0, null, $"file not found: {System.IO.Path.GetFullPath(path)}");
        }

        var csv = CsvReader.Open(path, format.DelimiterChar);
        try
        {
            return new DataFileReader(path, csv, format, options, strings, rowsReadBefore);
        }
        catch
        {
            csv.Dispose();
            throw;
        }
    }

    /// <summary>The column the mapping names for <paramref name="contractName"/>, or null when the header lacks it.</summary>
    public DataColumn? Find(string contractName)
    {
        var name = _format.SourceName(contractName);
        if (!_indexByName.TryGetValue(name, out var index))
        {
            return null;
        }

        if (_duplicateNames.Contains(name))
        {
            throw new DataFileException(Path, 1, name, $"the header has more than one column named '{name}'");
        }

        _used[index] = true;
        return new DataColumn(index, name, contractName);
    }

    /// <summary>Marks a column as read (for columns found by header position rather than by contract name).</summary>
    public DataColumn Use(int index)
    {
        if (_duplicateNames.Contains(_header[index]))
        {
            throw new DataFileException(Path, 1, _header[index], $"the header has more than one column named '{_header[index]}'");
        }

        _used[index] = true;
        return new DataColumn(index, _header[index], _header[index]);
    }

    /// <summary>"'InvoiceDate' (contract column 'order_date')", or just "'order_date'" when the names agree.</summary>
    public string Describe(string contractName)
    {
        var name = _format.SourceName(contractName);
        return name == contractName ? $"'{name}'" : $"'{name}' (contract column '{contractName}')";
    }

    /// <summary>Throws the missing-columns error: what is missing, by both names, and what the header has.</summary>
    public DataFileException MissingColumns(IReadOnlyList<string> missing, string firstMissingName)
    {
        var what = missing.Count == 1
            ? $"required column {missing[0]} is missing"
            : $"required columns {string.Join(", ", missing)} are missing";
        var found = string.Join(", ", _header.Select(h => $"'{h}'"));
        return new DataFileException(Path, 1, firstMissingName, $"{what}; the header has: {found}{DelimiterHint()}");
    }

    /// <summary>Names of header columns nobody asked for, in file order.</summary>
    public IReadOnlyList<string> UnusedColumns() =>
        _header.Where((name, i) => !_used[i] && name.Length > 0).ToList();

    /// <summary>Number of header columns without a name (e.g. after a trailing delimiter).</summary>
    public int UnnamedColumns => _header.Count(h => h.Length == 0);

    /// <summary>
    /// Moves to the next data row; false at the end. Rows with the wrong number of fields are reported here
    /// and never handed out.
    /// </summary>
    public bool ReadRow()
    {
        while (_csv.ReadRecord())
        {
            Report.RowsRead++;
            if ((_rowsReadBefore + Report.RowsRead) % ProgressInterval == 0)
            {
                _options.RowsReadProgress?.Report(_rowsReadBefore + Report.RowsRead);
            }

            if (_csv.FieldCount == _header.Length)
            {
                return true;
            }

            Fail("wrong number of fields", null,
                $"the row has {_csv.FieldCount} fields but the header has {_header.Length} (is a quote missing, or the delimiter wrong?)");
        }

        return false;
    }

    /// <summary>Counts the current row as loaded.</summary>
    public void Loaded() => Report.RowsLoaded++;

    /// <summary>
    /// Ends the file: a header without rows, or rows of which none could be used, are errors of the whole file.
    /// </summary>
    public FileLoadReport Finish()
    {
        _options.RowsReadProgress?.Report(_rowsReadBefore + Report.RowsRead);
        if (Report.RowsRead == 0)
        {
            throw new DataFileException(Path, 0, null, "the file has a header but no data rows");
        }

        if (Report.RowsLoaded == 0)
        {
            var reasons = string.Join(", ", Report.SkippedByReason.Select(r => $"{r.Key}: {r.Value:N0}"));
            throw new DataFileException(Path, 0, null, $"none of the {Report.RowsRead:N0} data rows could be used ({reasons})");
        }

        return Report;
    }

    /// <summary>Reports a bad row: throws, or counts it under <paramref name="reason"/> and returns false.</summary>
    public bool Fail(string reason, DataColumn? column, string problem)
    {
        if (!_options.SkipBadRows)
        {
            throw new DataFileException(Path, Line, column?.Name, problem);
        }

        Report.Skip(reason, Line, column?.Name, problem);
        return false;
    }

    /// <summary>The trimmed cell.</summary>
    public ReadOnlySpan<char> Cell(DataColumn column) => _csv[column.Index].Trim();

    /// <summary>A required text cell, interned.</summary>
    public bool TryText(DataColumn column, out string value)
    {
        var cell = Cell(column);
        if (cell.IsEmpty)
        {
            value = "";
            return Fail($"missing {column.ContractName}", column, $"the cell is empty ({column.ContractName} is required)");
        }

        value = _strings.Intern(cell);
        return true;
    }

    /// <summary>An optional text cell, interned; <paramref name="fallback"/> when the column is absent or the cell empty.</summary>
    public string Text(DataColumn? column, string fallback)
    {
        if (column is not { } c)
        {
            return fallback;
        }

        var cell = Cell(c);
        return cell.IsEmpty ? fallback : _strings.Intern(cell);
    }

    /// <summary>A required number cell: present, parsable, finite and of plausible magnitude.</summary>
    public bool TryNumber(DataColumn column, out double value)
    {
        var cell = Cell(column);
        if (cell.IsEmpty)
        {
            value = 0;
            return Fail($"missing {column.ContractName}", column, $"the cell is empty ({column.ContractName} is required)");
        }

        return TryParseNumber(column, cell, out value);
    }

    /// <summary>An optional number cell: null when the column is absent or the cell empty.</summary>
    public bool TryOptionalNumber(DataColumn? column, out double? value)
    {
        value = null;
        if (column is not { } c)
        {
            return true;
        }

        var cell = Cell(c);
        if (cell.IsEmpty)
        {
            return true;
        }

        if (!TryParseNumber(c, cell, out var number))
        {
            return false;
        }

        value = number;
        return true;
    }

    /// <summary>A date cell (required or not), not after <see cref="LoadOptions.LatestValidDate"/>.</summary>
    public bool TryDate(DataColumn? column, bool required, out DateOnly? value)
    {
        value = null;
        if (column is not { } c)
        {
            return true;
        }

        var cell = Cell(c);
        if (cell.IsEmpty)
        {
            return !required || Fail($"missing {c.ContractName}", c, $"the cell is empty ({c.ContractName} is required)");
        }

        if (!_dates.TryParse(cell, out var day))
        {
            return Fail($"unparsable {c.ContractName}", c, $"{CellText.Show(cell)} is not a date (expected {_dates.Expected})");
        }

        if (day > _options.LatestValidDate)
        {
            return Fail("date in the future", c,
                $"{CellText.Show(cell)} is in the future (after {_options.LatestValidDate:yyyy-MM-dd})");
        }

        value = day;
        return true;
    }

    public void Dispose() => _csv.Dispose();

    private bool TryParseNumber(DataColumn column, ReadOnlySpan<char> cell, out double value)
    {
        var problem = NumberCell.TryParse(cell, _decimalSeparator, out value);
        if (problem == NumberProblem.None)
        {
            return true;
        }

        var reason = problem == NumberProblem.TooLarge ? $"implausible {column.ContractName}" : $"unparsable {column.ContractName}";
        return Fail(reason, column, NumberCell.Describe(problem, cell, _decimalSeparator));
    }

    // A one-column header that contains another common delimiter almost always means the wrong delimiter.
    private string DelimiterHint()
    {
        if (_header.Length != 1)
        {
            return "";
        }

        foreach (var candidate in new[] { ';', ',', '\t', '|' })
        {
            if (candidate != _format.DelimiterChar && _header[0].Contains(candidate))
            {
                var shown = candidate == '\t' ? "\\t" : candidate.ToString();
                return $" (the file looks '{shown}'-delimited: set delimiter to '{shown}' in the mapping)";
            }
        }

        return "";
    }
}
