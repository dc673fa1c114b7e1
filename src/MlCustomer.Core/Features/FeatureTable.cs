namespace MlCustomer.Core.Features;

/// <summary>
/// The point-in-time feature table: one <see cref="CustomerFeatures"/> row per customer who existed
/// at the as-of date, plus the settings it was built with and what was left out and why.
/// </summary>
/// <param name="AsOfDate">Features use only events on or before this day.</param>
/// <param name="ChurnHorizonDays">Length of the churn label window after the as-of date.</param>
/// <param name="ValueHorizonDays">Length of the profit/revenue label window after the as-of date.</param>
/// <param name="AttributeNames">Names of the free customer attributes carried in each row.</param>
/// <param name="Rows">One row per customer, ordered by customer id.</param>
/// <param name="Report">Counts of customers and order lines that were not used, by reason.</param>
public sealed record FeatureTable(
    DateOnly AsOfDate,
    int ChurnHorizonDays,
    int ValueHorizonDays,
    IReadOnlyList<string> AttributeNames,
    IReadOnlyList<CustomerFeatures> Rows,
    FeatureReport Report)
{
    /// <summary>True when the rows carry labels from the horizon.</summary>
    public bool HasLabels => Rows.Count > 0 && Rows[0].Churned is not null;
}

/// <summary>What the feature builder left out, counted by reason, so nothing disappears silently.</summary>
public sealed class FeatureReport
{
    /// <summary>Customers with a row in the table.</summary>
    public int CustomersWithFeatures { get; set; }

    /// <summary>Customers left out, by reason (e.g. "signed up after the as-of date").</summary>
    public SortedDictionary<string, int> CustomersExcluded { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Order lines not used for features or labels, by reason (e.g. "after the label window").</summary>
    public SortedDictionary<string, long> TransactionsNotUsed { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Where the service features and cost-to-serve came from (dated events, the customers file's totals, or none).</summary>
    public string ServiceHistory { get; set; } = "";

    /// <summary>Other things worth knowing about how the features were computed.</summary>
    public List<string> Notes { get; init; } = [];

    /// <summary>
    /// Ways in which the features hold information from after the as-of date (only when the user opted in); a model
    /// trained on them is judged too kindly on held-out customers. Empty when the features are point-in-time.
    /// </summary>
    public List<string> Leaks { get; init; } = [];

    /// <summary>Human-readable summary for the console.</summary>
    public string ToText()
    {
        var lines = new List<string> { $"{CustomersWithFeatures:N0} customers with features" };
        if (ServiceHistory.Length > 0)
        {
            lines.Add($"  service history: {ServiceHistory}");
        }

        lines.AddRange(Notes.Select(n => $"  note: {n}"));
        lines.AddRange(Leaks.Select(l => $"  LEAK: {l}"));
        lines.AddRange(CustomersExcluded.Select(e => $"  {e.Value:N0} customers left out: {e.Key}"));
        lines.AddRange(TransactionsNotUsed.Select(e => $"  {e.Value:N0} order lines not used: {e.Key}"));
        return string.Join(Environment.NewLine, lines);
    }
}
