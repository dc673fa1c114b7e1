using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.Scoring;

/// <summary>What the models say about one customer.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">Calibrated probability of no purchase in the churn horizon.</param>
/// <param name="ChurnReasons">The features that moved the churn score most (positive = towards churn).</param>
/// <param name="SegmentId">Segment id, or null when the bundle has no segmentation.</param>
/// <param name="SegmentName">Segment name, or null.</param>
/// <param name="PredictedGrossProfit">
/// The value model's prediction: gross profit (revenue − cost of goods, before cost-to-serve) in the value horizon, or
/// null without a value model (customer-table bundles: the value column's own quantity). The rules turn it into
/// predicted profit after cost-to-serve (<see cref="Tiers.Profit.Predicted"/>).
/// </param>
/// <param name="ValueReasons">The features that moved the value prediction most.</param>
/// <param name="PredictedRevenue">Predicted revenue in the value horizon, or null without a revenue model.</param>
public sealed record CustomerScore(
    string CustomerId,
    double ChurnProbability,
    IReadOnlyList<Reason> ChurnReasons,
    int? SegmentId,
    string? SegmentName,
    double? PredictedGrossProfit,
    IReadOnlyList<Reason> ValueReasons,
    double? PredictedRevenue = null)
{
    /// <summary>
    /// With TreeSHAP reasons: the churn baseline (probability of a typical training customer) and the effect of every
    /// feature not among <see cref="ChurnReasons"/>, so that baseline + reasons + all other = <see cref="ChurnProbability"/>.
    /// Null when the reasons are ML.NET's contributions (bundles without tree covers) or none were asked for.
    /// </summary>
    public ExplanationTotals? ChurnTotals { get; init; }

    /// <summary>The same for <see cref="PredictedGrossProfit"/> and <see cref="ValueReasons"/>.</summary>
    public ExplanationTotals? ValueTotals { get; init; }

    /// <summary>
    /// The features that moved the predicted revenue most (TreeSHAP effects in currency over the value horizon); empty
    /// without a revenue model, without the revenue trees' covers, or when no reasons were asked for.
    /// </summary>
    public IReadOnlyList<Reason> RevenueReasons { get; init; } = [];

    /// <summary>The same as <see cref="ChurnTotals"/> for <see cref="PredictedRevenue"/> and <see cref="RevenueReasons"/>.</summary>
    public ExplanationTotals? RevenueTotals { get; init; }

    /// <summary>
    /// The 80% prediction interval (P10, P50, P90) of the gross profit in the value horizon, from the card's conformal
    /// calibration (<see cref="LifetimeValue.ValueIntervals"/>); null without a value model or for bundles trained before
    /// intervals. <see cref="PredictedGrossProfit"/> stays the mean: targets and totals add means.
    /// </summary>
    public LifetimeValue.ValueInterval? GrossProfitInterval { get; init; }

    /// <summary>The same for <see cref="PredictedRevenue"/>.</summary>
    public LifetimeValue.ValueInterval? RevenueInterval { get; init; }
}
