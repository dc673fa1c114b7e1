namespace MlCustomer.Core.SampleData;

/// <summary>A product category: price level, margin, how often it is bought and returned.</summary>
/// <param name="Name">Short name written to transactions.csv (short names keep the file small).</param>
/// <param name="BaseShare">Share of order lines for a customer with no particular preference.</param>
/// <param name="PriceMedian">Median unit list price.</param>
/// <param name="PriceSigma">Log-scale spread of the unit list price.</param>
/// <param name="ListMargin">Gross margin at list price (before discounts); negative for clearance.</param>
/// <param name="ReturnRate">Probability a line is returned, for an average customer on the web.</param>
/// <param name="CostRecoveredOnReturn">Share of the cost of goods taken back on a return; the rest is written off.</param>
/// <param name="FrequencyFactor">How a preference for the category changes purchase frequency (grocery is bought often).</param>
/// <param name="QuantityWeights">Relative frequency of quantity 1, 2, 3 … on a line.</param>
internal sealed record Category(
    string Name,
    double BaseShare,
    double PriceMedian,
    double PriceSigma,
    double ListMargin,
    double ReturnRate,
    double CostRecoveredOnReturn,
    double FrequencyFactor,
    double[] QuantityWeights)
{
    /// <summary>Mean unit list price of the log-normal.</summary>
    public double PriceMean { get; } = PriceMedian * Math.Exp(PriceSigma * PriceSigma / 2);

    /// <summary>Mean quantity on a line.</summary>
    public double QuantityMean { get; } = Retailer.MeanOfOneBased(QuantityWeights);
}

/// <summary>A sales channel: basket size, price level and return behaviour.</summary>
/// <param name="Name">Name written to transactions.csv.</param>
/// <param name="LineWeights">Relative frequency of baskets with 1, 2 … 6 lines.</param>
/// <param name="PriceFactor">Multiplier on unit prices (phone orders are bigger-ticket, app orders smaller).</param>
/// <param name="ReturnFactor">Multiplier on return rates (store purchases are tried on first).</param>
internal sealed record SalesChannel(string Name, double[] LineWeights, double PriceFactor, double ReturnFactor)
{
    /// <summary>Mean number of lines in a basket.</summary>
    public double LinesMean { get; } = Retailer.MeanOfOneBased(LineWeights);
}

/// <summary>How a customer was acquired, and what that says about them.</summary>
/// <param name="Name">Name written to customers.csv.</param>
/// <param name="ShareAtStart">Share of signups at the start of the period.</param>
/// <param name="ShareAtEnd">Share of signups at the end (social grows, search shrinks).</param>
/// <param name="NeverBuyFactor">Multiplier on the never-buy share.</param>
/// <param name="TechFactor">Multiplier on the tech-enthusiast share.</param>
/// <param name="DealFactor">Multiplier on the deal-seeker share (coupon sites bring deal seekers).</param>
/// <param name="ReturnerFactor">Multiplier on the serial-returner share.</param>
/// <param name="LoyaltyFactor">Multiplier on the loyalty-membership share.</param>
/// <param name="RateFactor">Multiplier on the purchase rate.</param>
/// <param name="DropoutFactor">Multiplier on the dropout probability (referred customers stay).</param>
/// <param name="WelcomeCouponChance">Probability the first order uses a welcome coupon.</param>
/// <param name="AgeWeights">Relative frequency of each age band.</param>
internal sealed record AcquisitionChannel(
    string Name,
    double ShareAtStart,
    double ShareAtEnd,
    double NeverBuyFactor,
    double TechFactor,
    double DealFactor,
    double ReturnerFactor,
    double LoyaltyFactor,
    double RateFactor,
    double DropoutFactor,
    double WelcomeCouponChance,
    double[] AgeWeights);

/// <summary>A region: share of customers, price level, how much they shop in stores.</summary>
internal sealed record Region(string Name, double Share, double PriceFactor, double StoreFactor);

/// <summary>An age band: preferred sales channels and category tastes.</summary>
/// <param name="Name">Name written to customers.csv.</param>
/// <param name="ChannelWeights">Relative use of web, app, store, phone.</param>
/// <param name="CategoryFactors">Multipliers on each category's base share.</param>
internal sealed record AgeBand(string Name, double[] ChannelWeights, double[] CategoryFactors);

/// <summary>What a persona changes about a customer.</summary>
/// <param name="Persona">The persona.</param>
/// <param name="Name">Name written to ground-truth.csv.</param>
/// <param name="CategoryFactors">Multipliers on category shares.</param>
/// <param name="SpendFactor">Multiplier on unit prices.</param>
/// <param name="RateFactor">Multiplier on the purchase rate.</param>
/// <param name="DropoutFactor">Multiplier on the dropout probability.</param>
/// <param name="ReturnFactor">Multiplier on return rates.</param>
internal sealed record PersonaProfile(
    Persona Persona,
    string Name,
    double[] CategoryFactors,
    double SpendFactor,
    double RateFactor,
    double DropoutFactor,
    double ReturnFactor);

