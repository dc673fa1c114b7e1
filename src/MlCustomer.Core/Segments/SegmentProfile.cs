namespace MlCustomer.Core.Segments;

/// <summary>What one segment looks like: size, value and its centre, with a readable name.</summary>
public sealed record SegmentProfile
{
    /// <summary>Segment id, stable across retraining on similar data (1 = the most profitable at first training).</summary>
    public required int Id { get; init; }

    /// <summary>Readable name derived from the centre, e.g. "Champions".</summary>
    public required string Name { get; init; }

    /// <summary>Why it got that name, in words.</summary>
    public required string NameReason { get; init; }

    /// <summary>Customers in the segment (training data).</summary>
    public required int Customers { get; init; }

    /// <summary>Share of all customers.</summary>
    public required double ShareOfCustomers { get; init; }

    /// <summary>Share of total profit (can be negative for loss-making segments).</summary>
    public required double ShareOfProfit { get; init; }

    /// <summary>Mean days since the last purchase.</summary>
    public required double MeanRecencyDays { get; init; }

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

    /// <summary>The centre in log-scaled units (<see cref="SegmentFeatures.Names"/> order), used to keep ids stable.</summary>
    public required IReadOnlyList<double> Centroid { get; init; }
}

/// <summary>Quality of one candidate number of segments.</summary>
/// <param name="Segments">Number of segments.</param>
/// <param name="Silhouette">Mean silhouette on a sample (higher = better separated).</param>
/// <param name="DaviesBouldin">Davies–Bouldin index (lower = better).</param>
/// <param name="SmallestShare">Share of customers in the smallest segment.</param>
public sealed record SegmentCountScore(int Segments, double Silhouette, double DaviesBouldin, double SmallestShare);
