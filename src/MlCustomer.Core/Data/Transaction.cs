namespace MlCustomer.Core.Data;

/// <summary>
/// One order line. A line with negative revenue is a return or refund; it is never counted as a purchase.
/// </summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="OrderId">The order (invoice); a return may carry the id of the order it returns.</param>
/// <param name="OrderDate">The day of the order or return.</param>
/// <param name="Category">Product category, "(none)" when the source has none.</param>
/// <param name="Quantity">Units, negative for returns.</param>
/// <param name="Revenue">Revenue net of discounts in currency units, negative for returns.</param>
/// <param name="Cost">Cost of goods in currency units (negative for goods taken back); estimated when the source has no cost.</param>
/// <param name="Discount">Discount given in currency units, already subtracted from revenue.</param>
/// <param name="Channel">Sales channel, "(none)" when the source has none.</param>
public sealed record Transaction(
    string CustomerId,
    string OrderId,
    DateOnly OrderDate,
    string Category,
    double Quantity,
    double Revenue,
    double Cost,
    double Discount,
    string Channel)
{
    /// <summary>Gross profit of the line: revenue minus cost of goods.</summary>
    public double GrossProfit => Revenue - Cost;

    /// <summary>True for returns and refunds (negative revenue).</summary>
    public bool IsReturn => Revenue < 0;

    /// <summary>
    /// Why a line's quantity and revenue contradict each other, or null. A sale has both positive and a return
    /// both negative; zero on either side is allowed (free goods, a refund or fee without goods). A line with
    /// goods going one way and money the other would be counted as a return of goods sold, or a sale of goods
    /// taken back, and both make plausible-looking features from an impossible customer.
    /// </summary>
    public static string? SignProblem(double quantity, double revenue) =>
        (quantity, revenue) switch
        {
            ( > 0, < 0) => "positive quantity with negative revenue (a return has a negative quantity and negative revenue)",
            ( < 0, > 0) => "negative quantity with positive revenue (a sale has a positive quantity and positive revenue)",
            _ => null,
        };
}

/// <summary>
/// One customer from the customers file. Service columns are null when the file lacks them or the cell is empty.
/// </summary>
/// <param name="CustomerId">Unique customer id.</param>
/// <param name="SignupDate">Signup day, null when unknown.</param>
/// <param name="Attributes">Free attribute values, in the order of <see cref="CustomerDataSet.AttributeNames"/>; empty string when missing.</param>
/// <param name="SupportTickets">Number of support tickets.</param>
/// <param name="Complaints">Number of complaints.</param>
/// <param name="ServiceCostAmount">Cost to serve in currency units.</param>
/// <param name="Satisfaction">Satisfaction score 1–5.</param>
public sealed record Customer(
    string CustomerId,
    DateOnly? SignupDate,
    IReadOnlyList<string> Attributes,
    double? SupportTickets,
    double? Complaints,
    double? ServiceCostAmount,
    double? Satisfaction);

/// <summary>
/// One day of a customer's service history from the service events file. A measure is null when the file has no
/// such column or the cell is empty (nothing recorded).
/// </summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="EventDate">The day.</param>
/// <param name="SupportTickets">Support tickets opened that day.</param>
/// <param name="Complaints">Complaints made that day.</param>
/// <param name="ServiceCost">Cost to serve incurred that day, in currency units.</param>
/// <param name="Satisfaction">A satisfaction answer 1–5 given that day.</param>
public sealed record ServiceEvent(
    string CustomerId,
    DateOnly EventDate,
    double? SupportTickets,
    double? Complaints,
    double? ServiceCost,
    double? Satisfaction);
