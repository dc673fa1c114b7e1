using System.Globalization;
using System.Text;

namespace MlCustomer.Core.Data;

/// <summary>How MlCustomer writes CSV cells: invariant culture, RFC 4180 quoting, empty for missing.</summary>
public static class CsvText
{
    /// <summary>Quotes a text cell when it holds a comma, quote or line break.</summary>
    public static string Escape(string value) =>
        !NeedsQuotes(value) ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>Whether <see cref="Escape"/> quotes <paramref name="value"/>.</summary>
    public static bool NeedsQuotes(ReadOnlySpan<char> value) => value.IndexOfAny(",\"\r\n") >= 0;

    /// <summary><see cref="Escape"/>d <paramref name="value"/> appended to <paramref name="text"/>.</summary>
    public static StringBuilder AppendEscaped(StringBuilder text, string value)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(value);
        return !NeedsQuotes(value) ? text.Append(value) : text.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    /// <summary>A number with at most <paramref name="decimals"/> decimals; NaN (missing) is an empty cell.</summary>
    /// <remarks>A tiny negative (e.g. −1e-15 left by a subtraction) rounds to −0; adding +0.0 makes it 0, not "-0".</remarks>
    public static string Number(double value, int decimals = 4)
    {
        Span<char> text = stackalloc char[32];
        return TryNumber(value, decimals, text, out var written) ? new string(text[..written]) : SlowNumber(value, decimals);
    }

    /// <summary><see cref="Number"/> appended to <paramref name="text"/> without a string for it.</summary>
    public static StringBuilder AppendNumber(StringBuilder text, double value, int decimals = 4)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<char> digits = stackalloc char[32];
        return TryNumber(value, decimals, digits, out var written) ? text.Append(digits[..written]) : text.Append(SlowNumber(value, decimals));
    }

    // Number's rule: rounded to the decimals, +0.0 so that −0 is 0, shortest round-trip text (DecimalText where it can be sure).
    private static bool TryNumber(double value, int decimals, Span<char> text, out int written)
    {
        written = 0;
        return !double.IsNaN(value) && DecimalText.TryFormatRounded(Math.Round(value, decimals) + 0.0, decimals, text, out written);
    }

    private static string SlowNumber(double value, int decimals) =>
        double.IsNaN(value) ? "" : (Math.Round(value, decimals) + 0.0).ToString(CultureInfo.InvariantCulture);

    /// <summary>An ISO 8601 day.</summary>
    public static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
