using MlCustomer.Core.Data;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.CustomerTables;

/// <summary>A customer table read for scoring or evaluation with a table bundle.</summary>
/// <param name="Rows">One model row per data row, in file order, encoded as training encoded its rows.</param>
/// <param name="Labels">The churn label of every row when labels were asked for, else null.</param>
/// <param name="Values">The value label of every row when labels were asked for and the bundle's value column is in the file, else null.</param>
/// <param name="RowWarnings">What was unusual about each row (values training never saw), in row order.</param>
/// <param name="Notes">What applies to the whole file: ignored extra columns, rows numbered for want of an id column.</param>
/// <param name="RowsRead">Data rows read.</param>
public sealed record TableRows(
    IReadOnlyList<ModelRow> Rows,
    IReadOnlyList<bool>? Labels,
    IReadOnlyList<double>? Values,
    IReadOnlyList<IReadOnlyList<string>> RowWarnings,
    IReadOnlyList<string> Notes,
    long RowsRead);

/// <summary>
/// Reads a customer table in the training file's own format (same delimiter, id column, values) through the same CSV
/// reader as training and turns each row into a model row with the bundle's <see cref="TableRowEncoder"/>. The label
/// and value columns are ignored when scoring and read for evaluation; columns training never saw are ignored with one
/// note. Problems of the whole file (a feature column missing) and of a row (a duplicate id, a wrong number of fields,
/// a label that is neither training value) are <see cref="DataFileException"/>s naming the line and column.
/// </summary>
public static class TableFile
{
    /// <summary>The note when a table has no id column.</summary>
    public const string RowNumbersAsIds = "no id column: each row's number (1 = the first data row) is its id";

    /// <summary>Reads <paramref name="path"/> with <paramref name="encoder"/>; <paramref name="labelsRequired"/> fails when the file has no label column.</summary>
    public static TableRows Read(string path, TableRowEncoder encoder, bool labelsRequired)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(encoder);
        var encoding = encoder.Encoding;
        var format = new FileFormat { Delimiter = encoding.Delimiter, DecimalSeparator = encoding.DecimalSeparator };
        using var file = DataFileReader.Open(path, format, new LoadOptions(), new StringPool(), 0);
        var layout = encoder.Bind(file.Header);
        if (layout.MissingColumns.Count > 0)
        {
            throw file.MissingColumns(layout.MissingColumns.Select(c => $"'{c}'").ToList(), layout.MissingColumns[0]);
        }

        if (labelsRequired && layout.LabelIndex < 0)
        {
            throw new DataFileException(path, 1, encoding.LabelColumn,
                $"the label column '{encoding.LabelColumn}' is missing: metrics need the observed churn of every row");
        }

        var notes = new List<string>();
        if (layout.ExtraColumnsWarning() is { } extra)
        {
            notes.Add(extra);
        }

        if (layout.IdIndex < 0)
        {
            notes.Add(RowNumbersAsIds);
        }

        DataColumn? id = layout.IdIndex >= 0 ? file.Use(layout.IdIndex) : null;
        // Scoring ignores the labels whatever they hold; evaluation reads them.
        DataColumn? label = labelsRequired ? file.Use(layout.LabelIndex) : null;
        var valueIndex = labelsRequired && encoding.ValueColumn is { } valueName ? file.Header.ToList().IndexOf(valueName) : -1;
        DataColumn? value = valueIndex >= 0 ? file.Use(valueIndex) : null;
        var features = layout.FeatureIndexes.Select(file.Use).ToArray();

        var rows = new List<ModelRow>();
        var labels = label is null ? null : new List<bool>();
        var values = value is null ? null : new List<double>();
        var warnings = new List<IReadOnlyList<string>>();
        var lineById = new Dictionary<string, long>(StringComparer.Ordinal);
        var cells = new TableCell[features.Length];
        while (file.ReadRow())
        {
            var customerId = file.Report.RowsRead.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (id is { } idColumn)
            {
                file.TryText(idColumn, out customerId);
            }

            if (!lineById.TryAdd(customerId, file.Line))
            {
                file.Fail("duplicate id", id, $"customer {CellText.Show(customerId)} is already on line {lineById[customerId]:N0} (a customer table has one row per customer)");
            }

            if (label is { } labelColumn)
            {
                var churned = encoder.Label(file.Text(labelColumn, ""), out var problem);
                if (churned is null)
                {
                    file.Fail("bad label", labelColumn, problem!);
                }

                labels!.Add(churned!.Value);
            }

            if (value is { } valueColumn)
            {
                file.TryNumber(valueColumn, out var number);
                values!.Add(number);
            }

            for (var k = 0; k < features.Length; k++)
            {
                cells[k] = TableCell.OfText(file.Text(features[k], ""));
            }

            var rowWarnings = new List<string>();
            rows.Add(encoder.Encode(customerId, cells, rowWarnings));
            warnings.Add(rowWarnings);
            file.Loaded();
        }

        var report = file.Finish();
        return new TableRows(rows, labels, values, warnings, notes, report.RowsRead);
    }
}
