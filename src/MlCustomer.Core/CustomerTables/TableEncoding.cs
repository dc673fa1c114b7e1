namespace MlCustomer.Core.CustomerTables;

/// <summary>
/// How training read a customer table, stored in the model card (<see cref="Bundle.ModelCard.Table"/>) so that every
/// surface (console, <c>/scores</c>, <c>/scores/csv</c>) turns a row of the same file into exactly the model row
/// training made of it, through <see cref="TableRowEncoder"/>: the id and label columns, the file format, and for
/// every other column what it became (boolean words and their numbers, kept categories and the ones grouped as
/// "(other)", numbers) or why it was left out.
/// </summary>
public sealed record TableEncoding
{
    /// <summary>Most rare category values kept per column to tell "rare in training" from "never seen" (the rest only count).</summary>
    public const int MaxGroupedValuesKept = 1_000;

    /// <summary>The id column as named in the file; null when training had none and each row's number (1 = first data row) was its id.</summary>
    public string? IdColumn { get; init; }

    /// <summary>The churn label column (ignored when scoring; read by evaluate).</summary>
    public required string LabelColumn { get; init; }

    /// <summary>The label value that means churned, as written in the file.</summary>
    public required string PositiveLabel { get; init; }

    /// <summary>The other label value (stayed), as written in the file; null when training saw only the positive one.</summary>
    public string? NegativeLabel { get; init; }

    /// <summary>The numeric value label column (ignored when scoring), or null.</summary>
    public string? ValueColumn { get; init; }

    /// <summary>Field delimiter of the file.</summary>
    public required string Delimiter { get; init; }

    /// <summary>Decimal separator numbers were parsed with.</summary>
    public required string DecimalSeparator { get; init; }

    /// <summary>
    /// Cells that meant "unknown" (NA, null, ? …): missing in numeric and boolean columns, a category of their own in
    /// categorical ones (as in training).
    /// </summary>
    public required IReadOnlyList<string> MissingMarkers { get; init; }

    /// <summary>Every column other than id and labels, in file order: features with their encoding, excluded ones with why.</summary>
    public required IReadOnlyList<TableColumnEncoding> Columns { get; init; }

    /// <summary>The feature columns, in file order.</summary>
    public IEnumerable<TableColumnEncoding> Features => Columns.Where(c => c.Role is ColumnRole.Numeric or ColumnRole.Boolean or ColumnRole.Categorical);

    /// <summary>Every column name training knew (id, labels, features and excluded columns): a scoring file's other columns are extra.</summary>
    public IReadOnlySet<string> KnownColumns() =>
        new[] { IdColumn, LabelColumn, ValueColumn }.OfType<string>().Concat(Columns.Select(c => c.Name)).ToHashSet(StringComparer.Ordinal);

    /// <summary>What table bundles do not have, in one sentence every surface shows.</summary>
    public const string NoSegmentsOrTiers =
        "a bundle trained on a customer table has no segments and no profit tiers (there is no order history to rank " +
        "customers by profit or to cluster on); it scores churn, and value when trained with --value-column";
}

/// <summary>One column of a customer table as training read it.</summary>
public sealed record TableColumnEncoding
{
    /// <summary>The column name as in the file's header.</summary>
    public required string Name { get; init; }

    /// <summary>What it became (numeric, boolean, categorical, or the reason it is excluded).</summary>
    public required ColumnRole Role { get; init; }

    /// <summary>In words, e.g. "boolean (Yes = 1, No = 0)" or "free text (93% distinct values)".</summary>
    public required string Reason { get; init; }

    /// <summary>Boolean columns: every cell text training read and its number (e.g. Yes → 1, No → 0, or "0"/"1").</summary>
    public IReadOnlyDictionary<string, double>? BooleanValues { get; init; }

    /// <summary>Categorical columns: the categories kept on their own ("(missing)" for blanks included).</summary>
    public IReadOnlyList<string>? KeptCategories { get; init; }

    /// <summary>
    /// Categorical columns: values rarer than the minimum that training grouped as "(other)", at most
    /// <see cref="TableEncoding.MaxGroupedValuesKept"/> of the most frequent (see <see cref="GroupedCategoriesComplete"/>).
    /// </summary>
    public IReadOnlyList<string>? GroupedCategories { get; init; }

    /// <summary>True when <see cref="GroupedCategories"/> lists every grouped value, so any other value was never seen.</summary>
    public bool GroupedCategoriesComplete { get; init; } = true;
}
