using System.Collections.Frozen;
using System.Globalization;
using MlCustomer.Core.Data;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.CustomerTables;

/// <summary>
/// What a column turned out to be, and how its cells become model input: numbers (numeric and boolean
/// columns; a cell not in <see cref="Numbers"/> is missing) or kept categories.
/// </summary>
internal sealed record ColumnAnalysis(ColumnRole Role, string Reason, int Distinct, int Missing)
{
    /// <summary>Cell text → number, for numeric and boolean columns.</summary>
    public IReadOnlyDictionary<string, double>? Numbers { get; init; }

    /// <summary>The categories kept on their own, for categorical columns.</summary>
    public IReadOnlySet<string>? KeptCategories { get; init; }

    /// <summary>
    /// Cell values that are not numbers in a column whose other cells all are (few enough to be mistakes):
    /// the rows holding them are errors, or skipped.
    /// </summary>
    public IReadOnlySet<string> BadNumbers { get; init; } = FrozenSet<string>.Empty;

    /// <summary>The number a cell stands for; NaN when blank or missing.</summary>
    public float NumberOf(string cell) => Numbers!.TryGetValue(cell, out var value) ? (float)value : float.NaN;
}

/// <summary>
/// The type inference rules of customer tables, applied to every cell of a column (trimmed; blank = "").
/// In order: constant → a copy of the id → numeric (0/1 numbers are boolean; an all-distinct integer
/// column that looks like an id is id-like) → boolean text pair → date → id-like text (short values) →
/// free text → categorical (which is constant after all when every value is too rare to keep).
/// </summary>
internal static class ColumnInference
{
    /// <summary>
    /// A numeric column may hold up to this share of unparsable cells before it counts as text instead.
    /// Below it, the few bad cells are almost surely export mistakes ("n.a.", "12,5" in a dot file), and
    /// silently turning them into missing values would hide them; above it the column simply is text.
    /// </summary>
    public const double MaxBadNumberShare = 0.01;

    /// <summary>
    /// A text column with at least this share of distinct values (among filled cells) identifies rows rather
    /// than describing them (ids, e-mails, phone numbers): a model could only memorise it.
    /// </summary>
    public const double IdLikeDistinctShare = 0.95;

    /// <summary>
    /// Text with more distinct values than this share is not a category: one-hot encoding it would make one
    /// feature per row, almost all of them rarer than <see cref="ModelDatasets.MinCustomersPerCategory"/>.
    /// </summary>
    public const double FreeTextDistinctShare = 0.5;

    /// <summary>Values longer than this on average are sentences (notes, comments, addresses), not categories.</summary>
    public const double FreeTextAverageLength = 40;

    /// <summary>
    /// An all-distinct integer column is only called an id when it has at least this many rows: in a handful of
    /// rows, distinct small integers (tickets 0, 1, 2 …) are normal.
    /// </summary>
    public const int MinRowsForNumericId = 20;

    /// <summary>
    /// Cells that mean "unknown" in common exports (R and pandas write NA, SQL NULL, Excel #N/A). In number and
    /// boolean columns they are missing; in text columns they stay a value of their own, which the model sees
    /// like any category.
    /// </summary>
    public static readonly FrozenSet<string> MissingMarkers =
        new[] { "NA", "N/A", "#N/A", "NaN", "null", "None", "?" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Two-value text sets read as booleans (true side first), compared case-insensitively. 0/1 as numbers is
    /// boolean too, checked on the parsed numbers so that "0.0"/"1.0" count.
    /// </summary>
    public static readonly IReadOnlyList<(string True, string False)> BooleanPairs =
    [
        ("yes", "no"),
        ("true", "false"),
        ("y", "n"),
        ("t", "f"),
    ];

    // Cultures other than the invariant one are unavailable (InvariantGlobalization), so the decimal-comma
    // convention is spelled out.
    private static readonly NumberFormatInfo DecimalCommaFormat = new() { NumberDecimalSeparator = ",", NumberGroupSeparator = "." };

    // Header endings that name an identifier ("customerId", "account_number", "row_key" …).
    private static readonly string[] IdNameEndings = ["id", "number", "key", "index", "_no", "_nr"];

    /// <summary>Infers what the column is. <paramref name="cells"/> are trimmed, one per row; <paramref name="ids"/> are the customer ids of the same rows.</summary>
    public static ColumnAnalysis Analyze(string name, IReadOnlyList<string> cells, IReadOnlyList<string> ids, char decimalSeparator)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var blanks = 0;
        foreach (var cell in cells)
        {
            if (cell.Length == 0)
            {
                blanks++;
            }
            else
            {
                counts[cell] = counts.GetValueOrDefault(cell) + 1;
            }
        }

        var filled = cells.Count - blanks;
        if (counts.Count == 0)
        {
            return new ColumnAnalysis(ColumnRole.Constant, "constant (always blank)", 0, blanks);
        }

        // One value and some blanks is not constant: present versus missing can carry the signal (a flag
        // column that is only ever "X" or empty), so such columns continue as numbers or categories.
        if (counts.Count == 1 && blanks == 0)
        {
            return new ColumnAnalysis(ColumnRole.Constant, $"constant ({CellText.Show(counts.Keys.First())} in every row)", 1, 0);
        }

        if (cells.Count > 0 && cells.SequenceEqual(ids, StringComparer.Ordinal))
        {
            return new ColumnAnalysis(ColumnRole.IdLike, "id-like (a copy of the id column)", counts.Count, blanks);
        }

        return AsNumbers(name, counts, blanks, decimalSeparator)
            ?? AsBooleanText(counts, blanks)
            ?? AsDates(counts, blanks)
            ?? AsText(cells, counts, blanks, filled, decimalSeparator);
    }

