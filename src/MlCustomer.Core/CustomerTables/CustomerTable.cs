using MlCustomer.Core.Data;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.CustomerTables;

/// <summary>A customer table loaded for training: the model rows, what every column became, and the load report.</summary>
/// <param name="Dataset">Rows for the trainers: numeric and boolean columns in the numeric vector, categories as terms.</param>
/// <param name="Columns">Every named column of the file, in file order, with its role and why.</param>
/// <param name="PositiveLabel">The label value that means "churned", as written in the file.</param>
/// <param name="Report">Rows read, loaded and skipped (by reason), and notes.</param>
public sealed record CustomerTable(ModelDataset Dataset, IReadOnlyList<ColumnProfile> Columns, string PositiveLabel, LoadReport Report)
{
    /// <summary>How every column was read, for the card: scoring applies exactly this to new rows (<see cref="TableRowEncoder"/>).</summary>
    public required TableEncoding Encoding { get; init; }

    /// <summary>
    /// Console lines: a summary, then one line per column, e.g. "SeniorCitizen: boolean (0/1)",
    /// "customerID: id", "TotalCharges: numeric, 0.2% missing", "Notes: excluded, free text (93% distinct values)".
    /// </summary>
    public IReadOnlyList<string> Describe()
    {
        var rows = Dataset.Rows.Count;
        var churners = Dataset.Rows.Count(r => r.Label);
        var features = Columns.Where(c => c.IsFeature).ToList();
        var kinds = string.Join(", ", new[] { ColumnRole.Numeric, ColumnRole.Boolean, ColumnRole.Categorical }
            .Select(role => (Role: role, Count: features.Count(c => c.Role == role)))
            .Where(k => k.Count > 0)
            .Select(k => $"{k.Count} {k.Role.ToString().ToLowerInvariant()}"));
        var excluded = Columns.Count(c => c.IsExcluded);
        var lines = new List<string>
        {
            (Encoding.IdColumn is null ? "no id column: each row's number (1 = the first data row) is its id; " : "") +
            $"{rows:N0} customers, {churners:N0} churned ('{PositiveLabel}', {ColumnProfile.Percent(rows == 0 ? 0 : (double)churners / rows)}); " +
            $"{features.Count} features ({kinds}), {excluded} columns excluded",
        };
        lines.AddRange(Columns.Select(c => c.Describe()));
        return lines;
    }
}
