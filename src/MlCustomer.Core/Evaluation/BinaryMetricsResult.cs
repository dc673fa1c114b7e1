namespace MlCustomer.Core.Evaluation;

/// <summary>
/// How well churn probabilities separate and match what happened, on held-out customers. Metrics that are
/// undefined for the data (AUC when only one class is present) are null, never NaN, so the record
/// serialises to valid JSON for the model card.
/// </summary>
/// <param name="Count">Customers evaluated.</param>
/// <param name="Positives">Customers whose label is true (e.g. churned).</param>
/// <param name="PositiveRate">Positives / Count: the base rate every lift is measured against.</param>
/// <param name="Auc">ROC AUC: the chance a random positive scores above a random negative, ties counting half;
/// null unless both classes are present.</param>
/// <param name="PrAuc">Average precision as scikit-learn defines it, Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct
/// thresholds from the highest down; null when there are no positives.</param>
/// <param name="LogLoss">Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15].</param>
/// <param name="Brier">Mean squared difference between probability and outcome (0 or 1).</param>
/// <param name="CalibrationTable">Ten equal-width probability bins, [0, 0.1) … [0.9, 1], empty bins included.</param>
/// <param name="LiftAt10Percent">What the top 10% of scores catch.</param>
/// <param name="LiftAt20Percent">What the top 20% of scores catch.</param>
/// <param name="Roc">ROC curve for plotting, at most 200 points, from (0, 0) to (1, 1); empty unless both classes are present.</param>
/// <param name="PrecisionRecall">Precision–recall curve for plotting, at most 200 points, recall increasing from
/// (0, 1); empty when there are no positives.</param>
public sealed record BinaryMetricsResult(
    int Count,
    int Positives,
    double PositiveRate,
    double? Auc,
    double? PrAuc,
    double LogLoss,
    double Brier,
    IReadOnlyList<CalibrationBin> CalibrationTable,
    LiftAtTop LiftAt10Percent,
    LiftAtTop LiftAt20Percent,
    IReadOnlyList<RocPoint> Roc,
    IReadOnlyList<PrecisionRecallPoint> PrecisionRecall);

/// <summary>One bin of a calibration (reliability) table: predicted probability against what happened.</summary>
/// <param name="Lower">Inclusive lower edge of the bin.</param>
/// <param name="Upper">Upper edge: exclusive, except for the last bin, which includes 1.</param>
/// <param name="Count">Customers whose probability falls in the bin.</param>
/// <param name="MeanPredicted">Mean probability in the bin; null when the bin is empty.</param>
/// <param name="ObservedRate">Share of positives in the bin; null when the bin is empty.</param>
public sealed record CalibrationBin(double Lower, double Upper, int Count, double? MeanPredicted, double? ObservedRate);

/// <summary>
/// What targeting the highest-scored customers catches. When a group of equal scores straddles the cut,
/// it counts in proportion to the part inside, so <see cref="PositivesCaught"/> can be fractional.
/// </summary>
/// <param name="TopFraction">Nominal share targeted (0.1 for the top 10%).</param>
/// <param name="Targeted">Customers targeted: the nominal share of Count, rounded up.</param>
/// <param name="PositivesCaught">Positives among those targeted (expected value when ties straddle the cut).</param>
/// <param name="Capture">Share of all positives caught; null when there are no positives.</param>
/// <param name="Lift">Capture divided by the share actually targeted (Targeted / Count), i.e. how many times
/// better than picking customers at random; null when there are no positives.</param>
public sealed record LiftAtTop(double TopFraction, int Targeted, double PositivesCaught, double? Capture, double? Lift);

/// <summary>A point of the ROC curve.</summary>
/// <param name="FalsePositiveRate">Share of negatives with a score at or above the threshold.</param>
/// <param name="TruePositiveRate">Share of positives with a score at or above the threshold (recall).</param>
/// <param name="Threshold">The score cut; null for the starting point (0, 0), where nobody is flagged.</param>
public sealed record RocPoint(double FalsePositiveRate, double TruePositiveRate, double? Threshold);

/// <summary>A point of the precision–recall curve.</summary>
/// <param name="Recall">Share of positives with a score at or above the threshold.</param>
/// <param name="Precision">Share of the customers at or above the threshold who are positive.</param>
/// <param name="Threshold">The score cut; null for the conventional starting point (recall 0, precision 1).</param>
public sealed record PrecisionRecallPoint(double Recall, double Precision, double? Threshold);

/// <summary>
/// The naive baseline a model must beat: one numeric feature (higher = more likely positive, e.g. days
/// since the last purchase) and one cut, "positive when the feature is at least <see cref="Threshold"/>".
/// </summary>
/// <param name="Feature">Name of the feature, for the report.</param>
/// <param name="Threshold">The cut, one of the observed feature values.</param>
/// <param name="Criterion">What the cut maximises: always Youden's J (see <see cref="BinaryMetrics.YoudenCriterion"/>).</param>
/// <param name="YoudenJ">True positive rate − false positive rate at the cut.</param>
/// <param name="Accuracy">Share of customers the rule classifies correctly at the cut.</param>
/// <param name="TruePositiveRate">Share of positives the rule flags.</param>
/// <param name="FalsePositiveRate">Share of negatives the rule flags.</param>
/// <param name="Auc">ROC AUC of the feature value itself used as the score: the number to compare with a model's AUC.</param>
/// <param name="Description">The rule in words, e.g. "positive when recency_days ≥ 45".</param>
public sealed record SingleThresholdRule(
    string Feature,
    double Threshold,
    string Criterion,
    double YoudenJ,
    double Accuracy,
    double TruePositiveRate,
    double FalsePositiveRate,
    double Auc,
    string Description)
{
    /// <summary>Applies the rule to one feature value.</summary>
    public bool Predict(double featureValue) => featureValue >= Threshold;
}
