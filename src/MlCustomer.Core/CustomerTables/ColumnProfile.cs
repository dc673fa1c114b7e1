using System.Globalization;

namespace MlCustomer.Core.CustomerTables;

/// <summary>What a column of a customer table became.</summary>
public enum ColumnRole
{
    /// <summary>The customer id (passed through, never a feature).</summary>
    Id,

    /// <summary>The churn label.</summary>
    Label,

    /// <summary>The numeric value label (profit or revenue in the horizon).</summary>
    Value,

    /// <summary>A numeric feature; blank cells are missing (NaN).</summary>
    Numeric,

    /// <summary>A categorical feature; rare values are grouped, blanks are their own category.</summary>
    Categorical,

    /// <summary>A two-valued feature (Yes/No, True/False, 0/1 …) used as a number 0/1.</summary>
    Boolean,

    /// <summary>Excluded: one value only, nothing to learn from.</summary>
    Constant,

    /// <summary>Excluded: (almost) every row has its own value, like an id, an e-mail or a phone number.</summary>
    IdLike,

    /// <summary>Excluded: text with too many distinct or too long values to be a category (notes, comments).</summary>
    FreeText,

    /// <summary>Excluded: a date column; turn it into a number (e.g. tenure in days) to use it.</summary>
    Date,

    /// <summary>Excluded by the user.</summary>
    Excluded,
}

/// <summary>A column of a customer table, what it became and why.</summary>
/// <param name="Name">The column name as in the file's header.</param>
/// <param name="Role">What the column became.</param>
/// <param name="Reason">
/// For features, id and labels, what the column is in words ("numeric", "boolean (Yes = 1, No = 0)",
/// "categorical, 3 values"); for excluded columns, why ("free text (93% distinct values)").
/// </param>
/// <param name="Distinct">Distinct filled values (trimmed text, case-sensitive).</param>
/// <param name="MissingShare">Share of loaded rows whose cell is blank or a missing marker such as NA.</param>
public sealed record ColumnProfile(string Name, ColumnRole Role, string Reason, int Distinct, double MissingShare)
{
    /// <summary>True when the column feeds the models.</summary>
    public bool IsFeature => Role is ColumnRole.Numeric or ColumnRole.Boolean or ColumnRole.Categorical;

    /// <summary>True when the column was left out of the features (not id or label: those are never features).</summary>
    public bool IsExcluded => Role is ColumnRole.Constant or ColumnRole.IdLike or ColumnRole.FreeText or ColumnRole.Date or ColumnRole.Excluded;

    /// <summary>One console line, e.g. "TotalCharges: numeric, 0.2% missing" or "Notes: excluded, free text (93% distinct values)".</summary>
    public string Describe() => Role switch
    {
        ColumnRole.Excluded => $"{Name}: {Reason}",
        _ when IsExcluded => $"{Name}: excluded, {Reason}",
        _ when IsFeature && MissingShare > 0 => $"{Name}: {Reason}, {Percent(MissingShare)} missing",
        _ => $"{Name}: {Reason}",
    };

    /// <summary>A share as a short percentage: "93%", "2.5%", "0.2%", "&lt;0.1%".</summary>
    internal static string Percent(double share)
    {
        var percent = share * 100;
        return percent switch
        {
            > 0 and < 0.05 => "<0.1%",
            >= 10 => percent.ToString("0", CultureInfo.InvariantCulture) + "%",
            _ => percent.ToString("0.#", CultureInfo.InvariantCulture) + "%",
        };
    }
}
