namespace MlCustomer.Core.SampleData;

/// <summary>
/// Draws a customer's attributes and latent state, then lives their life: a first order at or soon after
/// signup, repeat orders as a Poisson process whose intensity follows the calendar, and after every order
/// a chance to drop out for good (the BG/NBD story). Service history follows from friction and returns.
/// </summary>
internal static class CustomerSimulation
{
    public static SimulatedCustomer Create(SampleDataOptions options, RetailCalendar calendar, string id, int signupDay, SampleRandom random)
    {
        var periodShare = (double)signupDay / Math.Max(1, calendar.IndexOf(options.EndDate));
        Span<double> acquisitionWeights = stackalloc double[Retailer.AcquisitionChannels.Length];
        for (var i = 0; i < acquisitionWeights.Length; i++)
        {
            var channel = Retailer.AcquisitionChannels[i];
            acquisitionWeights[i] = channel.ShareAtStart + (channel.ShareAtEnd - channel.ShareAtStart) * periodShare;
        }

        var acquisition = Retailer.AcquisitionChannels[random.Pick(acquisitionWeights)];
        Span<double> regionWeights = stackalloc double[Retailer.Regions.Length];
        for (var i = 0; i < regionWeights.Length; i++)
        {
            regionWeights[i] = Retailer.Regions[i].Share;
        }

        var region = Retailer.Regions[random.Pick(regionWeights)];
        var ageIndex = random.Pick(acquisition.AgeWeights);
        var ageBand = Retailer.AgeBands[ageIndex];

        var neverBuys = random.Chance(options.NeverBuyShare * acquisition.NeverBuyFactor);
        var persona = neverBuys ? Persona.NeverBuyer : DrawPersona(options, acquisition, ageIndex, random);
        var profile = Retailer.Personas[(int)persona];
        var loyaltyChance = options.LoyaltyMemberShare * acquisition.LoyaltyFactor * (persona == Persona.DealSeeker ? 0.6 : 1.0);
        var loyaltyMember = random.Chance(Math.Min(0.9, loyaltyChance));
        var friction = random.Gamma(Retailer.FrictionShape) / Retailer.FrictionShape;

        Span<double> tastes = stackalloc double[Retailer.Categories.Length];
        for (var i = 0; i < tastes.Length; i++)
        {
            tastes[i] = Retailer.Categories[i].BaseShare * ageBand.CategoryFactors[i] * profile.CategoryFactors[i];
        }

        var categoryPreferences = random.Dirichlet(tastes, Retailer.PreferenceConcentration);

        Span<double> channels = stackalloc double[Retailer.SalesChannels.Length];
        ageBand.ChannelWeights.CopyTo(channels);
        channels[Retailer.Store] *= region.StoreFactor;
        var channelPreferences = random.Dirichlet(channels, Retailer.ChannelConcentration);

        var spendFactor = random.LogNormal(1.0, Retailer.SpendSigma) * profile.SpendFactor * region.PriceFactor;
        var sigma = Retailer.ReturnPropensitySigma;
        var returnPropensity = random.LogNormal(Math.Exp(-sigma * sigma / 2), sigma) * profile.ReturnFactor;

        // Tastes set the pace: a grocery shopper comes back weekly, an electronics buyer twice a year.
        var frequencyFactor = 0.0;
        for (var i = 0; i < categoryPreferences.Length; i++)
        {
            frequencyFactor += categoryPreferences[i] * Retailer.Categories[i].FrequencyFactor;
        }

        var rateDraw = random.Gamma(options.PurchaseRateShape) * options.PurchasesPerYearMean / options.PurchaseRateShape;
        var purchaseRate = neverBuys
            ? 0
            : rateDraw * frequencyFactor * acquisition.RateFactor * profile.RateFactor * (loyaltyMember ? Retailer.LoyaltyRateFactor : 1);

        var dropoutDraw = random.Beta(options.DropoutBetaA, options.DropoutBetaB);
        var dropout = Math.Min(
            Retailer.MaxDropout,
            dropoutDraw * acquisition.DropoutFactor * profile.DropoutFactor * (loyaltyMember ? Retailer.LoyaltyDropoutFactor : 1)
                * Math.Exp(Retailer.FrictionDropoutEffect * (friction - 1)));

        var delay = random.Chance(options.DelayedFirstPurchaseShare) ? 1 + (int)(random.NextDouble() * options.MaxFirstPurchaseDelayDays) : 0;
        var isDealSeeker = persona == Persona.DealSeeker;

        return new SimulatedCustomer
        {
            Id = id,
            SignupDay = signupDay,
            Acquisition = acquisition,
            Region = region,
            AgeBand = ageBand,
            LoyaltyMember = loyaltyMember,
            Persona = profile,
            Friction = friction,
            CategoryPreferences = categoryPreferences,
            ChannelPreferences = channelPreferences,
            SpendFactor = spendFactor,
            ReturnPropensity = returnPropensity,
            PurchaseRatePerYear = purchaseRate,
            DropoutProbability = dropout,
            PromotionFactor = isDealSeeker ? options.DealSeekerPromotionLift : options.PromotionLift,
            OffPromotionFactor = isDealSeeker ? options.DealSeekerOffPromotionFactor : 1.0,
            FirstPurchaseDay = neverBuys ? SimulatedCustomer.NoDay : signupDay + delay,
        };
    }

