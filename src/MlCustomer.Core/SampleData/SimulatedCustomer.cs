namespace MlCustomer.Core.SampleData;

/// <summary>
/// One sample customer: observable attributes, the latent state that drives them (persona, purchase rate,
/// dropout probability, tastes) and what the simulation made of it. Day numbers index the <see cref="RetailCalendar"/>.
/// </summary>
internal sealed class SimulatedCustomer
{
    public const int NoDay = -1;

    public required string Id { get; init; }

    public required int SignupDay { get; init; }

    public required AcquisitionChannel Acquisition { get; init; }

    public required Region Region { get; init; }

    public required AgeBand AgeBand { get; init; }

    public required bool LoyaltyMember { get; init; }

    public required PersonaProfile Persona { get; init; }

    /// <summary>Latent service friction, mean 1: drives tickets, complaints, low satisfaction and dropout.</summary>
    public required double Friction { get; init; }

    /// <summary>Probability that an order line is in each category.</summary>
    public required double[] CategoryPreferences { get; init; }

    /// <summary>Probability that an order goes through each sales channel.</summary>
    public required double[] ChannelPreferences { get; init; }

    /// <summary>Multiplier on unit prices (personal price level, persona, region).</summary>
    public required double SpendFactor { get; init; }

    /// <summary>Multiplier on category return rates (personal tendency, persona).</summary>
    public required double ReturnPropensity { get; init; }

    /// <summary>Orders per year while active, on an ordinary day of average season.</summary>
    public required double PurchaseRatePerYear { get; init; }

    /// <summary>Probability of becoming inactive for good right after any purchase.</summary>
    public required double DropoutProbability { get; init; }

    /// <summary>Purchase intensity multiplier on promotion days.</summary>
    public required double PromotionFactor { get; init; }

    /// <summary>Purchase intensity multiplier on other days.</summary>
    public required double OffPromotionFactor { get; init; }

    /// <summary>Day of the first order, or <see cref="NoDay"/> for a customer who never buys.</summary>
    public required int FirstPurchaseDay { get; init; }

    /// <summary>Day after whose purchase the customer dropped out, or <see cref="NoDay"/> while active.</summary>
    public int DropoutDay { get; set; } = NoDay;

    /// <summary>The day of each returned line (a ticket may follow it).</summary>
    public List<int> ReturnDays { get; } = [];

    /// <summary>The day of each order taken by phone (an agent's time is a cost to serve).</summary>
    public List<int> PhoneOrderDays { get; } = [];

    /// <summary>The service history, one entry per day with anything recorded, in day order.</summary>
    public List<ServiceDay> ServiceDays { get; } = [];

    public int SupportTickets { get; set; }

    public int Complaints { get; set; }

    public double ServiceCost { get; set; }

    /// <summary>Survey answer 1–5, null when never answered.</summary>
    public int? Satisfaction { get; set; }

    public bool NeverBuys => FirstPurchaseDay == NoDay;

    /// <summary>Expected orders on a day with the given season factor and promotion flag, while active.</summary>
    public double DailyIntensity(double season, bool promotion) =>
        PurchaseRatePerYear / 365.0 * season * (promotion ? PromotionFactor : OffPromotionFactor);
}

/// <summary>One day of a simulated customer's service history.</summary>
/// <param name="Day">Calendar index of the day.</param>
/// <param name="Tickets">Support tickets opened.</param>
/// <param name="Complaints">Tickets escalated to complaints.</param>
/// <param name="CostCents">Cost to serve in cents.</param>
/// <param name="Satisfaction">A survey answer 1–5 given that day, or null.</param>
internal sealed record ServiceDay(int Day, int Tickets, int Complaints, long CostCents, int? Satisfaction);
