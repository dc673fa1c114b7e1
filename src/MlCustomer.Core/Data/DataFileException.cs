namespace MlCustomer.Core.Data;

/// <summary>
/// Bad input data: names the file, the physical line (the header is line 1) and the column.
/// </summary>
public sealed class DataFileException : Exception
{
    /// <summary>Creates the error; <paramref name="line"/> 0 and <paramref name="column"/> null mean "the whole file".</summary>
    public DataFileException(string file, long line, string? column, string problem)
        : base(Format(file, line, column, problem))
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The file name as the user gave it.</summary>
    public string File { get; }

    /// <summary>Physical line number, 1 = header; 0 when the problem concerns the whole file.</summary>
    public long Line { get; }

    /// <summary>The column (as named in the user's file), or null.</summary>
    public string? Column { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    internal static string Format(string file, long line, string? column, string problem)
    {
        var where = Path.GetFileName(file);
        if (line > 0)
        {
            where += $", line {line:N0}";
        }

        if (column is not null)
        {
            where += $", column '{column}'";
        }

        return $"{where}: {problem}";
    }
}