/// <summary>The latent kind of customer; written to ground-truth.csv only.</summary>
internal enum Persona
{
    Regular,
    TechEnthusiast,
    DealSeeker,
    SerialReturner,
    NeverBuyer,
}

/// <summary>
/// The fixed shape of the sample retailer: categories, channels, regions, age bands and the effect sizes
/// that make attributes truly drive churn and value. Tunable knobs live in <see cref="SampleDataOptions"/>;
/// these tables are documented in training-data/README.md.
/// </summary>
internal static class Retailer
{
    public const int Tech = 0;
    public const int Grocery = 1;
    public const int Books = 2;
    public const int Toys = 3;
    public const int Home = 4;
    public const int Fashion = 5;
    public const int Beauty = 6;
    public const int Outlet = 7;

    public const int Web = 0;
    public const int App = 1;
    public const int Store = 2;
    public const int Phone = 3;

    private static readonly double[] UsualQuantities = [72, 19, 6, 2, 1];

    // Persona effects. Category factors in the order of Categories.
    public static readonly PersonaProfile[] Personas =
    [
        new(Persona.Regular, "regular", [1, 1, 1, 1, 1, 1, 1, 1], 1.00, 1.00, 1.00, 1.0),
        new(Persona.TechEnthusiast, "tech_enthusiast", [8, 0.6, 0.8, 0.8, 1.2, 0.7, 0.6, 1], 1.25, 0.85, 1.00, 1.2),
        new(Persona.DealSeeker, "deal_seeker", [1.8, 0.8, 0.8, 1, 1, 1.2, 1, 5], 0.95, 1.00, 1.50, 1.0),
        new(Persona.SerialReturner, "serial_returner", [1, 0.6, 0.7, 0.8, 1, 3, 1.3, 1], 1.10, 1.00, 1.10, 5.0),
        new(Persona.NeverBuyer, "never_buyer", [1, 1, 1, 1, 1, 1, 1, 1], 1.00, 0.00, 1.00, 1.0),
    ];

    public static readonly Category[] Categories =
    [
        new("Tech", 0.08, 110, 0.85, 0.14, 0.07, 0.80, 0.6, [93, 6, 1]),
        new("Grocery", 0.20, 6, 0.50, 0.21, 0.01, 0.00, 2.0, [45, 28, 15, 7, 3, 2]),
        new("Books", 0.10, 14, 0.35, 0.26, 0.03, 0.95, 1.0, UsualQuantities),
        new("Toys", 0.09, 22, 0.60, 0.36, 0.04, 0.90, 0.8, UsualQuantities),
        new("Home", 0.15, 35, 0.75, 0.40, 0.06, 0.85, 0.7, UsualQuantities),
        new("Fashion", 0.20, 38, 0.55, 0.55, 0.16, 0.80, 1.0, UsualQuantities),
        new("Beauty", 0.13, 18, 0.50, 0.58, 0.03, 0.40, 1.3, UsualQuantities),
        new("Outlet", 0.05, 20, 0.60, -0.12, 0.04, 0.60, 1.0, UsualQuantities),
    ];

    public static readonly SalesChannel[] SalesChannels =
    [
        new("web", [36, 26, 16, 11, 7, 4], 1.00, 1.10),
        new("app", [48, 26, 13, 7, 4, 2], 0.90, 1.10),
        new("store", [27, 24, 19, 14, 10, 6], 0.95, 0.55),
        new("phone", [32, 28, 18, 12, 6, 4], 1.15, 0.90),
    ];

    public static readonly Region[] Regions =
    [
        new("Metro", 0.30, 1.10, 1.4),
        new("North", 0.18, 0.95, 0.9),
        new("South", 0.20, 0.95, 0.9),
        new("East", 0.16, 1.00, 0.8),
        new("West", 0.16, 1.00, 0.8),
    ];

    // Age-band weights 18-24, 25-34, 35-44, 45-54, 55-64, 65+ for channels without a particular audience.
    private static readonly double[] Ages = [12, 24, 22, 18, 14, 10];

