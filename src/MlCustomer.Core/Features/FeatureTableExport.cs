using Microsoft.Data.Analysis;
using MlCustomer.Core.Data;

namespace MlCustomer.Core.Features;

/// <summary>The feature table as CSV for data scientists and as a DataFrame for training and notebooks.</summary>
public static class FeatureTableExport
{
    /// <summary>The header columns in table order: id, numeric features, main channel, attributes, labels.</summary>
    public static IReadOnlyList<string> Header(FeatureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var header = new List<string> { FeatureColumns.CustomerId };
        header.AddRange(FeatureColumns.Numeric.Select(n => n.Name));
        header.Add(FeatureColumns.MainChannel);
        header.AddRange(table.AttributeNames);
        if (table.HasLabels)
        {
            header.AddRange([FeatureColumns.LabelChurned, FeatureColumns.LabelProfitInHorizon, FeatureColumns.LabelRevenueInHorizon]);
        }

        return header;
    }

    /// <summary>Writes the table as CSV; missing values are empty cells, labels are 0/1 and amounts.</summary>
    public static void WriteCsv(FeatureTable table, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(writer);
        writer.NewLine = "\n";
        writer.WriteLine(string.Join(',', Header(table).Select(CsvText.Escape)));
        var cells = new List<string>();
        foreach (var row in table.Rows)
        {
            cells.Clear();
            cells.Add(CsvText.Escape(row.CustomerId));
            cells.AddRange(FeatureColumns.Numeric.Select(n => CsvText.Number(n.Value(row))));
            cells.Add(CsvText.Escape(row.MainChannel));
            cells.AddRange(row.Attributes.Select(CsvText.Escape));
            if (table.HasLabels)
            {
                cells.Add(row.Churned == true ? "1" : "0");
                cells.Add(CsvText.Number(row.ProfitInHorizon ?? double.NaN, 2));
                cells.Add(CsvText.Number(row.RevenueInHorizon ?? double.NaN, 2));
            }

            writer.WriteLine(string.Join(',', cells));
        }
    }

    /// <summary>
    /// The table as a Microsoft.Data.Analysis DataFrame (which is also an ML.NET IDataView): numeric
    /// features as Single columns (ML.NET's feature type; NaN for missing), text columns as strings.
    /// </summary>
    public static DataFrame ToDataFrame(FeatureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn(FeatureColumns.CustomerId, table.Rows.Select(r => r.CustomerId)),
        };
        columns.AddRange(FeatureColumns.Numeric.Select(n =>
            new SingleDataFrameColumn(n.Name, table.Rows.Select(r => (float)n.Value(r)))));
        columns.Add(new StringDataFrameColumn(FeatureColumns.MainChannel, table.Rows.Select(r => r.MainChannel)));
        columns.AddRange(table.AttributeNames.Select((name, i) =>
            new StringDataFrameColumn(name, table.Rows.Select(r => r.Attributes[i]))));
        if (table.HasLabels)
        {
            columns.Add(new BooleanDataFrameColumn(FeatureColumns.LabelChurned, table.Rows.Select(r => r.Churned == true)));
            columns.Add(new SingleDataFrameColumn(FeatureColumns.LabelProfitInHorizon, table.Rows.Select(r => (float)(r.ProfitInHorizon ?? 0))));
            columns.Add(new SingleDataFrameColumn(FeatureColumns.LabelRevenueInHorizon, table.Rows.Select(r => (float)(r.RevenueInHorizon ?? 0))));
        }

        return new DataFrame(columns);
    }
}
