using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.Scoring;

/// <summary>What the models say about one customer.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">Calibrated probability of no purchase in the churn horizon.</param>
/// <param name="ChurnReasons">The features that moved the churn score most (positive = towards churn).</param>
/// <param name="SegmentId">Segment id, or null when the bundle has no segmentation.</param>
/// <param name="SegmentName">Segment name, or null.</param>
/// <param name="PredictedProfit">Predicted profit in the value horizon, or null without a value model.</param>
/// <param name="ValueReasons">The features that moved the value prediction most.</param>
/// <param name="PredictedRevenue">Predicted revenue in the value horizon, or null without a revenue model.</param>
public sealed record CustomerScore(
    string CustomerId,
    double ChurnProbability,
    IReadOnlyList<Reason> ChurnReasons,
    int? SegmentId,
    string? SegmentName,
    double? PredictedProfit,
    IReadOnlyList<Reason> ValueReasons,
    double? PredictedRevenue = null);
