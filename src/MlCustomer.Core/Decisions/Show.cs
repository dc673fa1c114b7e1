using System.Globalization;

namespace MlCustomer.Core.Decisions;

/// <summary>Number formats of reasons: invariant culture, so a reason reads the same on every machine.</summary>
internal static class Show
{
    /// <summary>Money: 8,430.00.</summary>
    public static string Amount(double value)
    {
        // A tiny negative (−1e-15 left by a subtraction) would read "-0.00".
        var text = value.ToString("N2", CultureInfo.InvariantCulture);
        return text == "-0.00" ? "0.00" : text;
    }

    /// <summary>Days: 45 or 12.5.</summary>
    public static string Days(double value) => value.ToString("#,0.#", CultureInfo.InvariantCulture);

    /// <summary>A probability: 0.62.</summary>
    public static string Probability(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A fraction as percent: 0.031 → 3.1%.</summary>
    public static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A number already in percent: 20 → 20%.</summary>
    public static string PercentValue(double percent) => percent.ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>A multiple or plain setting: 1.5.</summary>
    public static string Multiple(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
