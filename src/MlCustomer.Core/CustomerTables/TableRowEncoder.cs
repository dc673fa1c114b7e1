using System.Globalization;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.CustomerTables;

/// <summary>
/// One cell of a raw table row: the text as in the file (CSV, or a JSON string), or a number (a JSON number); both
/// null is missing.
/// </summary>
/// <param name="Text">The cell's text, untrimmed.</param>
/// <param name="Number">The cell as a number, when the caller already has one.</param>
public readonly record struct TableCell(string? Text, double? Number)
{
    /// <summary>A cell from file text.</summary>
    public static TableCell OfText(string? text) => new(text, null);

    /// <summary>The cell in words for a warning.</summary>
    public string Show() => Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : CellText.Show(Text ?? "");
}

/// <summary>Where a file's (or request's) columns are, for <see cref="TableRowEncoder"/>.</summary>
/// <param name="IdIndex">Index of the id column, or -1 when rows are numbered instead.</param>
/// <param name="LabelIndex">Index of the churn label column, or -1 when the file has none.</param>
/// <param name="FeatureIndexes">Index of each feature column, in <see cref="TableRowEncoder.FeatureColumns"/> order (-1 when missing).</param>
/// <param name="MissingColumns">Feature columns (and the id column, when the bundle has one) the header lacks.</param>
/// <param name="ExtraColumns">Header columns training never saw: ignored.</param>
public sealed record TableLayout(int IdIndex, int LabelIndex, int[] FeatureIndexes, IReadOnlyList<string> MissingColumns, IReadOnlyList<string> ExtraColumns)
{
    /// <summary>The one warning about extra columns, or null when there are none.</summary>
    public string? ExtraColumnsWarning() => ExtraColumns.Count == 0
        ? null
        : $"ignored {ExtraColumns.Count} column(s) the model was not trained with: {string.Join(", ", ExtraColumns.Select(c => $"'{c}'"))}";
}

/// <summary>
/// Turns a raw row of a customer table (the cells as they appear in the training file) into the model row training
/// made of it, following the card's <see cref="TableEncoding"/>: boolean words → 1/0, categories kept or grouped as
/// "(other)", numbers parsed with the file's decimal separator, blanks and missing markers → missing. The one encoder
/// behind the console, <c>/scores</c> and <c>/scores/csv</c>. A value training never saw is never an error: an unseen
/// category is scored as "(other)", an unreadable number or boolean as missing, each with a warning.
/// </summary>
public sealed class TableRowEncoder
{
    private readonly ColumnPlan[] plans;
    private readonly char decimalSeparator;
    private readonly HashSet<string> missingMarkers;

    /// <summary>Prepares the encoder of a table bundle's card.</summary>
    /// <exception cref="ModelBundleException">The card is not a table bundle's, or predates the stored encoding.</exception>
    public TableRowEncoder(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (card.InputKind != ModelCard.CustomerTableInput)
        {
            throw new ModelBundleException($"Bundle {card.Version} was trained on transactions, not on a customer table: score it with --transactions (or send features).");
        }

        Encoding = card.Table ?? throw new ModelBundleException(
            $"Bundle {card.Version} was trained on a customer table before the card stored how its columns were read (boolean words, categories): " +
            $"retrain it with the same command to score tables in their own format. Retrain with: {ModelBundle.TrainCommand} --table …");
        Schema = card.FeatureContract.Schema;
        decimalSeparator = Encoding.DecimalSeparator[0];
        missingMarkers = Encoding.MissingMarkers.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var specs = card.FeatureContract.Features.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var features = Encoding.Features.ToList();
        plans = features.Select(c => Plan(c, specs)).ToArray();
        FeatureColumns = features.Select(c => c.Name).ToList();
        foreach (var name in Schema.NumericNames.Concat(Schema.CategoricalNames).Where(n => !FeatureColumns.Contains(n)))
        {
            throw new ModelBundleException($"The card of bundle {card.Version} reads the feature '{name}', which its table encoding does not describe. Retrain with: {ModelBundle.TrainCommand} --table …");
        }
    }

    /// <summary>How training read the table.</summary>
    public TableEncoding Encoding { get; }

    /// <summary>The feature names and order the models read.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>The feature columns, in file order: the order <see cref="Encode"/> takes cells in.</summary>
    public IReadOnlyList<string> FeatureColumns { get; }