    /// <summary>
    /// Places the customer's orders up to <paramref name="lastDay"/>. Repeat orders use the time-change
    /// construction of an inhomogeneous Poisson process: exponential waiting "work" is consumed by each
    /// day's intensity, so several orders on one day are possible and the expectation is exact.
    /// </summary>
    public static void SimulatePurchases(
        SimulatedCustomer customer,
        int customerIndex,
        RetailCalendar calendar,
        int lastDay,
        SampleRandom random,
        List<OrderRecord> orders,
        List<LineRecord> lines)
    {
        var day = customer.FirstPurchaseDay;
        if (customer.NeverBuys || day > lastDay)
        {
            return;
        }

        orders.Add(Baskets.Sample(random, customer, customerIndex, day, calendar.Promotion[day], firstOrder: true, lastDay, lines));
        if (random.Chance(customer.DropoutProbability))
        {
            customer.DropoutDay = day;
            return;
        }

        var work = random.Exponential();
        day++;
        var left = day <= lastDay ? customer.DailyIntensity(calendar.Season[day], calendar.Promotion[day]) : 0;
        while (day <= lastDay)
        {
            if (work <= left)
            {
                left -= work;
                orders.Add(Baskets.Sample(random, customer, customerIndex, day, calendar.Promotion[day], firstOrder: false, lastDay, lines));
                if (random.Chance(customer.DropoutProbability))
                {
                    customer.DropoutDay = day;
                    return;
                }

                work = random.Exponential();
            }
            else
            {
                work -= left;
                day++;
                left = day <= lastDay ? customer.DailyIntensity(calendar.Season[day], calendar.Promotion[day]) : 0;
            }
        }
    }

    /// <summary>
    /// Service history up to the last day, as a CRM export would show it: tickets grow with friction,
    /// tenure and returns; friction escalates tickets into complaints; satisfaction falls with both.
    /// </summary>
    public static void SimulateService(SampleDataOptions options, SimulatedCustomer customer, int lastDay, SampleRandom random)
    {
        var years = (lastDay - customer.SignupDay + 1) / 365.0;
        var tickets = random.Poisson(customer.Friction * Retailer.TicketsPerYear * years);
        for (var i = 0; i < customer.ReturnedLines; i++)
        {
            tickets += random.Chance(Retailer.TicketsPerReturn) ? 1 : 0;
        }

        var complaintShare = Math.Min(Retailer.MaxComplaintShare, Retailer.ComplaintShare * customer.Friction);
        var complaints = 0;
        var serviceCost = 0.0;
        for (var i = 0; i < tickets; i++)
        {
            serviceCost += random.Uniform(5, 15);
            if (random.Chance(complaintShare))
            {
                complaints++;
                serviceCost += random.Uniform(20, 45);
            }
        }

        // Phone orders are taken by an agent.
        serviceCost += customer.PhoneOrders * 2.0;

        var score = 4.3 - 0.5 * (customer.Friction - 1) - 0.35 * complaints
            + (customer.LoyaltyMember ? 0.2 : 0) - (customer.NeverBuys ? 0.3 : 0) + 0.7 * random.Normal();
        var missingChance = customer.NeverBuys
            ? Math.Min(1, options.SatisfactionMissingShare * 3)
            : options.SatisfactionMissingShare * 0.8;

        customer.SupportTickets = tickets;
        customer.Complaints = complaints;
        customer.ServiceCost = Math.Round(serviceCost, 2, MidpointRounding.AwayFromZero);
        customer.Satisfaction = random.Chance(missingChance) ? null : (int)Math.Clamp(Math.Round(score, MidpointRounding.AwayFromZero), 1, 5);
    }

    private static Persona DrawPersona(SampleDataOptions options, AcquisitionChannel acquisition, int ageIndex, SampleRandom random)
    {
        var young = ageIndex <= 1;
        var tech = options.TechEnthusiastShare * acquisition.TechFactor;
        var deal = options.DealSeekerShare * acquisition.DealFactor;
        var returner = options.SerialReturnerShare * acquisition.ReturnerFactor * (young ? 1.4 : 0.8);
        var u = random.NextDouble();
        return u < tech ? Persona.TechEnthusiast
            : u < tech + deal ? Persona.DealSeeker
            : u < tech + deal + returner ? Persona.SerialReturner
            : Persona.Regular;
    }
}
