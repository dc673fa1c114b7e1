using System.Globalization;

namespace MlCustomer.Api.Scoring;

/// <summary>
/// The values each computed feature can take by its definition (a count is never negative, a share lies
/// in [0, 1], a number of days or purchases is whole), whatever the training data held. A request outside them is broken input, not an unusual
/// customer. This knowledge belongs beside <c>FeatureColumns</c> in Core; it lives here until it moves.
/// </summary>
public static class FeatureDomains
{
    /// <summary>Larger magnitudes are data errors, the same bound the data loader applies to files.</summary>
    public const double MaxMagnitude = 1e12;

    private static readonly Dictionary<string, (double Min, double Max)> Domains = new(StringComparer.Ordinal)
    {
        ["recency_days"] = (0, double.PositiveInfinity),
        ["purchase_days"] = (0, double.PositiveInfinity),
        ["order_count"] = (0, double.PositiveInfinity),
        ["average_order_value"] = (0, double.PositiveInfinity),
        ["tenure_days"] = (0, double.PositiveInfinity),
        ["days_since_first_purchase"] = (0, double.PositiveInfinity),
        ["mean_days_between_purchases"] = (0, double.PositiveInfinity),
        ["sd_days_between_purchases"] = (0, double.PositiveInfinity),
        ["revenue_last_90_days"] = (0, double.PositiveInfinity),
        ["revenue_prior_90_days"] = (0, double.PositiveInfinity),
        ["revenue_trend"] = (-1, 1),
        ["categories_bought"] = (0, double.PositiveInfinity),
        ["return_rate"] = (0, 1),
        ["discount_share"] = (0, 1),
        ["support_tickets"] = (0, double.PositiveInfinity),
        ["complaints"] = (0, double.PositiveInfinity),
        ["satisfaction"] = (1, 5),
        ["service_cost"] = (0, double.PositiveInfinity),
        ["cost_to_serve_last_365_days"] = (0, double.PositiveInfinity),
    };

    // Counted by the feature builder in whole days or whole events; the lifetime-value blend reads the first
    // three as counts, so 3.5 purchase days would be scored as some other customer.
    private static readonly HashSet<string> WholeNumbers = new(StringComparer.Ordinal)
    {
        "recency_days", "purchase_days", "order_count", "tenure_days", "days_since_first_purchase",
        "categories_bought", "support_tickets", "complaints",
    };

    /// <summary>
    /// Pairs of features where the first never exceeds the second, by how the feature builder computes them (with why):
    /// a request that breaks one describes a customer who cannot exist, and would get a plausible-looking score.
    /// </summary>
    public static IReadOnlyList<(string Lesser, string Greater, string Why)> Orderings { get; } =
    [
        ("purchase_days", "order_count", "every purchase day has at least one order"),
        ("recency_days", "days_since_first_purchase", "the last purchase cannot come before the first"),
        ("days_since_first_purchase", "tenure_days", "tenure counts from the first event, signup or purchase"),
        ("recency_days", "tenure_days", "tenure counts from the first event, signup or purchase"),
        ("cost_to_serve_last_365_days", "service_cost", "the last 365 days' cost-to-serve is part of the cost to date"),
    ];

    /// <summary>The earliest date a request may carry (as-of, order and signup dates): earlier ones are data errors.</summary>
    public static DateOnly EarliestDate { get; } = new(1900, 1, 1);

    /// <summary>What is wrong with a date before <see cref="EarliestDate"/>, or null: the one sentence of every surface that takes dates.</summary>
    public static string? EarliestDateProblem(DateOnly day) =>
        day < EarliestDate ? $"{day:yyyy-MM-dd} is before {EarliestDate:yyyy-MM-dd}, the earliest date accepted" : null;

    /// <summary>The values <paramref name="feature"/> can take, for checking many values without looking the name up each time.</summary>
    public static Domain Of(string feature) =>
        Domains.TryGetValue(feature, out var domain)
            ? new Domain(domain.Min, domain.Max, WholeNumbers.Contains(feature))
            : new Domain(double.NegativeInfinity, double.PositiveInfinity, WholeNumbers.Contains(feature));

    /// <summary>Why <paramref name="value"/> cannot be a value of <paramref name="feature"/>, or null when it can.</summary>
    public static string? Problem(string feature, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return "is not a finite number (NaN and infinities are refused; send null for a missing value)";
        }

        if (Math.Abs(value) > MaxMagnitude)
        {
            return $"{Show(value)} is implausibly large (magnitude above 1e12)";
        }

        if (WholeNumbers.Contains(feature) && value != Math.Floor(value))
        {
            return $"{Show(value)} must be a whole number (it counts days or events)";
        }

        if (!Domains.TryGetValue(feature, out var domain) || (value >= domain.Min && value <= domain.Max))
        {
            return null;
        }

        return double.IsPositiveInfinity(domain.Max)
            ? $"{Show(value)} cannot be negative"
            : $"{Show(value)} must be between {Show(domain.Min)} and {Show(domain.Max)}";
    }

    /// <summary>A number as written in messages.</summary>
    public static string Show(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>The values one feature can take (see <see cref="FeatureDomains.Problem"/>, which words what is wrong).</summary>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Whole">Only whole numbers.</param>
public readonly record struct Domain(double Min, double Max, bool Whole)
{
    /// <summary>True when <paramref name="value"/> passes every check of <see cref="FeatureDomains.Problem"/>.</summary>
    public bool Contains(double value) =>
        double.IsFinite(value) && Math.Abs(value) <= FeatureDomains.MaxMagnitude && value >= Min && value <= Max && (!Whole || value == Math.Floor(value));
}
