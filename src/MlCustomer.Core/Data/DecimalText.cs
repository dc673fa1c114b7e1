namespace MlCustomer.Core.Data;

/// <summary>
/// Invariant decimal text of numbers by integer arithmetic, standing in for .NET's formatter where it is hot: the rule
/// reasons, decision cells and reason values of <c>POST /scores/csv</c> format ~30 numbers a row, and .NET's general
/// path (format-string parsing, Dragon4/Grisu digit generation) was a fifth of the endpoint's CPU. Each method writes
/// exactly what the .NET format it names writes, or returns false where plain arithmetic cannot be sure of that (a value
/// within rounding noise of a half, a huge or non-finite value, a negative value that rounds to zero), and the caller
/// asks .NET. DecimalTextTests compare every pattern with .NET on millions of values, halves included.
/// </summary>
public static class DecimalText
{
    private static readonly double[] DoublePowers =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    private static readonly ulong[] WholePowers =
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
    ];

    /// <summary>The most decimals these methods write.</summary>
    public const int MaxDecimals = 6;

    // Scaled values up to here keep their rounding exact to well under the margin below, and leave .NET's custom formats
    // (which first round to 15 significant digits) at least three digits below the last one written.
    private const double LargestScaled = 1e12;

    // A scaled value this close to a half is left to .NET, whose rounding of exact halves need not be ours.
    private const double HalfMargin = 1e-3;

    /// <summary>
    /// <paramref name="value"/> as .NET's invariant <c>"N{d}"</c> (<paramref name="grouped"/>, d = min = max decimals)
    /// or custom formats such as <c>"0.00"</c>, <c>"0.##"</c>, <c>"#,0.#"</c> write it: rounded to
    /// <paramref name="maxDecimals"/> places, trailing zeros dropped down to <paramref name="minDecimals"/>, thousands
    /// separated by ',' when grouped.
    /// </summary>
    /// <returns>False (nothing to rely on in <paramref name="destination"/>) when .NET must format the value.</returns>
    public static bool TryFormat(double value, int minDecimals, int maxDecimals, bool grouped, Span<char> destination, out int written)
    {
        written = 0;
        if ((uint)maxDecimals > MaxDecimals || (uint)minDecimals > (uint)maxDecimals)
        {
            return false;
        }

        var scaled = Math.Abs(value) * DoublePowers[maxDecimals];
        if (!(scaled < LargestScaled))
        {
            return false; // NaN, infinities and huge values
        }

        var whole = Math.Floor(scaled);
        var fraction = scaled - whole;
        if (Math.Abs(fraction - 0.5) < HalfMargin)
        {
            return false;
        }

        var units = (ulong)whole + (fraction > 0.5 ? 1UL : 0UL);
        return Write(value < 0 || double.IsNegative(value), units, maxDecimals, minDecimals, grouped, destination, out written);
    }

    /// <summary>
    /// A double that is already rounded to <paramref name="decimals"/> places (<c>Math.Round(x, decimals)</c>) as
    /// .NET's shortest round-trip text writes it (<c>ToString(CultureInfo.InvariantCulture)</c>): 12.5, 0.0034, -7.
    /// </summary>
    /// <returns>False when .NET must format the value (not such a double, too large, negative zero).</returns>
    public static bool TryFormatRounded(double value, int decimals, Span<char> destination, out int written)
    {
        written = 0;
        if ((uint)decimals > 4 || !(Math.Abs(value) < 1e10) || (value == 0 && double.IsNegative(value)))
        {
            return false;
        }

        // The value is m / 10^d for an integer m; a decimal of at most 15 digits is the only one of that length that
        // reads back as its double, so the shortest round-trip text is m / 10^d itself (trailing zeros dropped).
        var power = DoublePowers[decimals];
        var units = Math.Round(Math.Abs(value) * power);
        if (units / power != Math.Abs(value))
        {
            return false;
        }

        return Write(value < 0, (ulong)units, decimals, 0, grouped: false, destination, out written);
    }

    /// <summary>
    /// <paramref name="value"/> as .NET's invariant custom format with up to <paramref name="maxDecimals"/> optional
    /// decimals writes a float (<c>"0.####"</c> for 4): .NET first rounds a float to 7 significant digits, then rounds
    /// those digits half up to the decimals asked for.
    /// </summary>
    /// <returns>False when .NET must format the value.</returns>
    public static bool TryFormatSingle(float value, int maxDecimals, Span<char> destination, out int written)
    {
        written = 0;
        if ((uint)maxDecimals > MaxDecimals || !float.IsFinite(value))
        {
            return false;
        }

        if (value == 0)
        {
            return Write(float.IsNegative(value), 0, 0, 0, grouped: false, destination, out written);
        }

        double size = Math.Abs(value);
        // The decimal exponent by comparisons (a logarithm cost more than the rest); the loop below settles the last step.
        var exponent = 0;
        while (exponent < 22 && size >= DoublePowers[exponent + 1])
        {
            exponent++;
        }

        while (exponent <= 0 && exponent > -22 && size * DoublePowers[-exponent] < 1)
        {
            exponent--;
        }

        double digits = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var shift = 6 - exponent;
            if (Math.Abs(shift) >= DoublePowers.Length)
            {
                return false;
            }

            // One correctly rounded operation by an exact power of ten: the 7 leading digits with the rest as a fraction.
            digits = shift >= 0 ? size * DoublePowers[shift] : size / DoublePowers[-shift];
            if (digits >= 1e7)
            {
                exponent++;
            }
            else if (digits < 1e6)
            {
                exponent--;
            }
            else
            {
                break;
            }
        }

        if (!(digits >= 1e6 && digits < 1e7))
        {
            return false;
        }

        var whole = Math.Floor(digits);
        var fraction = digits - whole;
        if (Math.Abs(fraction - 0.5) < HalfMargin)
        {
            return false;
        }

        var seven = (ulong)whole + (fraction > 0.5 ? 1UL : 0UL);
        if (seven == 10_000_000)
        {
            seven = 1_000_000;
            exponent++;
        }

        // The 7 digits stand for seven × 10^(exponent − 6): 6 − exponent decimals.
        var decimals = 6 - exponent;
        ulong units;
        if (decimals > maxDecimals)
        {
            var dropped = decimals - maxDecimals;
            if (dropped > 7)
            {
                units = 0;
            }
            else
            {
                var power = WholePowers[dropped];
                units = seven / power + (2 * (seven % power) >= power ? 1UL : 0UL);
            }

            decimals = maxDecimals;
        }
        else if (decimals >= 0)
        {
            units = seven;
        }
        else if (-decimals <= 8)
        {
            units = seven * WholePowers[-decimals];
            decimals = 0;
        }
        else
        {
            return false;
        }

        return Write(value < 0, units, decimals, 0, grouped: false, destination, out written);
    }

    // units / 10^decimals with its sign; false for a negative value that rounds to zero (.NET's "-0" rules differ by format).
    private static bool Write(bool negative, ulong units, int decimals, int minDecimals, bool grouped, Span<char> destination, out int written)
    {
        written = 0;
        if (negative && units == 0)
        {
            return false;
        }

        var power = WholePowers[decimals];
        var integer = units / power;
        var fraction = units % power;
        var shown = decimals;
        while (shown > minDecimals && fraction % 10 == 0)
        {
            fraction /= 10;
            shown--;
        }

        var integerDigits = CountDigits(integer);
        var separators = grouped ? (integerDigits - 1) / 3 : 0;
        var length = (negative ? 1 : 0) + integerDigits + separators + (shown > 0 ? 1 + shown : 0);
        if (length > destination.Length)
        {
            return false;
        }

        var at = length;
        for (var k = 0; k < shown; k++)
        {
            destination[--at] = (char)('0' + (int)(fraction % 10));
            fraction /= 10;
        }

        if (shown > 0)
        {
            destination[--at] = '.';
        }

        for (var k = 0; k < integerDigits; k++)
        {
            if (grouped && k > 0 && k % 3 == 0)
            {
                destination[--at] = ',';
            }

            destination[--at] = (char)('0' + (int)(integer % 10));
            integer /= 10;
        }

        if (negative)
        {
            destination[--at] = '-';
        }

        written = length;
        return true;
    }

    private static int CountDigits(ulong value)
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
