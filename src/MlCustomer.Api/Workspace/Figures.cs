using System.Globalization;

namespace MlCustomer.Api.Workspace;

/// <summary>How the workspace writes numbers: invariant culture with thousands separators, so every page reads alike.</summary>
public static class Figures
{
    /// <summary>A shown value that does not exist (a share of a total that is not positive, an empty tier's mean).</summary>
    public const string None = "–";

    /// <summary>1,234.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>1,234.5.</summary>
    public static string OneDecimal(double value) => value.ToString("N1", CultureInfo.InvariantCulture);

    /// <summary>12,345 GBP (whole units: the pages compare, they do not account).</summary>
    public static string Amount(double value, string? currency)
    {
        var text = value.ToString("N0", CultureInfo.InvariantCulture);
        // A tiny negative would read "-0".
        text = text == "-0" ? "0" : text;
        return currency is null ? text : $"{text} {currency}";
    }

    /// <summary>A fraction as a percentage with one decimal: 0.868 → 86.8%.</summary>
    public static string Percent(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : None;

    /// <summary>A day: 2025-06-30.</summary>
    public static string Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? None;

    /// <summary>A day for a date field's value: 2025-06-30, or empty.</summary>
    public static string DateOrEmpty(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    /// <summary>A moment in UTC to the minute: 2026-12-03 23:15 UTC.</summary>
    public static string Moment(DateTimeOffset moment) => moment.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>An SVG coordinate.</summary>
    public static string Coordinate(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
