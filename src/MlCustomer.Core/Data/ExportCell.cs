using System.Globalization;

namespace MlCustomer.Core.Data;

/// <summary>
/// One cell of an exported row: a text, a number (rounded as the export shows it), or empty. The rows of a list are built
/// once from these, and each format writes them its way: CSV as text (<see cref="ToCsv"/>), a workbook as numbers and texts.
/// </summary>
/// <param name="Text">The text, or null for a number or an empty cell.</param>
/// <param name="Number">The number, or null for a text or an empty cell.</param>
public readonly record struct ExportCell(string? Text, double? Number)
{
    /// <summary>A text cell.</summary>
    public static ExportCell Of(string text) => new(text, null);

    /// <summary>A number with at most <paramref name="decimals"/> decimals (as <see cref="CsvText.Number"/> writes it); NaN (missing) is an empty cell.</summary>
    public static ExportCell Of(double value, int decimals = 4) =>
        double.IsNaN(value) ? default : new(null, Math.Round(value, decimals) + 0.0);

    /// <summary>A number that is missing is an empty cell.</summary>
    public static ExportCell Of(double? value, int decimals = 4) => value is { } v ? Of(v, decimals) : default;

    /// <summary>The cell in a CSV line: the number in invariant digits, the text quoted when it must be, or nothing.</summary>
    public string ToCsv() =>
        Number is { } number ? number.ToString(CultureInfo.InvariantCulture) : Text is { } text ? CsvText.Escape(text) : "";
}
