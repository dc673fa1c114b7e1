using System.Globalization;
using System.Text;

namespace MlCustomer.Api.Scoring;

/// <summary>
/// Numbers in CSV output with at most a given number of decimals, trailing zeros dropped ("0.######"):
/// 0.25 → "0.25", 12 → "12", 0.0000001 → "0". Written digit by digit, because .NET's custom numeric formats
/// were a noticeable share of the CPU of streaming a million scored rows.
/// </summary>
public static class CsvNumbers
{
    private static readonly long[] PowersOfTen = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

    // Above this magnitude × 10^decimals a long would overflow: such numbers take .NET's formatting.
    private const double LargestScaled = 1e17;

    /// <summary>
    /// Appends <paramref name="value"/> rounded to <paramref name="decimals"/> places (half away from zero), without
    /// trailing zeros; a value that rounds to zero is "0"; with <paramref name="plusSign"/> a positive value starts with '+'.
    /// </summary>
    public static StringBuilder AppendFixed(this StringBuilder text, double value, int decimals, bool plusSign = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(decimals, PowersOfTen.Length - 1);
        var scale = PowersOfTen[decimals];
        var scaled = Math.Round(value * scale, MidpointRounding.AwayFromZero);
        if (!double.IsFinite(scaled) || Math.Abs(scaled) >= LargestScaled)
        {
            var pattern = "0." + new string('#', decimals);
            return text.Append((plusSign && value > 0 ? "+" : "") + value.ToString(pattern, CultureInfo.InvariantCulture));
        }

        var units = (long)scaled;
        if (units == 0)
        {
            return text.Append('0');
        }

        if (units < 0)
        {
            text.Append('-');
            units = -units;
        }
        else if (plusSign)
        {
            text.Append('+');
        }

        text.Append(units / scale);
        var fraction = units % scale;
        if (fraction == 0)
        {
            return text;
        }

        // The fraction's digits with leading zeros, then without trailing ones: 0.050 → ".05".
        var digits = decimals;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            digits--;
        }

        text.Append('.');
        for (var width = CountDigits(fraction); width < digits; width++)
        {
            text.Append('0');
        }

        return text.Append(fraction);
    }

    private static int CountDigits(long value)
    {
        var count = 1;
        while (value >= 10)
        {
            value /= 10;
            count++;
        }

        return count;
    }
}
