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

    private static readonly double[] DoublePowers = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    /// <summary>
    /// <c>double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)</c>, with the common cell
    /// ("-12.345": a sign, digits, a point, at most 15 digits in all) read by arithmetic: such a number is an integer
    /// below 2^53 divided by an exact power of ten, one correctly rounded division, so the double is the one .NET reads.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value)
    {
        var at = 0;
        var negative = false;
        if (text.Length > 0 && (text[0] == '-' || text[0] == '+'))
        {
            negative = text[0] == '-';
            at = 1;
        }

        ulong units = 0;
        var digits = 0;
        var decimals = -1;
        for (; at < text.Length; at++)
        {
            var c = text[at];
            if ((uint)(c - '0') <= 9)
            {
                units = units * 10 + (uint)(c - '0');
                digits++;
                if (decimals >= 0)
                {
                    decimals++;
                }
            }
            else if (c == '.' && decimals < 0 && digits > 0)
            {
                decimals = 0;
            }
            else
            {
                digits = -1; // anything else (exponent, spaces, a second point): .NET decides
                break;
            }
        }

        if (digits is <= 0 or > 15 || decimals == 0)
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }

        var size = decimals > 0 ? units / DoublePowers[decimals] : units;
        value = negative ? -size : size;
        return true;
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
