using System.Globalization;

namespace MlCustomer.Core.Segments;

/// <summary>Where a segment's figure sits against the whole base's.</summary>
public enum Standing
{
    /// <summary>Clearly below the base (see <see cref="SegmentNames.ClearRatio"/>, <see cref="SegmentNames.ClearChurnPoints"/>).</summary>
    Below,

    /// <summary>Neither clearly below nor clearly above.</summary>
    Around,

    /// <summary>Clearly above the base.</summary>
    Above,

    /// <summary>Not measured (churn without labels).</summary>
    Unknown,
}

/// <summary>
/// What a segment's profile says against the whole base, the facts a name may claim.
/// </summary>
/// <param name="Recency">Median days since the last purchase against the base's median (Below = more recent).</param>
/// <param name="Frequency">Mean purchase days against the base's mean.</param>
/// <param name="Value">Mean profit against the base's mean.</param>
/// <param name="Churn">Churn label rate against the base's.</param>
/// <param name="LossMaking">Mean profit below 0.</param>
/// <param name="ThinMargin">Gross margin below <see cref="SegmentNames.ThinMarginShare"/> of the base's.</param>
/// <param name="NeverBought">At least half the members have no purchase day.</param>
/// <param name="New">At least half the members are lifecycle stage "new" (false when the lifecycle mix is not measured).</param>
public sealed record SegmentTraits(
    Standing Recency, Standing Frequency, Standing Value, Standing Churn, bool LossMaking, bool ThinMargin, bool NeverBought, bool New);

/// <summary>
/// Segment names that say only what the segment's profile shows against the whole base (the training customers):
/// every word of a name is a claim about a figure of the profile, and the name's reason quotes the figures.
/// Names are unique: segments that would share one are told apart by the figure on which they differ most.
/// </summary>
public static class SegmentNames
{
    /// <summary>A figure is clearly above the base at this multiple of it or more, clearly below at its inverse or less (recency, frequency, value).</summary>
    public const double ClearRatio = 1.25;

    /// <summary>A churn rate is clearly above or below the base's by this many percentage points (as a fraction).</summary>
    public const double ClearChurnPoints = 0.05;

    /// <summary>A margin below this share of the base's margin is thin.</summary>
    public const double ThinMarginShare = 0.6;

    /// <summary>The share of members that makes a segment "never bought" or "new".</summary>
    public const double MajorityShare = 0.5;

    /// <summary>The naming rule in words, for the model card and the report.</summary>
    public static string Rule { get; } = string.Create(
        CultureInfo.InvariantCulture,
        $"Each figure of a segment is compared with the whole base's (the training customers): recency = median days since the last purchase against the base's median; " +
        $"frequency = mean purchase days, value = mean profit after cost-to-serve, each against the base's mean; churn = the share who churned in the horizon (the label) against the base's share. " +
        $"A figure is clearly higher at ×{ClearRatio:0.##} the base or more and clearly lower at ÷{ClearRatio:0.##} or less (fewer days is the better recency; " +
        $"against a negative base, the same distance from it); churn is clearly lower or higher by {ClearChurnPoints * 100:0.#} points; anything between is average and the name says nothing about it. " +
        $"First match names the segment: \"Never bought\" when at least {MajorityShare * 100:0}% of members have no purchase day; " +
        $"\"Champions\" when recency is clearly better, frequency and value clearly higher and churn clearly lower; " +
        $"\"Loyal\" when recency is clearly better, frequency clearly higher and churn clearly lower (with the value word when value is not average); " +
        $"\"Hibernating\" when recency is clearly worse and frequency and value clearly lower (not loss-making); " +
        $"\"Typical customers\" when no figure differs clearly; otherwise a description: \"New\" when at least {MajorityShare * 100:0}% are lifecycle stage new, " +
        $"a value word (\"loss-making\" for a mean profit below 0, \"high-value\", \"low-value\"), a frequency word (\"frequent\", \"occasional\"), \"buyers\" " +
        $"(\"average buyers\" when neither differs), \"thin margin\" when gross margin is below {ThinMarginShare * 100:0}% of the base's, " +
        $"then the state: \"active\" (recency clearly better and churn clearly lower), \"recent\" (recency clearly better), \"at risk\" (churn clearly higher, recency not clearly worse), " +
        $"\"lapsing\" (recency clearly worse), \"low churn\" (churn clearly lower), each part after a dash. " +
        $"Segments that would get the same name are told apart by the figure where their centres differ most in the units the clustering compares (recency, purchase days, revenue or profit), quoted in brackets.");

