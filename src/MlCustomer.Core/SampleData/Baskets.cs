namespace MlCustomer.Core.SampleData;

/// <summary>One purchase order: when, who, through which channel, and where its lines are.</summary>
internal readonly record struct OrderRecord(int Day, int Customer, int FirstLine, int LineCount, int Channel);

/// <summary>
/// One order line in cents. <see cref="ReturnDay"/> is the day the line comes back, or
/// <see cref="SimulatedCustomer.NoDay"/>; a return refunds the net revenue and takes back
/// <see cref="ReturnCostCents"/> of the cost of goods (the rest is written off).
/// </summary>
internal readonly record struct LineRecord(
    int Category,
    int Quantity,
    long RevenueCents,
    long CostCents,
    long DiscountCents,
    int ReturnDay,
    long ReturnCostCents);

/// <summary>Expected value of one order, net of discounts.</summary>
/// <param name="RevenueBeforeReturns">Revenue of the order as placed.</param>
/// <param name="Revenue">Revenue after the expected returns.</param>
/// <param name="GrossProfit">Revenue minus cost of goods after the expected returns and write-offs.</param>
internal readonly record struct OrderValue(double RevenueBeforeReturns, double Revenue, double GrossProfit);

/// <summary>
/// How a basket is put together: channel, lines, categories, quantities, prices, discounts and returns.
/// <see cref="Sample"/> draws one; <see cref="Expected"/> is its exact expectation (up to rounding to cents),
/// written from the same probabilities so that the ground truth and the simulation cannot drift apart.
/// </summary>
internal static class Baskets
{
    public static double CouponChance(SimulatedCustomer customer, bool promotion) =>
        customer.Persona.Persona == Persona.DealSeeker
            ? promotion ? Retailer.DealSeekerCouponChanceOnPromotion : Retailer.DealSeekerCouponChance
            : promotion ? Retailer.CouponChanceOnPromotion : Retailer.CouponChance;

    public static double PromotionItemChance(SimulatedCustomer customer, bool promotion) =>
        !promotion ? 0
        : customer.Persona.Persona == Persona.DealSeeker ? Retailer.DealSeekerPromotionItemChance
        : Retailer.PromotionItemChance;

    public static double ReturnChance(SimulatedCustomer customer, int category, int channel) =>
        Math.Min(
            Retailer.MaxReturnRate,
            Retailer.Categories[category].ReturnRate * Retailer.SalesChannels[channel].ReturnFactor * customer.ReturnPropensity);

