namespace MlCustomer.Core.SampleData;

/// <summary>What <see cref="SampleDataGenerator.Write"/> wrote.</summary>
/// <param name="Customers">Rows in customers.csv (every customer who signed up, buyers or not).</param>
/// <param name="OrderLines">Rows in transactions.csv, returns included.</param>
/// <param name="Orders">Distinct purchase orders in transactions.csv.</param>
/// <param name="Revenue">Total revenue in transactions.csv, net of discounts and returns.</param>
/// <param name="GrossProfit">Total revenue minus cost of goods in transactions.csv, returns included.</param>
/// <param name="Files">Full paths of the files written: customers.csv, transactions.csv, ground-truth.csv.</param>
public sealed record SampleDataSummary(
    int Customers,
    long OrderLines,
    long Orders,
    double Revenue,
    double GrossProfit,
    IReadOnlyList<string> Files);
