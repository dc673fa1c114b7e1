using MlCustomer.Core.Bundle;
using MlCustomer.Core.Segments;

namespace MlCustomer.Core.Tests.Segments;

/// <summary>
/// Reads each segment name word by word and checks every claim against the profile's and the base's figures,
/// written apart from <see cref="SegmentNames"/> so that the names are checked, not re-derived.
/// </summary>
internal static class SegmentNameAudit
{
    /// <summary>Words that promise a good customer: only for segments that are recent, churn less than the base and (Champions, Loyal) buy more often.</summary>
    public static readonly string[] PositiveWords = ["Champions", "Loyal", "active"];

    public static void AssertTruthful(SegmentCard card)
    {
        Assert.NotNull(card.Base);
        AssertTruthful(card.Profiles, card.Base);
    }

    public static void AssertTruthful(IReadOnlyList<SegmentProfile> profiles, SegmentBase all)
    {
        Assert.Equal(profiles.Count, profiles.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var p in profiles)
        {
            Assert.DoesNotMatch(@"^Segment\b|^\d+$", p.Name);
            // Names go into CSV columns and lists unquoted.
            Assert.DoesNotContain(',', p.Name);
            Assert.StartsWith(BaseName(p.Name), p.NameReason, StringComparison.Ordinal);
            foreach (var problem in Problems(p, all))
            {
                Assert.Fail($"segment {p.Id} \"{p.Name}\": {problem} (reason: {p.NameReason})");
            }
        }
    }

    /// <summary>The claims of a name that its profile does not support.</summary>
    public static IEnumerable<string> Problems(SegmentProfile p, SegmentBase all)
    {
        var name = BaseName(p.Name);
        var recency = p.MedianRecencyDays!.Value;
        var clearlyMoreRecent = recency <= all.MedianRecencyDays / SegmentNames.ClearRatio;
        var clearlyLessRecent = recency >= all.MedianRecencyDays * SegmentNames.ClearRatio;
        var churnBelowBase = p.ChurnRate is { } churn && all.ChurnRate is { } baseChurn && churn <= baseChurn - SegmentNames.ClearChurnPoints;
        var churnAboveBase = p.ChurnRate is { } c && all.ChurnRate is { } b && c >= b + SegmentNames.ClearChurnPoints;
        var frequent = p.MeanPurchaseDays >= all.MeanPurchaseDays * SegmentNames.ClearRatio;
        var occasional = p.MeanPurchaseDays <= all.MeanPurchaseDays / SegmentNames.ClearRatio;
        var highValue = p.MeanProfit >= all.MeanProfit + Math.Abs(all.MeanProfit) * (SegmentNames.ClearRatio - 1);
        var lowValue = p.MeanProfit <= all.MeanProfit - Math.Abs(all.MeanProfit) * (1 - 1 / SegmentNames.ClearRatio);

        if (PositiveWords.Any(w => Has(name, w)))
        {
            if (!clearlyMoreRecent)
            {
                yield return $"a positive word, but median recency {recency:0} is not clearly better than the base's {all.MedianRecencyDays:0}";
            }

            if (!churnBelowBase || p.ChurnRate > all.ChurnRate)
            {
                yield return $"a positive word, but churn {p.ChurnRate:P1} is not clearly below the base's {all.ChurnRate:P1}";
            }
        }

        var claims = new (string Word, bool Holds, string Figure)[]
        {
            ("Champions", frequent && highValue, $"purchase days {p.MeanPurchaseDays:0.0} vs {all.MeanPurchaseDays:0.0}, profit {p.MeanProfit:0.00} vs {all.MeanProfit:0.00}"),
            ("Loyal", frequent, $"purchase days {p.MeanPurchaseDays:0.0} vs {all.MeanPurchaseDays:0.0}"),
            ("frequent", frequent, $"purchase days {p.MeanPurchaseDays:0.0} vs {all.MeanPurchaseDays:0.0}"),
            ("occasional", occasional, $"purchase days {p.MeanPurchaseDays:0.0} vs {all.MeanPurchaseDays:0.0}"),
            ("high-value", highValue, $"profit {p.MeanProfit:0.00} vs {all.MeanProfit:0.00}"),
            ("low-value", lowValue, $"profit {p.MeanProfit:0.00} vs {all.MeanProfit:0.00}"),
            ("loss-making", p.MeanProfit < 0, $"profit {p.MeanProfit:0.00}"),
            ("Hibernating", clearlyLessRecent && occasional && lowValue, $"recency {recency:0} vs {all.MedianRecencyDays:0}, purchase days {p.MeanPurchaseDays:0.0}, profit {p.MeanProfit:0.00}"),
            ("lapsing", clearlyLessRecent, $"recency {recency:0} vs {all.MedianRecencyDays:0}"),
            ("recent", clearlyMoreRecent, $"recency {recency:0} vs {all.MedianRecencyDays:0}"),
            ("at risk", churnAboveBase, $"churn {p.ChurnRate:P1} vs {all.ChurnRate:P1}"),
            ("low churn", churnBelowBase, $"churn {p.ChurnRate:P1} vs {all.ChurnRate:P1}"),
            ("Never bought", p.NoPurchaseShare >= SegmentNames.MajorityShare, $"{p.NoPurchaseShare:P0} without a purchase"),
            ("New", p.LifecycleMix?.New >= SegmentNames.MajorityShare, $"{p.LifecycleMix?.New:P0} new"),
            ("thin margin", p.MarginRate < all.MarginRate * SegmentNames.ThinMarginShare, $"margin {p.MarginRate:P1} vs {all.MarginRate:P1}"),
            ("average", !frequent && !occasional && !highValue && !lowValue && p.MeanProfit >= 0, $"purchase days {p.MeanPurchaseDays:0.0} vs {all.MeanPurchaseDays:0.0}, profit {p.MeanProfit:0.00} vs {all.MeanProfit:0.00}"),
            ("Typical", !clearlyMoreRecent && !clearlyLessRecent && !frequent && !occasional && !highValue && !lowValue && !churnAboveBase && !churnBelowBase, "every figure"),
        };
        foreach (var (word, holds, figure) in claims.Where(c => Has(name, c.Word) && !c.Holds))
        {
            yield return $"claims \"{word}\" but {figure}";
        }

        // A bracketed qualifier quotes a figure of this segment.
        if (p.Name.Length > name.Length)
        {
            var quoted = p.Name[(name.Length + 2)..^1];
            Assert.Contains(quoted, Qualifiers(p));
        }
    }

    private static IEnumerable<string> Qualifiers(SegmentProfile p) =>
    [
        $"median {p.MedianRecencyDays!.Value.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} days since purchase",
        $"{p.MeanPurchaseDays.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} purchase days",
        $"mean revenue {p.MeanRevenue.ToString("0", System.Globalization.CultureInfo.InvariantCulture)}",
        $"mean profit {p.MeanProfit.ToString("0", System.Globalization.CultureInfo.InvariantCulture)}",
    ];

    private static string BaseName(string name) => name.EndsWith(')') && name.IndexOf(" (", StringComparison.Ordinal) is > 0 and var open ? name[..open] : name;

    private static bool Has(string name, string word) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, $@"(^|[\s,–]){System.Text.RegularExpressions.Regex.Escape(word)}($|[\s,–])", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
}
