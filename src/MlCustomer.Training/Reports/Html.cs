using System.Globalization;
using System.Net;

namespace MlCustomer.Training.Reports;

/// <summary>Escaping and invariant number formatting for the report: every text from data goes through
/// <see cref="Text"/>, every number through one of the formatters.</summary>
internal static class Html
{
    /// <summary>Shown where a number is undefined (null).</summary>
    public const string Missing = "—";

    /// <summary>Escapes text for an element body or a quoted attribute value.</summary>
    public static string Text(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A metric, "—" when undefined.</summary>
    public static string Number(double? value, string format = "0.000") =>
        value is { } v && double.IsFinite(v) ? WithoutNegativeZero(v.ToString(format, CultureInfo.InvariantCulture)) : Missing;

    /// <summary>A share as a percentage, "—" when undefined.</summary>
    public static string Percent(double? share, string format = "0.0") =>
        share is { } s && double.IsFinite(s) ? (100 * s).ToString(format, CultureInfo.InvariantCulture) + "%" : Missing;

    /// <summary>A count with thousands separators.</summary>
    public static string Count(long value) => value.ToString("#,##0", CultureInfo.InvariantCulture);

    /// <summary>An amount of money: whole units when large, cents when small; with the currency code after it when known.</summary>
    public static string Money(double? value, string? currency = null) =>
        value is not { } v || !double.IsFinite(v) ? Missing
        : WithoutNegativeZero(v.ToString(Math.Abs(v) >= 100 ? "#,##0" : "#,##0.00", CultureInfo.InvariantCulture))
            + (currency is null ? "" : "\u00a0" + Text(currency));

    /// <summary>"-0" and "-0.00" (a tiny negative rounded away, or IEEE −0) read as a sign error; show them unsigned.</summary>
    private static string WithoutNegativeZero(string text) =>
        text.StartsWith('-') && text.AsSpan(1).IndexOfAnyExcept("0.,") < 0 ? text[1..] : text;

    /// <summary>A list shortened to its first <paramref name="keep"/> items and a count of the rest.</summary>
    public static string Truncated(IReadOnlyList<string> items, int keep) =>
        items.Count <= keep
            ? string.Join(", ", items)
            : string.Join(", ", items.Take(keep)) + $", … and {Count(items.Count - keep)} more";
}
