using MlCustomer.Core.Features;

namespace MlCustomer.Core.Decisions;

/// <summary>
/// What the rules need to know about one customer at an as-of date: trailing profit and revenue, rhythm,
/// and the model scores (churn probability, predicted profit in the value horizon).
/// </summary>
public sealed record CustomerFacts
{
    /// <summary>The customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Gross profit (revenue − cost of goods; revenue is net of discounts and returns) in the 365 days up to the as-of date.</summary>
    public required double GrossProfitLast365Days { get; init; }

    /// <summary>Cost-to-serve in the 365 days up to the as-of date.</summary>
    public required double CostToServeLast365Days { get; init; }

    /// <summary>Revenue in the 365 days up to the as-of date.</summary>
    public required double RevenueLast365Days { get; init; }

    /// <summary>Gross profit ÷ revenue (a fraction); NaN when revenue is not positive.</summary>
    public required double MarginRate { get; init; }

    /// <summary>Days since the last purchase (since signup for customers who never bought).</summary>
    public required double RecencyDays { get; init; }

    /// <summary>Mean days between purchase days; NaN with fewer than two purchase days.</summary>
    public required double MeanDaysBetweenPurchases { get; init; }

    /// <summary>Days since the first event.</summary>
    public required double TenureDays { get; init; }

    /// <summary>Distinct purchase days.</summary>
    public required double PurchaseDays { get; init; }

    /// <summary>Calibrated churn probability in the churn horizon, in [0, 1].</summary>
    public required double ChurnProbability { get; init; }

    /// <summary>The value model's predicted gross profit (revenue − cost of goods) in the value horizon, before cost-to-serve (may be negative).</summary>
    public required double PredictedGrossProfit { get; init; }

    /// <summary>Length of the value horizon the predicted profit covers, in days.</summary>
    public required int HorizonDays { get; init; }

    /// <summary>Segment name, when the bundle has a segmentation.</summary>
    public string? Segment { get; init; }

    /// <summary>Facts from a customer's features and the model scores.</summary>
    public static CustomerFacts From(CustomerFeatures f, double churnProbability, double predictedGrossProfit, int horizonDays, string? segment)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new CustomerFacts
        {
            CustomerId = f.CustomerId,
            GrossProfitLast365Days = f.GrossProfitLast365Days,
            CostToServeLast365Days = f.CostToServeLast365Days,
            RevenueLast365Days = f.RevenueLast365Days,
            MarginRate = f.MarginRate,
            RecencyDays = f.RecencyDays,
            MeanDaysBetweenPurchases = f.MeanDaysBetweenPurchases,
            TenureDays = f.TenureDays,
            PurchaseDays = f.PurchaseDays,
            ChurnProbability = churnProbability,
            PredictedGrossProfit = predictedGrossProfit,
            HorizonDays = horizonDays,
            Segment = segment,
        };
    }

    /// <summary>Throws when a fact the rules rely on is missing or out of range.</summary>
    internal void Check()
    {
        Finite(GrossProfitLast365Days, nameof(GrossProfitLast365Days));
        Finite(CostToServeLast365Days, nameof(CostToServeLast365Days));
        Finite(RevenueLast365Days, nameof(RevenueLast365Days));
        Finite(RecencyDays, nameof(RecencyDays));
        Finite(TenureDays, nameof(TenureDays));
        Finite(PurchaseDays, nameof(PurchaseDays));
        Finite(PredictedGrossProfit, nameof(PredictedGrossProfit));
        if (!(ChurnProbability is >= 0 and <= 1))
        {
            throw new ArgumentException($"customer {CustomerId}: ChurnProbability is {ChurnProbability}; it must be between 0 and 1.");
        }

        if (HorizonDays <= 0)
        {
            throw new ArgumentException($"customer {CustomerId}: HorizonDays is {HorizonDays}; it must be positive.");
        }

        void Finite(double value, string name)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"customer {CustomerId}: {name} is {value}; it must be a finite number.");
            }
        }
    }
}
