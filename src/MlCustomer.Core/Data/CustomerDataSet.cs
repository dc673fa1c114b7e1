namespace MlCustomer.Core.Data;

/// <summary>
/// A loaded, validated business data set: order lines plus the optional customers file.
/// </summary>
/// <param name="Transactions">Every usable order line, in file order.</param>
/// <param name="Customers">The customers file, or null when none was given.</param>
/// <param name="AttributeNames">Names of the free customer attribute columns (empty without a customers file).</param>
/// <param name="CostIsEstimated">True when cost of goods came from a margin rate rather than the file.</param>
/// <param name="Report">What was read, skipped and assumed.</param>
public sealed record CustomerDataSet(
    IReadOnlyList<Transaction> Transactions,
    IReadOnlyList<Customer>? Customers,
    IReadOnlyList<string> AttributeNames,
    bool CostIsEstimated,
    LoadReport Report)
{
    /// <summary>The last order date in the data.</summary>
    public DateOnly LastOrderDate => Transactions.Count == 0
        ? throw new InvalidOperationException("The data set has no transactions.")
        : Transactions.Max(t => t.OrderDate);

    /// <summary>The first order date in the data.</summary>
    public DateOnly FirstOrderDate => Transactions.Count == 0
        ? throw new InvalidOperationException("The data set has no transactions.")
        : Transactions.Min(t => t.OrderDate);
}
