namespace MlCustomer.Core.Segments;

/// <summary>Settings of the segmentation: named defaults, no logic.</summary>
public sealed record SegmentOptions
{
    /// <summary>Smallest number of segments tried.</summary>
    public int MinSegments { get; init; } = 2;

    /// <summary>Largest number of segments tried.</summary>
    public int MaxSegments { get; init; } = 10;

    /// <summary>A fixed number of segments, overriding the automatic choice.</summary>
    public int? Segments { get; init; }

    /// <summary>
    /// The automatic choice takes the largest number of segments whose silhouette is at least this
    /// share of the best one: silhouette alone nearly always picks two segments, which tells
    /// marketing nothing.
    /// </summary>
    public double SilhouetteToleranceShare { get; init; } = 0.7;

    /// <summary>Every segment of an acceptable choice holds at least this share of customers.</summary>
    public double MinSegmentShare { get; init; } = 0.02;

    /// <summary>Customers sampled for the silhouette (it is quadratic in the sample).</summary>
    public int SilhouetteSample { get; init; } = 2000;
}
