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

/// <summary>
/// Column names of the optional service events file: one row per customer and day with what the service desk
/// recorded that day. Features and cost-to-serve are computed from the events up to the as-of date only, so
/// training at an earlier date does not read what happened after it (the customers file's totals would).
/// </summary>
public static class ServiceEventColumns
{
    /// <summary>Required: the customer.</summary>
    public const string CustomerId = "customer_id";
    /// <summary>Required: the day of the event (ISO 8601 by default).</summary>
    public const string EventDate = "event_date";
    /// <summary>Support tickets opened that day (a whole number, 0 or more).</summary>
    public const string SupportTickets = CustomerColumns.SupportTickets;
    /// <summary>Complaints made that day (a whole number, 0 or more).</summary>
    public const string Complaints = CustomerColumns.Complaints;
    /// <summary>Cost to serve incurred that day in currency units (0 or more).</summary>
    public const string ServiceCost = CustomerColumns.ServiceCost;
    /// <summary>A satisfaction answer given that day, 1 (worst) to 5 (best); empty when none.</summary>
    public const string Satisfaction = CustomerColumns.Satisfaction;

    /// <summary>The columns that carry a measure; a file needs at least one of them.</summary>
    public static readonly IReadOnlyList<string> Measures = [SupportTickets, Complaints, ServiceCost, Satisfaction];

    /// <summary>Every column of the service events contract.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        CustomerId, EventDate, SupportTickets, Complaints, ServiceCost, Satisfaction,
    };
}
