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

    /// <summary>
    /// Refuses an as-of date after the last order in the data, the last event it knows of. The data says nothing
    /// about the days after it, so every customer would look silent since then: on the sample data, scoring at
    /// 2030-01-01 made 12,477 customers loss-making. Every command that scores or builds features without labels
    /// calls this; with labels the horizon check already ends earlier.
    /// </summary>
    /// <param name="asOfDate">The date features would be computed at.</param>
    /// <param name="option">What the date is called where the user gave it, e.g. "--as-of".</param>
    /// <exception cref="ArgumentException">The date is after the last order date; the message names that date.</exception>
    public void CheckAsOfDate(DateOnly asOfDate, string option = "as-of date")
    {
        var last = LastOrderDate;
        if (asOfDate > last)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{option} {asOfDate:yyyy-MM-dd} is after the data's last order date {last:yyyy-MM-dd}: nothing is known after it, so every customer would look silent since then. Use a date on or before {last:yyyy-MM-dd}."));
        }
    }

    /// <summary>The first order date in the data.</summary>
    public DateOnly FirstOrderDate => Transactions.Count == 0
        ? throw new InvalidOperationException("The data set has no transactions.")
        : Transactions.Min(t => t.OrderDate);
}
