using System.Globalization;
using MlCustomer.Core.Data;

namespace MlCustomer.Core.Decisions;

/// <summary>
/// Number formats of reasons: invariant culture, so a reason reads the same on every machine. Written by
/// <see cref="DecimalText"/> where it can (the same characters as the .NET format named here, at a fraction of the
/// CPU: eight reasons a customer in every <c>/scores/csv</c> row), by .NET otherwise.
/// </summary>
internal static class Show
{
    /// <summary>Money: 8,430.00.</summary>
    public static string Amount(double value)
    {
        // A tiny negative (−1e-15 left by a subtraction) would read "-0.00".
        var text = Format(value, "N2", 2, 2, grouped: true);
        return text == "-0.00" ? "0.00" : text;
    }

    /// <summary>Days: 45 or 12.5.</summary>
    public static string Days(double value) => Format(value, "#,0.#", 0, 1, grouped: true);

    /// <summary>A probability: 0.62.</summary>
    public static string Probability(double value) => Format(value, "0.00", 2, 2, grouped: false);

    /// <summary>A fraction as percent: 0.031 → 3.1%.</summary>
    public static string Percent(double fraction) => Format(fraction * 100, "0.0", 1, 1, grouped: false) + "%";

    /// <summary>A number already in percent: 20 → 20%.</summary>
    public static string PercentValue(double percent) => Format(percent, "0.##", 0, 2, grouped: false) + "%";

    /// <summary>A multiple or plain setting: 1.5.</summary>
    public static string Multiple(double value) => Format(value, "0.##", 0, 2, grouped: false);

    /// <summary><see cref="Amount"/> into <paramref name="destination"/> (false when it does not fit).</summary>
    public static bool TryAmount(double value, Span<char> destination, out int written)
    {
        if (!TryFormat(value, "N2", 2, 2, grouped: true, destination, out written))
        {
            return false;
        }

        if (destination[..written] is "-0.00")
        {
            "0.00".CopyTo(destination);
            written = 4;
        }

        return true;
    }

    /// <summary><see cref="Probability"/> into <paramref name="destination"/> (false when it does not fit).</summary>
    public static bool TryProbability(double value, Span<char> destination, out int written) =>
        TryFormat(value, "0.00", 2, 2, grouped: false, destination, out written);

    private static bool TryFormat(double value, string format, int minDecimals, int maxDecimals, bool grouped, Span<char> destination, out int written) =>
        DecimalText.TryFormat(value, minDecimals, maxDecimals, grouped, destination, out written)
        || value.TryFormat(destination, out written, format, CultureInfo.InvariantCulture);

    // format is the .NET format that the decimals and grouping stand for, used where DecimalText cannot be sure.
    private static string Format(double value, string format, int minDecimals, int maxDecimals, bool grouped)
    {
        Span<char> text = stackalloc char[32];
        return DecimalText.TryFormat(value, minDecimals, maxDecimals, grouped, text, out var written)
            ? new string(text[..written])
            : value.ToString(format, CultureInfo.InvariantCulture);
    }
}
