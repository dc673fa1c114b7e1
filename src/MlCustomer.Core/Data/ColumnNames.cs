namespace MlCustomer.Core.Data;

/// <summary>
/// The column names of the input data contract (see training-data/README.md). Files either use these
/// names or map their own names to them with a <see cref="DataMapping"/>.
/// </summary>
public static class TransactionColumns
{
    /// <summary>Required: the customer the order line belongs to.</summary>
    public const string CustomerId = "customer_id";
    /// <summary>Required: the order (invoice) the line belongs to.</summary>
    public const string OrderId = "order_id";
    /// <summary>Required: the date (ISO 8601 by default) the line was ordered or returned.</summary>
    public const string OrderDate = "order_date";
    /// <summary>Optional: product category; "(none)" when the file has no such column.</summary>
    public const string Category = "category";
    /// <summary>Required: units ordered, negative for returns.</summary>
    public const string Quantity = "quantity";
    /// <summary>Revenue net of discounts, negative for returns and refunds. Required unless unit_price is given.</summary>
    public const string Revenue = "revenue";
    /// <summary>Alternative to revenue: revenue is then quantity × unit_price.</summary>
    public const string UnitPrice = "unit_price";
    /// <summary>Optional: cost of goods; estimated from a margin rate when absent.</summary>
    public const string Cost = "cost";
    /// <summary>Optional: discount given on the line (already subtracted from revenue).</summary>
    public const string Discount = "discount";
    /// <summary>Optional: sales channel (web, app, store …).</summary>
    public const string Channel = "channel";

    /// <summary>Every column of the transactions contract.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        CustomerId, OrderId, OrderDate, Category, Quantity, Revenue, UnitPrice, Cost, Discount, Channel,
    };
}

/// <summary>Column names of the optional customers file.</summary>
public static class CustomerColumns
{
    /// <summary>Required: unique customer id.</summary>
    public const string CustomerId = "customer_id";
    /// <summary>Optional: the date the customer signed up (ISO 8601 by default).</summary>
    public const string SignupDate = "signup_date";
    /// <summary>Optional cost-to-serve column: number of support tickets.</summary>
    public const string SupportTickets = "support_tickets";
    /// <summary>Optional cost-to-serve column: number of complaints.</summary>
    public const string Complaints = "complaints";
    /// <summary>Optional cost-to-serve column: service cost in currency units.</summary>
    public const string ServiceCost = "service_cost";
    /// <summary>Optional: satisfaction score from 1 (worst) to 5 (best).</summary>
    public const string Satisfaction = "satisfaction";

    /// <summary>The columns with a fixed meaning; every other column is a free customer attribute.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        CustomerId, SignupDate, SupportTickets, Complaints, ServiceCost, Satisfaction,
    };
}