    /// <summary>
    /// Finds the columns in a header (names trimmed, case-sensitive, as training). The id column is the training file's,
    /// or one of <paramref name="otherIdNames"/> (the API's <c>customer_id</c>); the label and value columns are optional
    /// and ignored; excluded columns are ignored; any other column is extra.
    /// </summary>
    public TableLayout Bind(IReadOnlyList<string> header, params string[] otherIdNames)
    {
        ArgumentNullException.ThrowIfNull(header);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            index.TryAdd(header[i].Trim(), i);
        }

        var missing = new List<string>();
        var idIndex = -1;
        foreach (var name in new[] { Encoding.IdColumn }.Concat(otherIdNames).OfType<string>())
        {
            if (index.TryGetValue(name, out var found))
            {
                idIndex = found;
                break;
            }
        }

        if (idIndex < 0 && Encoding.IdColumn is { } idColumn)
        {
            missing.Add(idColumn);
        }

        var features = FeatureColumns.Select(name => index.TryGetValue(name, out var i) ? i : -1).ToArray();
        missing.AddRange(FeatureColumns.Where((_, k) => features[k] < 0));
        var known = Encoding.KnownColumns();
        var idName = idIndex >= 0 ? header[idIndex].Trim() : null;
        var extra = header.Select(h => h.Trim()).Where(h => h.Length > 0 && !known.Contains(h) && h != idName).ToList();
        return new TableLayout(idIndex, index.GetValueOrDefault(Encoding.LabelColumn, -1), features, missing, extra);
    }

    /// <summary>
    /// The model row of one raw row: <paramref name="cells"/> hold the feature columns in <see cref="FeatureColumns"/>
    /// order. Never fails on a value; adds a warning for each value training never saw.
    /// </summary>
    public ModelRow Encode(string customerId, ReadOnlySpan<TableCell> cells, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        ArgumentNullException.ThrowIfNull(warnings);
        if (cells.Length != plans.Length)
        {
            throw new ArgumentException($"Expected {plans.Length} cells (one per feature column), got {cells.Length}.", nameof(cells));
        }

        var numbers = new float[Schema.NumericNames.Count];
        var categories = new string[Schema.CategoricalNames.Count];
        for (var k = 0; k < plans.Length; k++)
        {
            var plan = plans[k];
            if (plan.Column.Role == ColumnRole.Categorical)
            {
                categories[plan.Slot] = Category(plan, cells[k], warnings);
            }
            else
            {
                var number = plan.Column.Role == ColumnRole.Boolean ? Boolean(plan, cells[k], warnings) : Number(plan, cells[k], warnings);
                if (double.IsNaN(number) && !plan.MissingInTraining)
                {
                    warnings.Add($"{plan.Column.Name} is missing, which it never was in training; the model reads it as 0");
                }

                numbers[plan.Slot] = (float)number;
            }
        }

        return new ModelRow { CustomerId = customerId, Numeric = numbers, Categorical = categories };
    }

    /// <summary>The churn label of a label cell: true for the positive value, false for the other; null (with a problem) otherwise.</summary>
    public bool? Label(string? cell, out string? problem)
    {
        var text = (cell ?? "").Trim();
        problem = null;
        if (text == Encoding.PositiveLabel)
        {
            return true;
        }

        if (Encoding.NegativeLabel is { } negative ? text == negative : text.Length > 0)
        {
            return false;
        }

        problem = $"{CellText.Show(text)} is not a label value of training ({CellText.Show(Encoding.PositiveLabel)} = churned" +
            (Encoding.NegativeLabel is { } n ? $", {CellText.Show(n)} = stayed)" : ")");
        return null;
    }

    private double Number(ColumnPlan plan, TableCell cell, List<string> warnings)
    {
        if (cell.Number is { } given)
        {
            if (double.IsFinite(given))
            {
                return given;
            }

            warnings.Add($"{plan.Column.Name} {cell.Show()} is not a finite number; scored as missing");
            return double.NaN;
        }

        var text = (cell.Text ?? "").AsSpan().Trim();
        if (text.IsEmpty || missingMarkers.Contains(text.ToString()))
        {
            return double.NaN;
        }

        if (NumberCell.TryParse(text, decimalSeparator, out var value) == NumberProblem.None)
        {
            return value;
        }

        warnings.Add($"{plan.Column.Name} {CellText.Show(text)} is not a number (decimal separator '{decimalSeparator}'); scored as missing");
        return double.NaN;
    }

    private double Boolean(ColumnPlan plan, TableCell cell, List<string> warnings)
    {
        var words = plan.Column.BooleanValues!;
        if (cell.Number is { } given)
        {
            if (given is 0 or 1)
            {
                return given;
            }

            warnings.Add($"{plan.Column.Name} {cell.Show()} is not one of the values training read ({plan.ShownValues}); scored as missing");
            return double.NaN;
        }

        var text = (cell.Text ?? "").Trim();
        if (text.Length == 0 || missingMarkers.Contains(text))
        {
            return double.NaN;
        }

        if (words.TryGetValue(text, out var exact))
        {
            return exact;
        }

        // Training read the pair case-insensitively ("Yes"/"yes"), and 0/1 as numbers ("1.0").
        foreach (var (word, number) in words)
        {
            if (word.Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                return number;
            }
        }

        if (plan.NumericBoolean && NumberCell.TryParse(text, decimalSeparator, out var parsed) == NumberProblem.None && parsed is 0 or 1)
        {
            return parsed;
        }

        warnings.Add($"{plan.Column.Name} {CellText.Show(text)} is not one of the values training read ({plan.ShownValues}); scored as missing");
        return double.NaN;
    }

    private static string Category(ColumnPlan plan, TableCell cell, List<string> warnings)
    {
        var text = cell.Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : cell.Text;
        var category = ModelDatasets.Categorize(text, plan.Kept!);
        if (category == ModelDatasets.OtherCategory)
        {
            var trimmed = text!.Trim();
            var seen = trimmed == ModelDatasets.OtherCategory || plan.Grouped!.Contains(trimmed);
            if (!seen)
            {
                warnings.Add(plan.Column.GroupedCategoriesComplete
                    ? $"{plan.Column.Name} {CellText.Show(trimmed)} was not seen in training; scored as '{ModelDatasets.OtherCategory}'"
                    : $"{plan.Column.Name} {CellText.Show(trimmed)} is not one of the categories kept in training; scored as '{ModelDatasets.OtherCategory}'");
            }
        }

        return plan.Terms!.TryGetValue(category, out var term) ? term : FeatureSchema.Term(plan.Column.Name, category);
    }

    private ColumnPlan Plan(TableColumnEncoding column, Dictionary<string, FeatureSpec> specs)
    {
        var numericSlot = Schema.NumericNames.ToList().IndexOf(column.Name);
        var categoricalSlot = Schema.CategoricalNames.ToList().IndexOf(column.Name);
        var missingInTraining = !specs.TryGetValue(column.Name, out var spec) || spec.MissingShare > 0;
        if (column.Role == ColumnRole.Categorical)
        {
            var kept = (column.KeptCategories ?? []).ToHashSet(StringComparer.Ordinal);
            var terms = kept.Append(ModelDatasets.MissingCategory).Append(ModelDatasets.OtherCategory).Distinct(StringComparer.Ordinal)
                .ToDictionary(c => c, c => FeatureSchema.Term(column.Name, c), StringComparer.Ordinal);
            return new ColumnPlan(column, categoricalSlot, missingInTraining, kept, (column.GroupedCategories ?? []).ToHashSet(StringComparer.Ordinal), terms, false, "");
        }

        var words = column.BooleanValues ?? new Dictionary<string, double>();
        var numericBoolean = column.Role == ColumnRole.Boolean && words.Keys.All(w => NumberCell.TryParse(w, decimalSeparator, out _) == NumberProblem.None);
        var shown = string.Join(", ", words.OrderByDescending(w => w.Value).Select(w => $"{w.Key} = {w.Value.ToString(CultureInfo.InvariantCulture)}"));
        return new ColumnPlan(column, numericSlot, missingInTraining, null, null, null, numericBoolean, shown);
    }

    // A feature column's slot and lookups, made once.
    private sealed record ColumnPlan(
        TableColumnEncoding Column, int Slot, bool MissingInTraining, IReadOnlySet<string>? Kept, IReadOnlySet<string>? Grouped,
        Dictionary<string, string>? Terms, bool NumericBoolean, string ShownValues);
}