    public static readonly AcquisitionChannel[] AcquisitionChannels =
    [
        new("search", 0.32, 0.26, 1.0, 1.6, 0.8, 0.8, 0.9, 1.00, 1.00, 0.10, Ages),
        new("social", 0.12, 0.24, 1.4, 0.6, 1.0, 2.2, 0.8, 0.95, 1.20, 0.40, [25, 33, 20, 12, 7, 3]),
        new("referral", 0.12, 0.12, 0.6, 1.0, 0.5, 0.8, 1.6, 1.15, 0.70, 0.30, Ages),
        new("affiliate", 0.10, 0.10, 1.2, 1.0, 2.8, 0.8, 0.6, 1.00, 1.25, 0.60, [15, 28, 22, 17, 11, 7]),
        new("email", 0.14, 0.12, 0.8, 0.8, 1.1, 0.8, 1.3, 1.10, 0.90, 0.30, [6, 16, 22, 22, 19, 15]),
        new("direct", 0.20, 0.16, 0.9, 1.0, 0.6, 0.8, 1.1, 1.05, 0.85, 0.00, [8, 18, 22, 20, 18, 14]),
    ];

    // Channel weights: web, app, store, phone. Category factors: Tech, Grocery, Books, Toys, Home, Fashion, Beauty, Outlet.
    public static readonly AgeBand[] AgeBands =
    [
        new("18-24", [40, 45, 12, 3], [1.2, 0.7, 0.8, 0.5, 0.5, 1.5, 1.3, 1.3]),
        new("25-34", [48, 32, 15, 5], [1.3, 0.9, 0.8, 1.3, 0.9, 1.2, 1.1, 1.0]),
        new("35-44", [50, 22, 21, 7], [1.0, 1.1, 0.9, 1.6, 1.2, 1.0, 1.0, 1.0]),
        new("45-54", [50, 14, 26, 10], [0.9, 1.1, 1.1, 0.9, 1.3, 0.9, 0.9, 0.9]),
        new("55-64", [44, 8, 32, 16], [0.8, 1.2, 1.3, 0.7, 1.3, 0.8, 0.8, 0.8]),
        new("65+", [36, 4, 36, 24], [0.7, 1.2, 1.6, 0.8, 1.2, 0.6, 0.7, 0.8]),
    ];

    /// <summary>Spread of a customer's category preferences around their age band's (Dirichlet concentration).</summary>
    public const double PreferenceConcentration = 4.0;

    /// <summary>Spread of a customer's channel use around their age band's (Dirichlet concentration).</summary>
    public const double ChannelConcentration = 3.0;

    /// <summary>Log-scale spread of a customer's price level (how expensive what they pick is).</summary>
    public const double SpendSigma = 0.35;

    /// <summary>Log-scale spread of a customer's tendency to return.</summary>
    public const double ReturnPropensitySigma = 0.45;

    /// <summary>Returns are capped at this probability per line.</summary>
    public const double MaxReturnRate = 0.85;

    /// <summary>Dropout probabilities are capped here.</summary>
    public const double MaxDropout = 0.95;

    // Service friction: a latent trait (mean 1) that makes support tickets, complaints, low satisfaction and dropout.
    public const double FrictionShape = 1.5;
    public const double FrictionDropoutEffect = 0.7; // dropout × exp(effect × (friction − 1))
    public const double TicketsPerYear = 0.8;        // at friction 1, per year since signup
    public const double TicketsPerReturn = 0.2;
    public const double ComplaintShare = 0.12;       // share of tickets escalated, × friction, capped
    public const double MaxComplaintShare = 0.7;
    public const double LapsedContactShare = 0.25;   // ticket rate after a customer stops buying, × the active rate
    public const int ContactDaysAfterLastPurchase = 60; // how long a leaving customer still contacts the desk at the full rate
    public const double SurveysPerYear = 0.6;        // satisfaction surveys answered per active year (at least one)
    public const double PhoneOrderServiceCost = 2.0; // an agent's time per phone order

    // Loyalty programme: members buy more, stay longer and get member prices.
    public const double LoyaltyRateFactor = 1.35;
    public const double LoyaltyDropoutFactor = 0.65;
    public const double MemberDiscountChance = 0.5;
    public const double MemberDiscountRate = 0.05;

    // Coupons: share of orders with one (non-promotion day / promotion day) and their rate range.
    public const double CouponChance = 0.08;
    public const double CouponChanceOnPromotion = 0.04;
    public const double DealSeekerCouponChance = 0.55;
    public const double DealSeekerCouponChanceOnPromotion = 0.30;
    public const double CouponRateLow = 0.10;
    public const double CouponRateHigh = 0.25;
    public const double WelcomeCouponRate = 0.15;

    // Promotion days: share of lines on promotion and its rate range.
    public const double PromotionItemChance = 0.6;
    public const double DealSeekerPromotionItemChance = 0.9;
    public const double PromotionRateLow = 0.15;
    public const double PromotionRateHigh = 0.40;

    public static double MeanOfOneBased(double[] weights)
    {
        double total = 0, sum = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            total += weights[i];
            sum += (i + 1) * weights[i];
        }

        return sum / total;
    }
}
