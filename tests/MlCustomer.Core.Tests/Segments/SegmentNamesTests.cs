using MlCustomer.Core.Segments;

namespace MlCustomer.Core.Tests.Segments;

public sealed class SegmentNamesTests
{
    // The committed sample's training customers, roughly: median recency 80 days, 5.2 purchase days, profit 125, 56% churned.
    private static readonly SegmentBase Base = new()
    {
        Customers = 8_913,
        MedianRecencyDays = 80,
        MeanRecencyDays = 168,
        MeanPurchaseDays = 5.2,
        MeanRevenue = 609,
        MeanProfit = 125,
        MarginRate = 0.27,
        ChurnRate = 0.556,
        FeatureStandardDeviations = [1, 1, 1, 1],
    };

    [Theory]
    [InlineData(27, 12.7, 389, 0.33, "Champions")]
    [InlineData(27, 12.7, 130, 0.33, "Loyal")]
    [InlineData(27, 12.7, 40, 0.33, "Loyal – low-value")]
    [InlineData(300, 1.0, 20, 0.90, "Hibernating")]
    [InlineData(85, 5.0, 125, 0.55, "Typical customers")]
    [InlineData(40, 5.0, 125, 0.45, "Average buyers – active")]
    [InlineData(80, 5.0, 125, 0.45, "Average buyers – low churn")]
    [InlineData(98, 2.4, 64, 0.57, "Low-value occasional buyers")]
    [InlineData(169, 2.5, -52, 0.65, "Loss-making occasional buyers – lapsing")]
    // Recent, frequent and big, but churning more than the base: no positive word.
    [InlineData(27, 12.7, 389, 0.62, "High-value frequent buyers – recent but at risk")]
    // The real retailer's "Champions": 2.5 purchase days, 134 days since the last purchase, 56% churned.
    [InlineData(134, 2.5, 200, 0.56, "High-value occasional buyers – lapsing")]
    public void ASegmentIsNamedOnlyForWhatItsProfileShowsAgainstTheBase(
        double medianRecencyDays, double purchaseDays, double profit, double churn, string expected)
    {
        var profile = Profile(1, medianRecencyDays, purchaseDays, profit, churn);

        var (name, reason) = SegmentNames.Name(profile, Base);

        Assert.Equal(expected, name);
        Assert.StartsWith(expected + ": ", reason, StringComparison.Ordinal);
        Assert.Contains($"against the base's {Base.MedianRecencyDays:0}", reason, StringComparison.Ordinal);
        Assert.Empty(SegmentNameAudit.Problems(profile with { Name = name, NameReason = reason }, Base));
    }

    [Fact]
    public void MostMembersWithoutAPurchaseAreNamedNeverBought()
    {
        var profile = Profile(1, 300, 0.2, -25, 0.9) with { NoPurchaseShare = 0.85 };

        Assert.Equal("Never bought", SegmentNames.Name(profile, Base).Name);
    }

    [Fact]
    public void MostMembersNewInTheLifecycleAreNamedNew()
    {
        var profile = Profile(1, 20, 1.5, 30, 0.55) with { LifecycleMix = new LifecycleMix(0.7, 0.2, 0.1, 0, 0) };

        Assert.Equal("New low-value occasional buyers – recent", SegmentNames.Name(profile, Base).Name);
    }

    [Fact]
    public void WithoutChurnLabelsNoSegmentEarnsAPositiveWord()
    {
        var profile = Profile(1, 27, 12.7, 389, churn: null);

        Assert.Equal("High-value frequent buyers – recent", SegmentNames.Name(profile, Base with { ChurnRate = null }).Name);
    }

    [Fact]
    public void ManySimilarSegmentsThatWouldShareANameAreToldApartByTheFigureWhereTheyDifferMost()
    {
        // Six lapsing, occasional, low-value segments (each alone would be "Hibernating") whose centres differ
        // mostly in recency (slot 0), a little in revenue (slot 2).
        var segments = Enumerable.Range(0, 6)
            .Select(i => Profile(i + 1, 200 + 50 * i, 1.0 + 0.01 * i, 20 + i, 0.8) with { Centroid = [5.3 + 0.2 * i, 0.7, 3 + 0.01 * i, 3] })
            .ToList();
        Assert.All(segments, s => Assert.Equal("Hibernating", SegmentNames.Name(s, Base).Name));

        var named = SegmentNames.NameAll(segments, Base);

        Assert.Equal(
            ["median 200 days since purchase", "median 250 days since purchase", "median 300 days since purchase", "median 350 days since purchase", "median 400 days since purchase", "median 450 days since purchase"],
            named.Select(s => s.Name.Replace("Hibernating (", "", StringComparison.Ordinal).TrimEnd(')')));
        Assert.All(named, s => Assert.Contains("6 segments earn \"Hibernating\": told apart by recency", s.NameReason, StringComparison.Ordinal));
        SegmentNameAudit.AssertTruthful(named, Base);
    }

    [Fact]
    public void SegmentsThatDifferMostInRevenueAreToldApartByRevenue()
    {
        var segments = new[]
        {
            Profile(1, 85, 5, 125, 0.55) with { MeanRevenue = 400, Centroid = [4.4, 1.8, 6.0, 4.8] },
            Profile(2, 86, 5, 126, 0.55) with { MeanRevenue = 900, Centroid = [4.4, 1.8, 6.8, 4.8] },
        };

        var named = SegmentNames.NameAll(segments, Base);

        Assert.Equal(["Typical customers (mean revenue 400)", "Typical customers (mean revenue 900)"], named.Select(s => s.Name));
        SegmentNameAudit.AssertTruthful(named, Base);
    }

    [Fact]
    public void TheRuleInTheCardNamesEveryThreshold()
    {
        Assert.Contains("×1.25", SegmentNames.Rule, StringComparison.Ordinal);
        Assert.Contains("5 points", SegmentNames.Rule, StringComparison.Ordinal);
        Assert.Contains("\"Champions\" when recency is clearly better, frequency and value clearly higher and churn clearly lower", SegmentNames.Rule, StringComparison.Ordinal);
    }

    private static SegmentProfile Profile(int id, double medianRecencyDays, double purchaseDays, double profit, double? churn) => new()
    {
        Id = id,
        Name = "",
        NameReason = "",
        Customers = 1_000,
        ShareOfCustomers = 0.1,
        ShareOfProfit = 0.1,
        MeanRecencyDays = medianRecencyDays * 1.5,
        MedianRecencyDays = medianRecencyDays,
        MeanPurchaseDays = purchaseDays,
        MeanRevenue = Math.Max(profit, 0) * 4,
        MeanProfit = profit,
        MarginRate = 0.27,
        MeanTenureDays = 500,
        NoPurchaseShare = 0,
        ChurnRate = churn,
        Centroid = [Math.Log(1 + medianRecencyDays), Math.Log(1 + purchaseDays), SegmentFeatures.SignedLog(profit * 4), SegmentFeatures.SignedLog(profit)],
    };
}
