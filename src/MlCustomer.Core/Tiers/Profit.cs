using MlCustomer.Core.Data;
using MlCustomer.Core.Features;

namespace MlCustomer.Core.Tiers;

/// <summary>
/// When cost-to-serve is charged (the rules file's <c>costToServe</c>): every customer, or only those who bought in
/// the window. Default: every customer, since an account that is served (support, mailings, an account manager)
/// costs money whether or not it bought.
/// </summary>
public sealed record CostToServeRule
{
    /// <summary>Charge cost-to-serve also to customers without revenue in the window (default true).</summary>
    public bool ChargeWithoutPurchase { get; init; } = true;

    /// <summary>Whether a customer with <paramref name="revenue"/> in the window is charged cost-to-serve.</summary>
    public bool Charges(double revenue) => ChargeWithoutPurchase || revenue > 0;

    /// <summary>The rule in words.</summary>
    public string Describe() => ChargeWithoutPurchase
        ? "cost-to-serve: charged to every customer, bought in the window or not"
        : "cost-to-serve: charged only to customers with revenue in the window (predicted: × the chance of buying, 1 − churn probability)";
}

/// <summary>
/// The one definition of profit: Σ(revenue − cost of goods) − cost-to-serve, where revenue is already net of
/// discounts and returns. Every comparison of profit (trailing profit, tiers, loss-making, false big customers,
/// movement, the predicted tier, value at risk and the retention list) goes through these functions, on both
/// sides: what a customer brought in the trailing window and what they are predicted to bring in the horizon.
/// </summary>
/// <remarks>
/// The value model predicts <b>gross</b> profit (revenue − cost of goods): its two-part structure and the
/// Gamma-Gamma blend need the zeros of customers who do not buy. The predicted (net) profit subtracts the cost-to-serve
/// the customer is expected to cause over the horizon: their trailing cost-to-serve per day × the horizon's days.
/// </remarks>
public static class Profit
{
    /// <summary>
    /// Cost-to-serve in the trailing window from a cost-to-date total: the whole total when the customer is younger than
    /// the window, otherwise the window's share of the tenure (a customers file gives a total, not dated costs; with
    /// a service events file the other overload sums the window exactly).
    /// </summary>
    /// <param name="serviceCostToDate">Cost to serve to date (unknown counts as 0: nothing is charged that is not known).</param>
    /// <param name="tenureDays">Days since signup or the first order.</param>
    /// <param name="windowDays">The trailing window's length in days.</param>
    public static double TrailingCostToServe(double serviceCostToDate, double tenureDays, int windowDays = FeatureBuilder.TrailingWindowDays)
    {
        var cost = double.IsFinite(serviceCostToDate) ? serviceCostToDate : 0;
        return tenureDays <= windowDays ? cost : cost * windowDays / tenureDays;
    }

    /// <summary>
    /// Cost-to-serve in the trailing window from dated costs (the service events file): the exact sum of the costs
    /// on the days in (as-of − window, as-of].
    /// </summary>
    /// <param name="events">One customer's service events (any order; later ones are ignored).</param>
    /// <param name="asOfDate">The last day of the window.</param>
    /// <param name="windowDays">The trailing window's length in days.</param>
    public static double TrailingCostToServe(IReadOnlyList<ServiceEvent> events, DateOnly asOfDate, int windowDays = FeatureBuilder.TrailingWindowDays)
    {
        ArgumentNullException.ThrowIfNull(events);
        var start = asOfDate.AddDays(-windowDays);
        double cost = 0;
        foreach (var e in events)
        {
            if (e.EventDate > start && e.EventDate <= asOfDate)
            {
                cost += e.ServiceCost ?? 0;
            }
        }

        return cost;
    }

    /// <summary>Profit over a window: gross profit − cost-to-serve (charged as <paramref name="rule"/> says).</summary>
    /// <param name="grossProfit">Σ(revenue − cost of goods) in the window.</param>
    /// <param name="costToServe">Cost-to-serve in the window.</param>
    /// <param name="revenue">Revenue in the window (a customer with revenue ≤ 0 did not buy).</param>
    /// <param name="rule">When cost-to-serve is charged.</param>
    public static double Net(double grossProfit, double costToServe, double revenue, CostToServeRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return grossProfit - (rule.Charges(revenue) ? costToServe : 0);
    }

    /// <summary>Profit in the trailing window of a customer's features.</summary>
    public static double Trailing(CustomerFeatures features, CostToServeRule rule)
    {
        ArgumentNullException.ThrowIfNull(features);
        return Net(features.GrossProfitLast365Days, features.CostToServeLast365Days, features.RevenueLast365Days, rule);
    }

    /// <summary>Cost-to-serve expected over the horizon: the trailing window's cost per day × the horizon's days.</summary>
    public static double ExpectedCostToServe(double trailingCostToServe, int windowDays, int horizonDays) =>
        trailingCostToServe * horizonDays / windowDays;

    /// <summary>
    /// Predicted profit over the horizon: predicted gross profit − expected cost-to-serve, the cost charged as
    /// <paramref name="rule"/> says: always, or (when only buyers are charged) weighted by the chance of buying,
    /// 1 − <paramref name="churnProbability"/> (no purchase in the churn horizon, which is not longer than the value
    /// horizon in the defaults, so the weight errs towards charging less).
    /// </summary>
    public static double Predicted(double predictedGrossProfit, double expectedCostToServe, double churnProbability, CostToServeRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return predictedGrossProfit - (rule.ChargeWithoutPurchase ? expectedCostToServe : expectedCostToServe * (1 - churnProbability));
    }
}