    /// <summary>Draws one order placed on <paramref name="day"/>, appends its lines and returns the order.</summary>
    public static OrderRecord Sample(
        SampleRandom random,
        SimulatedCustomer customer,
        int customerIndex,
        int day,
        bool promotion,
        bool firstOrder,
        int lastDay,
        List<LineRecord> lines)
    {
        var channel = random.Pick(customer.ChannelPreferences);
        var salesChannel = Retailer.SalesChannels[channel];
        var lineCount = 1 + random.Pick(salesChannel.LineWeights);

        var coupon = 0.0;
        if (firstOrder && random.Chance(customer.Acquisition.WelcomeCouponChance))
        {
            coupon = Retailer.WelcomeCouponRate;
        }
        else if (random.Chance(CouponChance(customer, promotion)))
        {
            coupon = random.Uniform(Retailer.CouponRateLow, Retailer.CouponRateHigh);
        }

        var promotionItemChance = PromotionItemChance(customer, promotion);
        var firstLine = lines.Count;
        for (var i = 0; i < lineCount; i++)
        {
            var category = random.Pick(customer.CategoryPreferences);
            var product = Retailer.Categories[category];
            var quantity = 1 + random.Pick(product.QuantityWeights);
            var unitCents = Math.Max(1, Cents(random.LogNormal(product.PriceMedian * customer.SpendFactor * salesChannel.PriceFactor, product.PriceSigma)));
            var grossCents = quantity * unitCents;

            var discountRate = 0.0;
            if (category != Retailer.Outlet)
            {
                // Clearance is already marked down: no coupon, promotion or member price on top.
                var promotionRate = random.Chance(promotionItemChance) ? random.Uniform(Retailer.PromotionRateLow, Retailer.PromotionRateHigh) : 0;
                var memberRate = customer.LoyaltyMember && random.Chance(Retailer.MemberDiscountChance) ? Retailer.MemberDiscountRate : 0;
                discountRate = 1 - (1 - coupon) * (1 - promotionRate) * (1 - memberRate);
            }

            var discountCents = Cents(grossCents / 100.0 * discountRate);
            var costCents = Cents(grossCents / 100.0 * (1 - product.ListMargin) * random.Uniform(0.95, 1.05));

            var returnDay = SimulatedCustomer.NoDay;
            var returnCostCents = 0L;
            if (random.Chance(ReturnChance(customer, category, channel)))
            {
                // Store returns come back within days; shipped goods take longer.
                var delay = channel == Retailer.Store ? 1 + (int)(random.Exponential() * 5) : 3 + (int)(random.Exponential() * 10);
                var day2 = day + Math.Min(delay, 60);
                if (day2 <= lastDay)
                {
                    returnDay = day2;
                    returnCostCents = Cents(costCents / 100.0 * product.CostRecoveredOnReturn);
                    customer.ReturnDays.Add(day2);
                }
            }

            lines.Add(new LineRecord(category, quantity, grossCents - discountCents, costCents, discountCents, returnDay, returnCostCents));
        }

        if (channel == Retailer.Phone)
        {
            customer.PhoneOrderDays.Add(day);
        }

        return new OrderRecord(day, customerIndex, firstLine, lineCount, channel);
    }

    /// <summary>The expected value of one order on a promotion day or not, first order or not.</summary>
    public static OrderValue Expected(SimulatedCustomer customer, bool promotion, bool firstOrder)
    {
        var couponChance = CouponChance(customer, promotion);
        var couponMean = couponChance * (Retailer.CouponRateLow + Retailer.CouponRateHigh) / 2;
        if (firstOrder)
        {
            var welcome = customer.Acquisition.WelcomeCouponChance;
            couponMean = welcome * Retailer.WelcomeCouponRate + (1 - welcome) * couponMean;
        }

        var promotionMean = PromotionItemChance(customer, promotion) * (Retailer.PromotionRateLow + Retailer.PromotionRateHigh) / 2;
        var memberMean = customer.LoyaltyMember ? Retailer.MemberDiscountChance * Retailer.MemberDiscountRate : 0;
        var paidShare = (1 - couponMean) * (1 - promotionMean) * (1 - memberMean);

        double before = 0, after = 0, profit = 0;
        for (var channel = 0; channel < Retailer.SalesChannels.Length; channel++)
        {
            var salesChannel = Retailer.SalesChannels[channel];
            var channelWeight = customer.ChannelPreferences[channel] * salesChannel.LinesMean;
            for (var category = 0; category < Retailer.Categories.Length; category++)
            {
                var product = Retailer.Categories[category];
                var weight = channelWeight * customer.CategoryPreferences[category];
                if (weight == 0)
                {
                    continue;
                }

                var gross = product.QuantityMean * product.PriceMean * customer.SpendFactor * salesChannel.PriceFactor;
                var net = category == Retailer.Outlet ? gross : gross * paidShare;
                var returned = ReturnChance(customer, category, channel);
                var cost = gross * (1 - product.ListMargin) * (1 - returned * product.CostRecoveredOnReturn);
                before += weight * net;
                after += weight * net * (1 - returned);
                profit += weight * (net * (1 - returned) - cost);
            }
        }

        return new OrderValue(before, after, profit);
    }

    public static long Cents(double amount) => (long)Math.Round(amount * 100, MidpointRounding.AwayFromZero);
}
