namespace MlCustomer.Core.Segments;

/// <summary>What one segment looks like: size, value and its centre, with a readable name.</summary>
public sealed record SegmentProfile
{
    /// <summary>Segment id, stable across retraining on similar data (1 = the most profitable at first training).</summary>
    public required int Id { get; init; }

    /// <summary>
    /// Readable name from the profile against the whole base (see <see cref="SegmentNames"/>), e.g. "Champions" or
    /// "Lapsing: occasional, high value"; unique within a segmentation.
    /// </summary>
    public required string Name { get; init; }

    /// <summary>The rule that produced the name, with the segment's and the base's figures it compared.</summary>
    public required string NameReason { get; init; }

    /// <summary>Customers in the segment (training data).</summary>
    public required int Customers { get; init; }

    /// <summary>Share of all customers.</summary>
    public required double ShareOfCustomers { get; init; }

    /// <summary>Share of total profit (can be negative for loss-making segments).</summary>
    public required double ShareOfProfit { get; init; }

    /// <summary>Mean days since the last purchase.</summary>
    public required double MeanRecencyDays { get; init; }

    /// <summary>Median days since the last purchase: the recency the name compares with the base's median (null in older cards).</summary>
    public double? MedianRecencyDays { get; init; }

    /// <summary>Mean distinct purchase days.</summary>
    public required double MeanPurchaseDays { get; init; }

    /// <summary>Mean net revenue.</summary>
    public required double MeanRevenue { get; init; }

    /// <summary>Mean profit after cost-to-serve.</summary>
    public required double MeanProfit { get; init; }

    /// <summary>Gross profit ÷ revenue over the segment; null when its revenue is not positive.</summary>
    public double? MarginRate { get; init; }

    /// <summary>Mean tenure in days.</summary>
    public required double MeanTenureDays { get; init; }

    /// <summary>Share of members without a purchase day before the as-of date (null in older cards).</summary>
    public double? NoPurchaseShare { get; init; }

    /// <summary>
    /// Share of members who churned in the churn horizon after the as-of date: the actual label at training, not a
    /// prediction. Null when the segmentation was trained without labels (and in older cards).
    /// </summary>
    public double? ChurnRate { get; init; }

    /// <summary>Share of members per profit tier, by the tier cut-offs learned in the same training run (null when not measured).</summary>
    public TierMix? TierMix { get; init; }

    /// <summary>Share of members per lifecycle stage, by the training run's lifecycle rule (null when not measured).</summary>
    public LifecycleMix? LifecycleMix { get; init; }

    /// <summary>The centre in log-scaled units (<see cref="SegmentFeatures.Names"/> order), used to keep ids stable.</summary>
    public required IReadOnlyList<double> Centroid { get; init; }
}

/// <summary>
/// The whole base the segment names compare with: the training customers of the segmentation, measured as a
/// <see cref="SegmentProfile"/> is.
/// </summary>
public sealed record SegmentBase
{
    /// <summary>Training customers.</summary>
    public required int Customers { get; init; }

    /// <summary>Median days since the last purchase.</summary>
    public required double MedianRecencyDays { get; init; }

    /// <summary>Mean days since the last purchase.</summary>
    public required double MeanRecencyDays { get; init; }

    /// <summary>Mean distinct purchase days.</summary>
    public required double MeanPurchaseDays { get; init; }

    /// <summary>Mean net revenue.</summary>
    public required double MeanRevenue { get; init; }

    /// <summary>Mean profit after cost-to-serve.</summary>
    public required double MeanProfit { get; init; }

    /// <summary>Gross profit ÷ revenue over the base; null when its revenue is not positive.</summary>
    public double? MarginRate { get; init; }

    /// <summary>Share who churned in the horizon (actual label); null without labels.</summary>
    public double? ChurnRate { get; init; }

    /// <summary>Standard deviation of each segmentation feature (log scale, <see cref="SegmentFeatures.Names"/> order): how far apart centres are in the units KMeans compares.</summary>
    public required IReadOnlyList<double> FeatureStandardDeviations { get; init; }

    /// <summary>Share per profit tier (null when not measured).</summary>
    public TierMix? TierMix { get; init; }

    /// <summary>Share per lifecycle stage (null when not measured).</summary>
    public LifecycleMix? LifecycleMix { get; init; }
}

/// <summary>Share of customers per profit tier (fractions that add up to 1).</summary>
/// <param name="A">Share in tier A.</param>
/// <param name="B">Share in tier B.</param>
/// <param name="C">Share in tier C.</param>
/// <param name="D">Share in tier D.</param>
public sealed record TierMix(double A, double B, double C, double D);

/// <summary>Share of customers per lifecycle stage (fractions that add up to 1).</summary>
/// <param name="New">Share new.</param>
/// <param name="Active">Share active.</param>
/// <param name="AtRisk">Share at risk.</param>
/// <param name="Lapsed">Share lapsed.</param>
/// <param name="Churned">Share churned (by the lifecycle rule's recency, not the churn label).</param>
public sealed record LifecycleMix(double New, double Active, double AtRisk, double Lapsed, double Churned);

/// <summary>Quality of one candidate number of segments.</summary>
/// <param name="Segments">Number of segments.</param>
/// <param name="Silhouette">Mean silhouette on a sample (higher = better separated).</param>
/// <param name="DaviesBouldin">Davies–Bouldin index (lower = better).</param>
/// <param name="SmallestShare">Share of customers in the smallest segment.</param>
public sealed record SegmentCountScore(int Segments, double Silhouette, double DaviesBouldin, double SmallestShare);