    /// <summary>The profile's standing against the base.</summary>
    public static SegmentTraits Traits(SegmentProfile segment, SegmentBase all)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(all);
        // Fewer days since the last purchase is better: "Below" means more recent.
        var recency = Compare(segment.MedianRecencyDays ?? segment.MeanRecencyDays, all.MedianRecencyDays);
        var churn = segment.ChurnRate is { } rate && all.ChurnRate is { } baseRate
            ? rate <= baseRate - ClearChurnPoints ? Standing.Below : rate >= baseRate + ClearChurnPoints ? Standing.Above : Standing.Around
            : Standing.Unknown;
        return new SegmentTraits(
            recency,
            Compare(segment.MeanPurchaseDays, all.MeanPurchaseDays),
            Compare(segment.MeanProfit, all.MeanProfit),
            churn,
            LossMaking: segment.MeanProfit < 0,
            ThinMargin: segment.MarginRate is { } margin && all.MarginRate is { } baseMargin && baseMargin > 0 && margin < baseMargin * ThinMarginShare,
            NeverBought: segment.NoPurchaseShare >= MajorityShare,
            New: segment.LifecycleMix is { } mix && mix.New >= MajorityShare);
    }

    /// <summary>The name a profile earns on its own (before telling apart segments that share it), with the reason.</summary>
    public static (string Name, string Reason) Name(SegmentProfile segment, SegmentBase all)
    {
        var t = Traits(segment, all);
        var recent = t.Recency == Standing.Below;
        var lowChurn = t.Churn == Standing.Below;
        var (name, rule) = t switch
        {
            { NeverBought: true } => ("Never bought", $"at least {Show(MajorityShare)} of members have no purchase day ({Show(segment.NoPurchaseShare ?? 0)})"),
            { Frequency: Standing.Above, Value: Standing.Above } when recent && lowChurn => ("Champions", "recency clearly better, frequency and value clearly higher, churn clearly lower"),
            { Frequency: Standing.Above } when recent && lowChurn => (
                t.Value switch { Standing.Below => t.LossMaking ? "Loyal – loss-making" : "Loyal – low-value", _ => "Loyal" },
                "recency clearly better, frequency clearly higher, churn clearly lower"),
            { Recency: Standing.Above, Frequency: Standing.Below, Value: Standing.Below, LossMaking: false } => ("Hibernating", "recency clearly worse, frequency and value clearly lower"),
            _ => Describe(t),
        };
        return (name, $"{name}: {rule}; {Facts(segment, all, t, name.Contains("thin margin", StringComparison.Ordinal))}");
    }

    /// <summary>
    /// Names every segment, unique: segments that would share a name are told apart by the figure on which their
    /// centres differ most, quoted in brackets; the reason says so.
    /// </summary>
    public static IReadOnlyList<SegmentProfile> NameAll(IReadOnlyList<SegmentProfile> segments, SegmentBase all)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(all);
        var named = segments.Select(s => (Segment: s, Named: Name(s, all))).ToList();
        var result = named.Select(n => n.Segment with { Name = n.Named.Name, NameReason = n.Named.Reason }).ToArray();
        foreach (var group in Enumerable.Range(0, named.Count).GroupBy(i => named[i].Named.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var members = group.ToList();
            var qualifiers = Qualifiers(members.Select(i => segments[i]).ToList(), all);
            for (var k = 0; k < members.Count; k++)
            {
                var i = members[k];
                result[i] = result[i] with
                {
                    Name = $"{named[i].Named.Name} ({qualifiers.Texts[k]})",
                    NameReason = $"{named[i].Named.Reason}; {members.Count} segments earn \"{named[i].Named.Name}\": told apart by {qualifiers.Dimension}, where their centres differ most",
                };
            }
        }

        return result;
    }

    private static (string Name, string Rule) Describe(SegmentTraits t)
    {
        var value = t.LossMaking ? "loss-making" : t.Value switch { Standing.Above => "high-value", Standing.Below => "low-value", _ => null };
        var frequency = t.Frequency switch { Standing.Above => "frequent", Standing.Below => "occasional", _ => null };
        var state = (t.Recency, t.Churn) switch
        {
            (Standing.Below, Standing.Below) => "active",
            (Standing.Below, Standing.Above) => "recent but at risk",
            (Standing.Below, _) => "recent",
            (Standing.Above, Standing.Below) => "lapsing but low churn",
            (Standing.Above, _) => "lapsing",
            (_, Standing.Above) => "at risk",
            (_, Standing.Below) => "low churn",
            _ => null,
        };
        if (!t.New && value is null && frequency is null && state is null && !t.ThinMargin)
        {
            return ("Typical customers", "no figure differs clearly from the base");
        }

        var words = new List<string>();
        if (t.New)
        {
            words.Add("new");
        }

        words.AddRange(new[] { value, frequency }.OfType<string>());
        if (value is null && frequency is null)
        {
            words.Add("average");
        }

        words.Add("buyers");
        var name = string.Join(' ', words);
        name = char.ToUpperInvariant(name[0]) + name[1..];
        if (t.ThinMargin)
        {
            name += " – thin margin";
        }

        if (state is not null)
        {
            name += $" – {state}";
        }

        return (name, "described by the figures that differ clearly from the base");
    }

    private static string Facts(SegmentProfile s, SegmentBase all, SegmentTraits t, bool thinMargin)
    {
        var facts = new List<string>
        {
            $"median {Days(s.MedianRecencyDays ?? s.MeanRecencyDays)} days since the last purchase against the base's {Days(all.MedianRecencyDays)} ({Word(t.Recency, "less recent", "more recent")})",
            $"{Number(s.MeanPurchaseDays)} purchase days on average against {Number(all.MeanPurchaseDays)} ({Word(t.Frequency, "higher", "lower")})",
            $"mean profit {Money(s.MeanProfit)} against {Money(all.MeanProfit)} ({Word(t.Value, "higher", "lower")})",
            t.Churn == Standing.Unknown
                ? "churn not measured (no labels)"
                : $"churn {Show(s.ChurnRate!.Value)} against {Show(all.ChurnRate!.Value)} ({Word(t.Churn, "higher", "lower")})",
        };
        if (thinMargin)
        {
            facts.Add($"margin {Show(s.MarginRate!.Value)} against {Show(all.MarginRate!.Value)}");
        }

        if (t.New)
        {
            facts.Add($"{Show(s.LifecycleMix!.New)} of members are new");
        }

        return string.Join(", ", facts);
    }

    private static string Word(Standing standing, string above, string below) => standing switch
    {
        Standing.Above => $"clearly {above}",
        Standing.Below => $"clearly {below}",
        _ => "average",
    };

    private static Standing Compare(double value, double baseValue)
    {
        var tolerance = Math.Abs(baseValue);
        if (tolerance == 0)
        {
            return value > 0 ? Standing.Above : value < 0 ? Standing.Below : Standing.Around;
        }

        return value >= baseValue + tolerance * (ClearRatio - 1) ? Standing.Above
            : value <= baseValue - tolerance * (1 - 1 / ClearRatio) ? Standing.Below
            : Standing.Around;
    }

    private static (string Dimension, IReadOnlyList<string> Texts) Qualifiers(IReadOnlyList<SegmentProfile> segments, SegmentBase all)
    {
        var dimensions = new (string Name, int Slot, Func<SegmentProfile, string> Text)[]
        {
            ("recency", 0, s => $"median {Whole(s.MedianRecencyDays ?? s.MeanRecencyDays)} days since purchase"),
            ("purchase days", 1, s => $"{s.MeanPurchaseDays.ToString("0.0", CultureInfo.InvariantCulture)} purchase days"),
            ("revenue", 2, s => $"mean revenue {Whole(s.MeanRevenue)}"),
            ("profit", 3, s => $"mean profit {Whole(s.MeanProfit)}"),
        };

        // The smallest gap between neighbours along a dimension, in standard deviations of the base: the larger it
        // is, the better that dimension tells every member apart.
        double Separation(int slot)
        {
            var sd = all.FeatureStandardDeviations.Count > slot && all.FeatureStandardDeviations[slot] > 0 ? all.FeatureStandardDeviations[slot] : 1;
            var sorted = segments.Select(s => s.Centroid[slot] / sd).Order().ToList();
            return sorted.Zip(sorted.Skip(1), (a, b) => b - a).Min();
        }

        foreach (var d in dimensions.OrderByDescending(d => Separation(d.Slot)))
        {
            var texts = segments.Select(d.Text).ToList();
            if (texts.Distinct(StringComparer.Ordinal).Count() == texts.Count)
            {
                return (d.Name, texts);
            }
        }

        // Every figure rounds alike: quote them all.
        return ("every figure", segments.Select(s => string.Join(" / ", dimensions.Select(d => d.Text(s)))).ToList());
    }

    private static string Show(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Days(double days) => days.ToString("#,0", CultureInfo.InvariantCulture);

    // Names carry no comma (no thousands separator either), so that a CSV column or a list of names needs no quoting.
    private static string Whole(double value) => value.ToString("0", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("#,0.0", CultureInfo.InvariantCulture);

    private static string Money(double value) => value.ToString("#,0.00", CultureInfo.InvariantCulture);
}
