namespace MlCustomer.Core.SampleData;

/// <summary>
/// Settings of the sample retailer: size, period, label horizons and the knobs of the generative process.
/// Hyperparameters with named defaults and no logic; training-data/README.md explains each one.
/// </summary>
public sealed record SampleDataOptions
{
    /// <summary>Seed of every random draw; the same options always write byte-identical files.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Number of customers who sign up over the period (including those who never buy).</summary>
    public int Customers { get; init; } = 20_000;

    /// <summary>First day of the period (first possible signup and order).</summary>
    public DateOnly StartDate { get; init; } = new(2023, 1, 1);

    /// <summary>Last day of the period; nothing after it is written.</summary>
    public DateOnly EndDate { get; init; } = new(2025, 12, 31);

    /// <summary>Churn label window of the ground truth: "no purchase within this many days after the as-of date".</summary>
    public int ChurnHorizonDays { get; init; } = 180;

    /// <summary>Value label window of the ground truth: expected profit and revenue within this many days after the as-of date.</summary>
    public int ValueHorizonDays { get; init; } = 365;

    /// <summary>The ground truth's as-of date: <see cref="EndDate"/> − <see cref="ValueHorizonDays"/>, so both label windows are observed.</summary>
    public DateOnly AsOfDate => EndDate.AddDays(-ValueHorizonDays);

    /// <summary>Signups in a year relative to the year before (acquisition grows).</summary>
    public double SignupGrowthPerYear { get; init; } = 1.35;

    /// <summary>Share of customers who sign up but never buy (varies by acquisition channel around this).</summary>
    public double NeverBuyShare { get; init; } = 0.10;

    /// <summary>Share of buyers whose first order comes a few days after signup rather than on the day.</summary>
    public double DelayedFirstPurchaseShare { get; init; } = 0.25;

    /// <summary>Longest delay between signup and first order, in days.</summary>
    public int MaxFirstPurchaseDelayDays { get; init; } = 30;

    /// <summary>Mean of the Gamma-distributed purchase rate (orders per year while active) before attribute effects.</summary>
    public double PurchasesPerYearMean { get; init; } = 7.0;

    /// <summary>Shape of the Gamma-distributed purchase rate: smaller means more heterogeneous customers.</summary>
    public double PurchaseRateShape { get; init; } = 0.9;

    /// <summary>Beta(a, b) parameter a of the probability of dropping out after a purchase, before attribute effects.</summary>
    public double DropoutBetaA { get; init; } = 1.0;

    /// <summary>Beta(a, b) parameter b of the probability of dropping out after a purchase, before attribute effects.</summary>
    public double DropoutBetaB { get; init; } = 12.0;

    /// <summary>Share of buyers who are tech enthusiasts (electronics-heavy, big baskets, thin margins), before channel effects.</summary>
    public double TechEnthusiastShare { get; init; } = 0.08;

    /// <summary>Share of buyers who are deal seekers (buy on promotion and coupons, clearance-heavy, churn more), before channel effects.</summary>
    public double DealSeekerShare { get; init; } = 0.10;

    /// <summary>Share of buyers who are serial returners (fashion-heavy, five times the usual return rate), before channel effects.</summary>
    public double SerialReturnerShare { get; init; } = 0.05;

    /// <summary>Share of customers in the loyalty programme, before channel effects.</summary>
    public double LoyaltyMemberShare { get; init; } = 0.25;

    /// <summary>Purchase intensity multiplier on promotion days for most customers.</summary>
    public double PromotionLift { get; init; } = 1.3;

    /// <summary>Purchase intensity multiplier on promotion days for deal seekers.</summary>
    public double DealSeekerPromotionLift { get; init; } = 4.0;

    /// <summary>Purchase intensity multiplier outside promotions for deal seekers (they wait for the next sale).</summary>
    public double DealSeekerOffPromotionFactor { get; init; } = 0.6;

    /// <summary>Share of customers who never answered the satisfaction survey (blank satisfaction).</summary>
    public double SatisfactionMissingShare { get; init; } = 0.15;
}
