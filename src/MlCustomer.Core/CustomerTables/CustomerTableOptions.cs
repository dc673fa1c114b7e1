using MlCustomer.Core.Data;

namespace MlCustomer.Core.CustomerTables;

/// <summary>
/// How to read a customer table (one row per customer: an id, a churn label and any attribute columns,
/// the usual subscription or CRM export). Column names are the file's own; settings only, no logic.
/// </summary>
public sealed record CustomerTableOptions
{
    /// <summary>
    /// The column holding the customer id (never a feature; must be unique and filled). Null: the table has no id
    /// column, and each row's number (1 = the first data row) is its id.
    /// </summary>
    public string? IdColumn { get; init; }

    /// <summary>The column holding the churn label (exactly two values, e.g. Yes/No).</summary>
    public required string LabelColumn { get; init; }

    /// <summary>
    /// The label value that means "churned", e.g. "Yes". Null: inferred from the two values seen
    /// (Yes/True/1/Y/churned … against No/False/0/N/active …, case-insensitive); loading fails, listing the
    /// values, when it cannot be told.
    /// </summary>
    public string? PositiveLabel { get; init; }

    /// <summary>Optional numeric value label (profit or revenue in the horizon); every row must have it.</summary>
    public string? ValueColumn { get; init; }

    /// <summary>Columns the user leaves out of the features (e.g. a column that leaks the label).</summary>
    public IReadOnlySet<string> Exclude { get; init; } = new HashSet<string>();

    /// <summary>Delimiter and decimal separator; its column mapping is not used (names above are the file's).</summary>
    public FileFormat Format { get; init; } = new();

    /// <summary>
    /// False (the default): the first bad row throws a <see cref="DataFileException"/>. True: bad rows (missing
    /// id or label, duplicate id, a stray text cell in a numeric column …) are left out and counted by reason in
    /// the <see cref="LoadReport"/>. Problems with the whole table (a column missing, a label with three values)
    /// always throw.
    /// </summary>
    public bool SkipBadRows { get; init; }

    /// <summary>Receives the number of data rows read so far, about every 100,000 rows and at the end.</summary>
    public IProgress<long>? RowsReadProgress { get; init; }
}
