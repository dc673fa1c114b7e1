using System.Collections.Frozen;
using MlCustomer.Core.Data;

namespace MlCustomer.Core.CustomerTables;

/// <summary>The values of a label column: how often each occurs and on which line it first does.</summary>
internal sealed record LabelValue(string Text, int Count, long FirstLine);

/// <summary>Decides which label value means "churned".</summary>
internal static class LabelValues
{
    private const int MaxValuesShown = 10;

    /// <summary>
    /// Label values that mean the customer left, in the words exports use (Telco "Yes", bank "Exited" 1,
    /// "Attrited Customer", "cancelled" …), compared case-insensitively.
    /// </summary>
    public static readonly FrozenSet<string> ChurnedWords = new[]
    {
        "yes", "y", "true", "t", "1", "churn", "churned", "churner", "left", "lost", "exited", "cancelled", "canceled",
        "attrited", "attrited customer", "inactive", "lapsed", "closed", "terminated",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Label values that mean the customer stayed, compared case-insensitively.</summary>
    public static readonly FrozenSet<string> StayedWords = new[]
    {
        "no", "n", "false", "f", "0", "stayed", "retained", "active", "existing", "existing customer", "current", "open",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The positive value: the one given (exactly, or case-insensitively when that is unambiguous), or the one
    /// of two values that is a churned word while the other is not (or whose partner is the only stayed word).
    /// </summary>
    public static string Positive(string file, string column, IReadOnlyList<LabelValue> values, string? given)
    {
        if (values.Count > 2)
        {
            throw new DataFileException(file, 0, column,
                $"the label has {values.Count} distinct values ({List(values)}); a churn label needs exactly two (e.g. Yes/No)");
        }

        if (given is not null)
        {
            var exact = values.Where(v => v.Text == given.Trim()).ToList();
            var folded = values.Where(v => v.Text.Equals(given.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
            var match = exact.Count == 1 ? exact : folded;
            return match.Count == 1
                ? match[0].Text
                : throw new DataFileException(file, 0, column, $"the positive label '{given}' is not among the label values ({List(values)})");
        }

        if (values.Count < 2)
        {
            throw new DataFileException(file, 0, column,
                $"the label has a single value ({List(values)}): there is nothing to learn (if that is intended, say which value means churned with --positive)");
        }

        var churned = values.Where(v => IsChurnedWord(v.Text)).ToList();
        var stayed = values.Where(v => IsStayedWord(v.Text)).ToList();
        if (churned.Count == 1)
        {
            return churned[0].Text;
        }

        if (stayed.Count == 1 && churned.Count == 0)
        {
            return values.Single(v => v != stayed[0]).Text;
        }

        throw new DataFileException(file, 0, column,
            $"cannot tell which label value means churned ({List(values)}): give it with --positive");
    }

    private static bool IsChurnedWord(string text) => ChurnedWords.Contains(text) || IsNumber(text, 1);

    private static bool IsStayedWord(string text) => StayedWords.Contains(text) || IsNumber(text, 0);

    // "1.0" and "0.0" as written by some exports.
    private static bool IsNumber(string text, double expected) =>
        NumberCell.TryParse(text, '.', out var value) == NumberProblem.None && value == expected;

    // The most frequent values first; a wrong column (e.g. a charges column) can have thousands.
    private static string List(IReadOnlyList<LabelValue> values)
    {
        var shown = values.OrderByDescending(v => v.Count).ThenBy(v => v.FirstLine).Take(MaxValuesShown)
            .Select(v => $"{CellText.Show(v.Text)} in {v.Count:N0} rows, first on line {v.FirstLine:N0}");
        var more = values.Count > MaxValuesShown ? $" and {values.Count - MaxValuesShown:N0} more" : "";
        return string.Join("; ", shown) + more;
    }
}
