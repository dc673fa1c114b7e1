using System.Globalization;

namespace MlCustomer.Core.Data;

/// <summary>Why a cell could not be read as a number.</summary>
internal enum NumberProblem
{
    None,
    Unparsable,
    NotFinite,
    TooLarge,
}

/// <summary>
/// Parses number cells with a configurable decimal separator. Thousand separators are refused rather than
/// guessed at: "1,234" is a thousand in one country and one point two in another.
/// </summary>
internal static class NumberCell
{
    /// <summary>Larger magnitudes are data errors (a unit price of 1e15 is a broken export, not a sale).</summary>
    public const double MaxMagnitude = 1e12;

    public static NumberProblem TryParse(ReadOnlySpan<char> text, char decimalSeparator, out double value)
    {
        value = 0;
        if (decimalSeparator == ',')
        {
            if (text.Contains('.') || text.Length > 64)
            {
                return NumberProblem.Unparsable;
            }

            Span<char> swapped = stackalloc char[text.Length];
            text.CopyTo(swapped);
            swapped.Replace(',', '.');
            return Check(double.TryParse(swapped, NumberStyles.Float, CultureInfo.InvariantCulture, out value), value);
        }

        if (text.Contains(','))
        {
            return NumberProblem.Unparsable;
        }

        return Check(double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value), value);
    }

    /// <summary>The problem statement for a cell that <see cref="TryParse"/> refused.</summary>
    public static string Describe(NumberProblem problem, ReadOnlySpan<char> text, char decimalSeparator)
    {
        var shown = CellText.Show(text);
        return problem switch
        {
            NumberProblem.NotFinite => $"{shown} is not a finite number",
            NumberProblem.TooLarge => $"{shown} is implausibly large (magnitude above 1e12)",
            _ when decimalSeparator == '.' && text.Contains(',') =>
                $"{shown} is not a number: the decimal separator is '.' and thousand separators are not allowed " +
                "(if the file writes decimals as 1,5 set decimalSeparator to ',' in the mapping)",
            _ when decimalSeparator == ',' && text.Contains('.') =>
                $"{shown} is not a number: the decimal separator is ',' and thousand separators are not allowed",
            _ => $"{shown} is not a number",
        };
    }

    private static NumberProblem Check(bool parsed, double value) =>
        !parsed ? NumberProblem.Unparsable
        : !double.IsFinite(value) ? NumberProblem.NotFinite
        : Math.Abs(value) > MaxMagnitude ? NumberProblem.TooLarge
        : NumberProblem.None;
}

/// <summary>
/// Parses date cells and keeps only the day. Null format = ISO 8601: yyyy-MM-dd, optionally with a time
/// ('T' or space, seconds and fractions optional) and a zone (Z or ±hh:mm); the day is the one written,
/// not converted to another zone. Order lines of one order repeat their timestamp, so the last parse is cached.
/// </summary>
internal sealed class DateCell
{
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mmK",
    ];

    private readonly string[] _formats;
    private readonly char[] _last = new char[64];
    private int _lastLength = -1;
    private DateOnly _lastDay;

    public DateCell(string? format)
    {
        _formats = format is null ? IsoFormats : [format];
        Expected = format ?? "yyyy-MM-dd";
    }

    /// <summary>The format named in error messages.</summary>
    public string Expected { get; }

    public bool TryParse(ReadOnlySpan<char> text, out DateOnly day)
    {
        if (text.Length == _lastLength && text.SequenceEqual(_last.AsSpan(0, _lastLength)))
        {
            day = _lastDay;
            return true;
        }

        // AssumeUniversal only stops the parser from consulting the local time zone; the day kept is the one written.
        if (!DateTimeOffset.TryParseExact(text, _formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            day = default;
            return false;
        }

        day = DateOnly.FromDateTime(value.DateTime);
        if (text.Length <= _last.Length)
        {
            text.CopyTo(_last);
            _lastLength = text.Length;
            _lastDay = day;
        }

        return true;
    }
}

/// <summary>Shows cell values in messages.</summary>
internal static class CellText
{
    private const int MaxShown = 40;

    /// <summary>The value in quotes, shortened when long.</summary>
    public static string Show(ReadOnlySpan<char> text) =>
        text.Length <= MaxShown ? $"'{text}'" : $"'{text[..MaxShown]}…'";
}
