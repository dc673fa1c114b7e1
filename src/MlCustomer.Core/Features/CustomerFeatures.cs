namespace MlCustomer.Core.Features;

/// <summary>
/// One customer's point-in-time features at an as-of date, computed only from events on or before it,
/// and the labels observed in the horizon after it. Amounts are in the data's currency units.
/// Missing values (a spread needs three purchase days, a service score the customers file) are NaN.
/// </summary>
public sealed record CustomerFeatures
{
    /// <summary>The customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Days from the last purchase to the as-of date; for a customer who never bought, days since signup.</summary>
    public required double RecencyDays { get; init; }

    /// <summary>Distinct days with a purchase (returns do not count).</summary>
    public required double PurchaseDays { get; init; }

    /// <summary>Distinct orders with a purchase.</summary>
    public required double OrderCount { get; init; }

    /// <summary>Revenue net of discounts and returns, up to the as-of date.</summary>
    public required double RevenueTotal { get; init; }

    /// <summary>Mean revenue of a purchase order (before returns); 0 without purchases.</summary>
    public required double AverageOrderValue { get; init; }

    /// <summary>Revenue minus cost of goods, returns included.</summary>
    public required double GrossProfitTotal { get; init; }

    /// <summary>Gross profit minus cost-to-serve (service cost from the customers file, 0 when absent).</summary>
    public required double ProfitTotal { get; init; }

    /// <summary>Gross profit (returns included) per purchase day: what a visit is worth; 0 without purchases.</summary>
    public double GrossProfitPerPurchaseDay { get; init; }

    /// <summary>Gross profit ÷ revenue; NaN when revenue is below one cent.</summary>
    public required double MarginRate { get; init; }

    /// <summary>Revenue in the 365 days up to the as-of date (for profit tiers).</summary>
    public required double RevenueLast365Days { get; init; }

    /// <summary>
    /// Profit in the 365 days up to the as-of date: <see cref="GrossProfitLast365Days"/> − <see cref="CostToServeLast365Days"/>
    /// (<see cref="Tiers.Profit.Net"/> with the default rule, charged to every customer). A model feature; the rules
    /// compute their profit from the two parts with their own cost-to-serve rule.
    /// </summary>
    public required double ProfitLast365Days { get; init; }

    /// <summary>Gross profit (revenue − cost of goods, returns included) in the 365 days up to the as-of date (not a model feature).</summary>
    public required double GrossProfitLast365Days { get; init; }

    /// <summary>
    /// Cost-to-serve in the 365 days up to the as-of date (<see cref="Tiers.Profit.TrailingCostToServe(double, double, int)"/>):
    /// the exact sum of the window's dated costs, or the window's share of a cost-to-date total. A model feature, so that a
    /// request with precomputed features carries the figure the rules charge.
    /// </summary>
    public required double CostToServeLast365Days { get; init; }

    /// <summary>Days from the first event (signup or first purchase, whichever is earlier) to the as-of date.</summary>
    public required double TenureDays { get; init; }

    /// <summary>Days from the first purchase to the as-of date (the "age" T of BG/NBD); NaN without purchases.</summary>
    public double DaysSinceFirstPurchase { get; init; } = double.NaN;

    /// <summary>
    /// Purchase days per year since the first purchase (at least 30 days counted, so a brand-new buyer
    /// is not extrapolated to hundreds a year); 0 without purchases.
    /// </summary>
    public double PurchaseDaysPerYear { get; init; }

    /// <summary>
    /// Recency ÷ days since the first purchase: 0 = bought today, 1 = nothing since the first purchase.
    /// The shape BG/NBD reads "still alive?" from (t_x ÷ T); NaN without purchases.
    /// </summary>
    public double RecencyShareOfAge { get; init; } = double.NaN;

    /// <summary>Mean days between consecutive purchase days; NaN with fewer than two purchase days.</summary>
    public required double MeanDaysBetweenPurchases { get; init; }

    /// <summary>Standard deviation of days between purchase days; NaN with fewer than three purchase days.</summary>
    public required double SdDaysBetweenPurchases { get; init; }

    /// <summary>Purchase revenue (returns not subtracted) in the 90 days up to the as-of date.</summary>
    public required double RevenueLast90Days { get; init; }

    /// <summary>Purchase revenue (returns not subtracted) in the 90 days before those.</summary>
    public required double RevenuePrior90Days { get; init; }

    /// <summary>(last 90 − prior 90) ÷ (last 90 + prior 90) of purchase revenue, in [−1, 1]; 0 when both are 0.</summary>
    public required double RevenueTrend { get; init; }

    /// <summary>Distinct categories bought.</summary>
    public required double CategoriesBought { get; init; }

    /// <summary>Returned revenue ÷ purchase revenue, capped at 1 (returns of goods bought before the data began); 0 without returns, 1 with returns but no purchases.</summary>
    public required double ReturnRate { get; init; }

    /// <summary>Discount ÷ (purchased revenue + discount): how much of what they buy is bought on discount.</summary>
    public required double DiscountShare { get; init; }

    /// <summary>Support tickets from the customers file; NaN when unknown.</summary>
    public required double SupportTickets { get; init; }

    /// <summary>Complaints from the customers file; NaN when unknown.</summary>
    public required double Complaints { get; init; }

    /// <summary>Satisfaction 1–5 from the customers file; NaN when unknown.</summary>
    public required double Satisfaction { get; init; }

    /// <summary>Cost to serve from the customers file; NaN when unknown.</summary>
    public required double ServiceCost { get; init; }

    /// <summary>The channel with most purchase revenue, "(none)" without purchases.</summary>
    public required string MainChannel { get; init; }

    /// <summary>Free customer attributes, in the order of <see cref="FeatureTable.AttributeNames"/>.</summary>
    public required IReadOnlyList<string> Attributes { get; init; }

    /// <summary>Label: no purchase in the churn horizon after the as-of date. Null when labels were not requested.</summary>
    public bool? Churned { get; init; }

    /// <summary>Label: profit (revenue − cost, returns included) in the value horizon. Null when labels were not requested.</summary>
    public double? ProfitInHorizon { get; init; }

    /// <summary>Label: revenue in the value horizon. Null when labels were not requested.</summary>
    public double? RevenueInHorizon { get; init; }
}