    private static ColumnAnalysis? AsNumbers(string name, Dictionary<string, int> counts, int blanks, char decimalSeparator)
    {
        var numbers = new Dictionary<string, double>(StringComparer.Ordinal);
        var bad = new HashSet<string>(StringComparer.Ordinal);
        int markerCells = 0, badCells = 0, numberCells = 0;
        foreach (var (value, count) in counts)
        {
            if (MissingMarkers.Contains(value))
            {
                markerCells += count;
            }
            else if (NumberCell.TryParse(value, decimalSeparator, out var number) == NumberProblem.None)
            {
                numbers[value] = number;
                numberCells += count;
            }
            else
            {
                bad.Add(value);
                badCells += count;
            }
        }

        if (numbers.Count == 0 || badCells > MaxBadNumberShare * (numberCells + badCells))
        {
            return null;
        }

        var missing = blanks + markerCells;
        var distinctNumbers = numbers.Values.Distinct().Order().ToList();
        if (distinctNumbers.Count == 1 && missing == 0)
        {
            return new ColumnAnalysis(ColumnRole.Constant, $"constant ({FormatNumber(distinctNumbers[0])} in every row)", counts.Count, 0);
        }

        if (distinctNumbers is [0, 1])
        {
            return new ColumnAnalysis(ColumnRole.Boolean, "boolean (0/1)", counts.Count, missing) { Numbers = numbers, BadNumbers = bad };
        }

        if (bad.Count == 0 && missing == 0 && LooksLikeNumericId(name, distinctNumbers, numberCells))
        {
            return new ColumnAnalysis(ColumnRole.IdLike, "id-like (a distinct whole number in every row)", counts.Count, 0);
        }

        return new ColumnAnalysis(ColumnRole.Numeric, "numeric", counts.Count, missing) { Numbers = numbers, BadNumbers = bad };
    }

    // Every value a distinct whole number, and either a run without gaps (row numbers) or a name like an id.
    private static bool LooksLikeNumericId(string name, List<double> distinctNumbers, int cells)
    {
        if (cells < MinRowsForNumericId || distinctNumbers.Count != cells || distinctNumbers.Any(v => v != Math.Floor(v)))
        {
            return false;
        }

        var consecutive = distinctNumbers[^1] - distinctNumbers[0] + 1 == cells;
        var lower = name.ToLowerInvariant();
        return consecutive || IdNameEndings.Any(lower.EndsWith);
    }

