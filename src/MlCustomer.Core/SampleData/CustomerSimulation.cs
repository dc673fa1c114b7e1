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
    /// Dated service history up to the last day, as a service desk records it: tickets come at a rate that grows with
    /// friction while the customer buys (and a quarter of it after they stop), and after some returns; friction
    /// escalates tickets into complaints; phone orders cost an agent's time; satisfaction surveys, answered at
    /// random days while the customer is active, fall with friction and the complaints made so far. The totals
    /// (the customers file's columns, a CRM export at the last day) are the sums of the days and the latest answer.
    /// </summary>
    public static void SimulateService(SampleDataOptions options, SimulatedCustomer customer, int lastDay, SampleRandom random)
    {
        var signup = customer.SignupDay;
        var activeEnd = customer.NeverBuys ? signup + Retailer.ContactDaysAfterLastPurchase
            : customer.DropoutDay != SimulatedCustomer.NoDay ? customer.DropoutDay + Retailer.ContactDaysAfterLastPurchase
            : lastDay;
        activeEnd = Math.Min(activeEnd, lastDay);
        var ticketsPerDay = customer.Friction * Retailer.TicketsPerYear / 365.0;
        var complaintShare = Math.Min(Retailer.MaxComplaintShare, Retailer.ComplaintShare * customer.Friction);
        var days = new List<(int Day, int Tickets, int Complaints, long CostCents, int? Satisfaction)>();

        void Ticket(int day)
        {
            var cost = random.Uniform(5, 15);
            var complaint = random.Chance(complaintShare);
            if (complaint)
            {
                cost += random.Uniform(20, 45);
            }

            days.Add((day, 1, complaint ? 1 : 0, Baskets.Cents(cost), null));
        }

        var activeDays = activeEnd - signup + 1;
        for (var n = random.Poisson(ticketsPerDay * activeDays); n > 0; n--)
        {
            Ticket(signup + (int)(random.NextDouble() * activeDays));
        }

        var lapsedDays = lastDay - activeEnd;
        for (var n = lapsedDays > 0 ? random.Poisson(ticketsPerDay * Retailer.LapsedContactShare * lapsedDays) : 0; n > 0; n--)
        {
            Ticket(activeEnd + 1 + (int)(random.NextDouble() * lapsedDays));
        }

        foreach (var returnDay in customer.ReturnDays)
        {
            if (random.Chance(Retailer.TicketsPerReturn))
            {
                Ticket(returnDay);
            }
        }

        foreach (var phoneDay in customer.PhoneOrderDays)
        {
            days.Add((phoneDay, 0, 0, Baskets.Cents(Retailer.PhoneOrderServiceCost), null));
        }

        var missingChance = customer.NeverBuys
            ? Math.Min(1, options.SatisfactionMissingShare * 3)
            : options.SatisfactionMissingShare * 0.8;
        if (!random.Chance(missingChance))
        {
            var surveys = 1 + random.Poisson(Retailer.SurveysPerYear * activeDays / 365.0);
            for (var i = 0; i < surveys; i++)
            {
                days.Add((signup + (int)(random.NextDouble() * activeDays), 0, 0, 0, 0));
            }
        }

        // In day order (tickets before a survey on the same day), answers scored on the complaints made so far.
        days.Sort((a, b) => (a.Day, a.Satisfaction is null ? 0 : 1).CompareTo((b.Day, b.Satisfaction is null ? 0 : 1)));
        var complaints = 0;
        int? lastAnswer = null;
        foreach (var (day, tickets, dayComplaints, costCents, survey) in days)
        {
            complaints += dayComplaints;
            int? answer = null;
            if (survey is not null)
            {
                var score = 4.3 - 0.5 * (customer.Friction - 1) - 0.35 * complaints
                    + (customer.LoyaltyMember ? 0.2 : 0) - (customer.NeverBuys ? 0.3 : 0) + 0.7 * random.Normal();
                answer = (int)Math.Clamp(Math.Round(score, MidpointRounding.AwayFromZero), 1, 5);
                lastAnswer = answer;
            }

            var previous = customer.ServiceDays.Count > 0 ? customer.ServiceDays[^1] : null;
            if (previous is not null && previous.Day == day)
            {
                customer.ServiceDays[^1] = new ServiceDay(day, previous.Tickets + tickets, previous.Complaints + dayComplaints,
                    previous.CostCents + costCents, answer ?? previous.Satisfaction);
            }
            else
            {
                customer.ServiceDays.Add(new ServiceDay(day, tickets, dayComplaints, costCents, answer));
            }
        }

        customer.SupportTickets = customer.ServiceDays.Sum(d => d.Tickets);
        customer.Complaints = complaints;
        customer.ServiceCost = customer.ServiceDays.Sum(d => d.CostCents) / 100.0;
        customer.Satisfaction = lastAnswer;
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
