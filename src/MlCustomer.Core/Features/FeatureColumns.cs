namespace MlCustomer.Core.Features;

/// <summary>A numeric feature: its column name (with its unit) and how to read it from a row.</summary>
/// <param name="Name">Column name in the feature table, snake_case with the unit.</param>
/// <param name="Value">Reads the value from a row.</param>
public sealed record NumericFeature(string Name, Func<CustomerFeatures, double> Value);

/// <summary>
/// The feature table's columns, in one place: the CSV writer, the DataFrame view and the models
/// all read this list, so a feature added here reaches all of them.
/// </summary>
public static class FeatureColumns
{
    /// <summary>The value written for a category that is absent.</summary>
    public const string NoValue = "(none)";

    /// <summary>The customer id column.</summary>
    public const string CustomerId = "customer_id";

    /// <summary>The categorical column holding the main sales channel.</summary>
    public const string MainChannel = "main_channel";

    /// <summary>Label: no purchase in the churn horizon.</summary>
    public const string LabelChurned = "label_churned";

    /// <summary>Label: profit in the value horizon.</summary>
    public const string LabelProfitInHorizon = "label_profit_in_horizon";

    /// <summary>Label: revenue in the value horizon.</summary>
    public const string LabelRevenueInHorizon = "label_revenue_in_horizon";

    /// <summary>Every numeric feature, in table order.</summary>
    public static IReadOnlyList<NumericFeature> Numeric { get; } =
    [
        new("recency_days", f => f.RecencyDays),
        new("purchase_days", f => f.PurchaseDays),
        new("order_count", f => f.OrderCount),
        new("revenue_total", f => f.RevenueTotal),
        new("average_order_value", f => f.AverageOrderValue),
        new("gross_profit_total", f => f.GrossProfitTotal),
        new("profit_total", f => f.ProfitTotal),
        new("gross_profit_per_purchase_day", f => f.GrossProfitPerPurchaseDay),
        new("margin_rate", f => f.MarginRate),
        new("revenue_last_365_days", f => f.RevenueLast365Days),
        new("profit_last_365_days", f => f.ProfitLast365Days),
        new("tenure_days", f => f.TenureDays),
        new("days_since_first_purchase", f => f.DaysSinceFirstPurchase),
        new("purchase_days_per_year", f => f.PurchaseDaysPerYear),
        new("recency_share_of_age", f => f.RecencyShareOfAge),
        new("mean_days_between_purchases", f => f.MeanDaysBetweenPurchases),
        new("sd_days_between_purchases", f => f.SdDaysBetweenPurchases),
        new("revenue_last_90_days", f => f.RevenueLast90Days),
        new("revenue_prior_90_days", f => f.RevenuePrior90Days),
        new("revenue_trend", f => f.RevenueTrend),
        new("categories_bought", f => f.CategoriesBought),
        new("return_rate", f => f.ReturnRate),
        new("discount_share", f => f.DiscountShare),
        new("support_tickets", f => f.SupportTickets),
        new("complaints", f => f.Complaints),
        new("satisfaction", f => f.Satisfaction),
        new("service_cost", f => f.ServiceCost),
        new("cost_to_serve_last_365_days", f => f.CostToServeLast365Days),
    ];

    private static readonly HashSet<string> Reserved = new(
        Numeric.Select(n => n.Name).Concat([CustomerId, MainChannel, LabelChurned, LabelProfitInHorizon, LabelRevenueInHorizon]),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>True when a customer attribute may not use this name because a feature column has it.</summary>
    public static bool IsReserved(string name) => Reserved.Contains(name);
}
