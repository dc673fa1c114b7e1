using MlCustomer.Core.Features;

namespace MlCustomer.Core.Segments;

/// <summary>
/// The inputs of the segmentation: recency, frequency, monetary and profit, log-scaled because all
/// four are heavily skewed (a few customers buy hundreds of times). Standardisation happens inside
/// the saved model, so scoring applies exactly what training learned.
/// </summary>
public static class SegmentFeatures
{
    /// <summary>The features, in vector order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["recency_days", "purchase_days", "revenue_total", "profit_total"];

    /// <summary>The log-scaled vector of one customer.</summary>
    public static float[] From(CustomerFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return
        [
            SignedLog(features.RecencyDays),
            SignedLog(features.PurchaseDays),
            SignedLog(features.RevenueTotal),
            SignedLog(features.ProfitTotal),
        ];
    }

    /// <summary>sign(x)·ln(1 + |x|): log scale that keeps returns and losses negative.</summary>
    public static float SignedLog(double value) => (float)(Math.Sign(value) * Math.Log(1 + Math.Abs(value)));
}

/// <summary>The segmentation model's input row.</summary>
public sealed class SegmentInput
{
    /// <summary>Log-scaled recency, frequency, monetary, profit (see <see cref="SegmentFeatures"/>).</summary>
    [Microsoft.ML.Data.VectorType(4)]
    public float[] Rfm { get; set; } = [];
}

/// <summary>The segmentation model's output.</summary>
public sealed class SegmentAssignment
{
    /// <summary>1-based cluster id as KMeans numbers it.</summary>
    [Microsoft.ML.Data.ColumnName("PredictedLabel")]
    public uint ClusterId { get; set; }

    /// <summary>Squared distances to every centroid (in standardised space).</summary>
    [Microsoft.ML.Data.ColumnName("Score")]
    public float[] Distances { get; set; } = [];
}