    private static ColumnAnalysis? AsBooleanText(Dictionary<string, int> counts, int blanks)
    {
        var values = counts.Where(c => !MissingMarkers.Contains(c.Key)).ToList();
        var folded = values.Select(c => c.Key.ToLowerInvariant()).Distinct().ToList();
        if (folded.Count != 2)
        {
            return null;
        }

        foreach (var (yes, no) in BooleanPairs)
        {
            if (folded.Contains(yes) && folded.Contains(no))
            {
                var numbers = values.ToDictionary(c => c.Key, c => c.Key.Equals(yes, StringComparison.OrdinalIgnoreCase) ? 1.0 : 0.0, StringComparer.Ordinal);
                var shownYes = values.Where(c => numbers[c.Key] == 1).MaxBy(c => c.Value).Key;
                var shownNo = values.Where(c => numbers[c.Key] == 0).MaxBy(c => c.Value).Key;
                var missing = blanks + counts.Where(c => MissingMarkers.Contains(c.Key)).Sum(c => c.Value);
                return new ColumnAnalysis(ColumnRole.Boolean, $"boolean ({shownYes} = 1, {shownNo} = 0)", counts.Count, missing) { Numbers = numbers };
            }
        }

        return null;
    }

    private static ColumnAnalysis? AsDates(Dictionary<string, int> counts, int blanks)
    {
        var dates = new DateCell(null);
        var values = counts.Keys.Where(v => !MissingMarkers.Contains(v)).ToList();
        return values.Count > 0 && values.All(v => dates.TryParse(v, out _))
            ? new ColumnAnalysis(ColumnRole.Date, "date (turn it into a number, e.g. days since, to use it)", counts.Count, blanks)
            : null;
    }

    private static ColumnAnalysis AsText(IReadOnlyList<string> cells, Dictionary<string, int> counts, int blanks, int filled, char decimalSeparator)
    {
        var analysis = AsTextOf(cells, counts, blanks, filled);
        return WrittenWithThousandSeparators(counts, decimalSeparator)
            ? analysis with { Reason = analysis.Reason + "; its values look like numbers written with thousand separators (e.g. 1,234.5): export them without to use them as numbers" }
            : analysis;
    }

    private static ColumnAnalysis AsTextOf(IReadOnlyList<string> cells, Dictionary<string, int> counts, int blanks, int filled)
    {
        var distinctShare = (double)counts.Count / filled;
        var averageLength = counts.Sum(c => (double)c.Key.Length * c.Value) / filled;
        // Long all-distinct values are sentences, not identifiers: they are reported as free text.
        if (distinctShare >= IdLikeDistinctShare && averageLength <= FreeTextAverageLength)
        {
            return new ColumnAnalysis(ColumnRole.IdLike, $"id-like ({ColumnProfile.Percent(distinctShare)} distinct values)", counts.Count, blanks);
        }

        if (distinctShare > FreeTextDistinctShare)
        {
            return new ColumnAnalysis(ColumnRole.FreeText, $"free text ({ColumnProfile.Percent(distinctShare)} distinct values)", counts.Count, blanks);
        }

        if (averageLength > FreeTextAverageLength)
        {
            return new ColumnAnalysis(ColumnRole.FreeText,
                $"free text (values are {averageLength.ToString("0", CultureInfo.InvariantCulture)} characters long on average)", counts.Count, blanks);
        }

        var kept = ModelDatasets.KeptCategories(cells);
        var keptValues = kept.Count(k => k != ModelDatasets.MissingCategory);
        var rareValues = counts.Count - keptValues;
        var terms = keptValues + (rareValues > 0 ? 1 : 0) + (blanks > 0 ? 1 : 0);
        if (terms < 2)
        {
            return new ColumnAnalysis(ColumnRole.Constant,
                $"constant once rare values are grouped (no value is held by {ModelDatasets.MinCustomersPerCategory} customers)", counts.Count, blanks);
        }

        var reason = $"categorical, {keptValues} values" + (rareValues > 0
            ? $" (+{rareValues} rarer than {ModelDatasets.MinCustomersPerCategory} customers, grouped as {ModelDatasets.OtherCategory})"
            : "");
        return new ColumnAnalysis(ColumnRole.Categorical, reason, counts.Count, blanks) { KeptCategories = kept };
    }

    // Most filled cells would be numbers if thousand separators were allowed: a spreadsheet export's formatting,
    // which the number rule refuses on purpose ("1,234" means different things in different countries).
    private static bool WrittenWithThousandSeparators(Dictionary<string, int> counts, char decimalSeparator)
    {
        var format = decimalSeparator == ',' ? DecimalCommaFormat : NumberFormatInfo.InvariantInfo;
        var numbers = counts.Where(c => double.TryParse(c.Key, NumberStyles.Float | NumberStyles.AllowThousands, format, out _)).Sum(c => c.Value);
        return numbers > 0.5 * counts.Values.Sum();
    }

    private static string FormatNumber(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
