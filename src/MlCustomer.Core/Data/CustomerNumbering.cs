namespace MlCustomer.Core.Data;

/// <summary>
/// The customers numbered as the loader read them (the customers file's rows first, then ids first seen in the order
/// lines), and the number of each order line's and service event's customer. The feature builder groups rows by these
/// numbers instead of looking every row's customer id up again: at a million customers that lookup was most of a run's
/// serial time before its first chunk, while the loader looks each id up anyway (to check it against the customers file).
/// </summary>
internal sealed class CustomerNumbering
{
    private readonly Dictionary<string, int> numbers = new(StringComparer.Ordinal);
    private readonly List<string> ids = [];

    /// <summary>Customers numbered so far.</summary>
    public int Count => ids.Count;

    /// <summary>The customer ids by number.</summary>
    public IReadOnlyList<string> Ids => ids;

    /// <summary>The numbers by customer id.</summary>
    public IReadOnlyDictionary<string, int> Numbers => numbers;

    /// <summary>The number of each order line's customer, in the order of the data set's transactions.</summary>
    public int[] TransactionCustomers { get; set; } = [];

    /// <summary>The transactions the numbers above belong to: a data set that holds other rows groups them by id instead.</summary>
    public IReadOnlyList<Transaction>? NumberedTransactions { get; set; }

    /// <summary>The first and last order date of <see cref="NumberedTransactions"/>, seen as they were read.</summary>
    public (DateOnly First, DateOnly Last) OrderDates { get; set; }

    /// <summary>The number of each service event's customer, in the order of the data set's service events.</summary>
    public int[] ServiceEventCustomers { get; set; } = [];

    /// <summary>The service events the numbers above belong to.</summary>
    public IReadOnlyList<ServiceEvent>? NumberedServiceEvents { get; set; }

    /// <summary>The customer's number, numbering a customer not seen before.</summary>
    public int Number(string customerId)
    {
        ref var number = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(numbers, customerId, out var exists);
        if (!exists)
        {
            number = ids.Count;
            ids.Add(customerId);
        }

        return number;
    }

    /// <summary>The number of a customer seen before; false for one never numbered.</summary>
    public bool TryNumber(string customerId, out int number) => numbers.TryGetValue(customerId, out number);
}
