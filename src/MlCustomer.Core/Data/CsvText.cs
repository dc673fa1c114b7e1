using System.Globalization;

namespace MlCustomer.Core.Data;

/// <summary>How MlCustomer writes CSV cells: invariant culture, RFC 4180 quoting, empty for missing.</summary>
public static class CsvText
{
    /// <summary>Quotes a text cell when it holds a comma, quote or line break.</summary>
    public static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>A number with at most <paramref name="decimals"/> decimals; NaN (missing) is an empty cell.</summary>
    /// <remarks>A tiny negative (e.g. −1e-15 left by a subtraction) rounds to −0; adding +0.0 makes it 0, not "-0".</remarks>
    public static string Number(double value, int decimals = 4)
    {
        if (double.IsNaN(value))
        {
            return "";
        }

        var rounded = Math.Round(value, decimals) + 0.0;
        Span<char> text = stackalloc char[32];
        return DecimalText.TryFormatRounded(rounded, decimals, text, out var written)
            ? new string(text[..written])
            : rounded.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>An ISO 8601 day.</summary>
    public static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
