namespace MlCustomer.Core.Segments;

/// <summary>
/// Readable segment names from where a segment's centre sits relative to all customers, in the
/// words marketing uses. The first rule that matches names the segment; the reason says why.
/// </summary>
public static class SegmentNames
{
    /// <summary>A centre is "high" or "low" on a feature beyond this many standard deviations.</summary>
    public const double Clearly = 0.35;

    /// <summary>
    /// Names a segment. The z values are the centre's standard scores of log recency, log frequency,
    /// log revenue and tenure against all customers; margins are gross profit ÷ revenue.
    /// </summary>
    public static (string Name, string Reason) Name(
        double recencyZ, double frequencyZ, double revenueZ, double tenureZ, double? segmentMargin, double? overallMargin)
    {
        var thinMargin = segmentMargin is { } m && overallMargin is { } o && o > 0 && m < o * 0.6;
        if (revenueZ > Clearly && thinMargin)
        {
            return ("Big spenders, thin margin", $"revenue well above average but margin {segmentMargin:P1} against {overallMargin:P1} overall");
        }

        if (recencyZ < 0 && frequencyZ > Clearly && revenueZ > Clearly)
        {
            return ("Champions", "bought recently, often and for a lot");
        }

        if (recencyZ > Clearly && (frequencyZ > 0 || revenueZ > Clearly))
        {
            return ("At risk", "used to buy often or for a lot, but not recently");
        }

        if (frequencyZ > Clearly && recencyZ <= Clearly)
        {
            return ("Loyal", "buys often and is still active");
        }

        if (tenureZ < -Clearly && recencyZ <= 0)
        {
            return ("New", "joined recently and bought recently");
        }

        if (recencyZ > Clearly)
        {
            return ("Hibernating", "few, small purchases, long ago");
        }

        return revenueZ >= 0
            ? ("Promising", "active with average spend: room to grow")
            : ("Needs attention", "active but buys little");
    }

    /// <summary>Makes names unique by adding the value order ("(higher value)", "(lower value)", or a number).</summary>
    public static IReadOnlyList<string> Disambiguate(IReadOnlyList<string> names, IReadOnlyList<double> meanProfit)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(meanProfit);
        var result = names.ToArray();
        foreach (var group in Enumerable.Range(0, names.Count).GroupBy(i => names[i], StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var ordered = group.OrderByDescending(i => meanProfit[i]).ToList();
            for (var rank = 0; rank < ordered.Count; rank++)
            {
                var suffix = ordered.Count == 2 ? (rank == 0 ? "higher value" : "lower value") : $"{rank + 1} of {ordered.Count} by value";
                result[ordered[rank]] = $"{group.Key} ({suffix})";
            }
        }

        return result;
    }
}
