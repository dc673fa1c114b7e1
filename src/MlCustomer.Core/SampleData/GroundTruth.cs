namespace MlCustomer.Core.SampleData;

/// <summary>A customer's latent truth at the as-of date.</summary>
/// <param name="SignedUpByAsOf">The customer had signed up on or before the as-of date.</param>
/// <param name="AliveAtAsOf">Signed up, buys at all, and had not dropped out by the end of the as-of date.</param>
/// <param name="ChurnProbability">Probability of no purchase in the churn horizon given the latent state.</param>
/// <param name="ExpectedProfit">Expected gross profit (returns included) in the value horizon.</param>
/// <param name="ExpectedRevenue">Expected revenue (net of discounts and returns) in the value horizon.</param>
/// <param name="MeanOrderValue">Expected revenue of an order on an ordinary day, net of discounts, before returns.</param>
internal readonly record struct CustomerTruth(
    bool SignedUpByAsOf,
    bool AliveAtAsOf,
    double ChurnProbability,
    double ExpectedProfit,
    double ExpectedRevenue,
    double MeanOrderValue);

/// <summary>
/// The exact expectations of the generative process at an as-of date, given each customer's latent state.
/// For an active customer with daily intensity μ(d) and dropout probability p after each order:
/// P(no order in the churn window) = exp(−Σ μ); expected orders in the value window = Σ S(d)·(1 − e^(−p·μ(d)))/p
/// with S the probability of still being active, S(d+1) = S(d)·e^(−p·μ(d)); each expected order is valued
/// at the day's expected order value (promotion days differ), returns and write-offs included.
/// </summary>
internal static class GroundTruth
{
    public static CustomerTruth At(SimulatedCustomer customer, RetailCalendar calendar, int asOfDay, int churnHorizonDays, int valueHorizonDays)
    {
        var regular = Baskets.Expected(customer, promotion: false, firstOrder: false);
        var signedUp = customer.SignupDay <= asOfDay;
        if (!signedUp || customer.NeverBuys)
        {
            return new CustomerTruth(signedUp, false, 1, 0, 0, regular.RevenueBeforeReturns);
        }

        var promotion = Baskets.Expected(customer, promotion: true, firstOrder: false);
        var churnEnd = asOfDay + churnHorizonDays;
        var valueEnd = asOfDay + valueHorizonDays;
        var first = customer.FirstPurchaseDay;
        if (first > asOfDay)
        {
            // Signed up but the first order is still to come: it is part of the latent state and certain.
            var churn = first <= churnEnd ? 0.0 : 1.0;
            if (first > valueEnd)
            {
                return new CustomerTruth(true, true, churn, 0, 0, regular.RevenueBeforeReturns);
            }

            var firstOrder = Baskets.Expected(customer, calendar.Promotion[first], firstOrder: true);
            var (profitAfter, revenueAfter) = ExpectedValue(customer, calendar, first + 1, valueEnd, regular, promotion);
            var stay = 1 - customer.DropoutProbability;
            return new CustomerTruth(
                true,
                true,
                churn,
                firstOrder.GrossProfit + stay * profitAfter,
                firstOrder.Revenue + stay * revenueAfter,
                regular.RevenueBeforeReturns);
        }

        if (customer.DropoutDay != SimulatedCustomer.NoDay && customer.DropoutDay <= asOfDay)
        {
            return new CustomerTruth(true, false, 1, 0, 0, regular.RevenueBeforeReturns);
        }

        var expectedOrders = 0.0;
        for (var day = asOfDay + 1; day <= churnEnd; day++)
        {
            expectedOrders += customer.DailyIntensity(calendar.Season[day], calendar.Promotion[day]);
        }

        var (profit, revenue) = ExpectedValue(customer, calendar, asOfDay + 1, valueEnd, regular, promotion);
        return new CustomerTruth(true, true, Math.Exp(-expectedOrders), profit, revenue, regular.RevenueBeforeReturns);
    }

    private static (double Profit, double Revenue) ExpectedValue(
        SimulatedCustomer customer, RetailCalendar calendar, int from, int to, OrderValue regular, OrderValue promotion)
    {
        var p = customer.DropoutProbability;
        double active = 1, profit = 0, revenue = 0;
        for (var day = from; day <= to; day++)
        {
            var isPromotion = calendar.Promotion[day];
            var intensity = customer.DailyIntensity(calendar.Season[day], isPromotion);
            var survive = Math.Exp(-p * intensity);
            var orders = active * (p > 0 ? (1 - survive) / p : intensity);
            var value = isPromotion ? promotion : regular;
            profit += orders * value.GrossProfit;
            revenue += orders * value.Revenue;
            active *= survive;
        }

        return (profit, revenue);
    }
}
