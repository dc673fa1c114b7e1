using FsCheck;
using FsCheck.Fluent;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Tests.Tiers;

public sealed class ProfitTiersTests
{
    private static TierCutoffs Learn(double[] profits, RuleSet? rules = null) =>
        ProfitTiers.Learn(profits.Select(p => (p, Math.Max(p, 0) * 10)).ToList(), rules ?? RuleSet.Default);

    private static string TiersOf(TierCutoffs cutoffs, double[] profits) =>
        string.Concat(profits.Select(p => cutoffs.Assign(p).ToString()));

    public static TheoryData<string, double[], string> Rankings => new()
    {
        // name, profits (any order), expected tiers in the same order
        { "ten distinct profits split 2/3/3/2", [100, 90, 80, 70, 60, 50, 40, 30, 20, 10], "AABBBCCCDD" },
        { "order of the input does not matter", [10, 100, 50, 90, 20, 80, 30, 70, 40, 60], "DACADBCBCB" },
        { "a tie straddling A/B whose middle is in B goes to B, so A is smaller", [100, 90, 90, 90, 60, 50, 40, 30, 20, 10], "ABBBBCCCDD" },
        { "a tie straddling A/B whose middle is in A goes to A, so A is larger", [90, 90, 90, 70, 60, 50, 40, 30, 20, 10], "AAABBCCCDD" },
        { "a tie whose middle falls exactly on a boundary goes to the lower tier", [100, 90, 90, 70, 60, 50, 40, 30, 20, 10], "ABBBBCCCDD" },
        { "a pile of zero profits mostly in the bottom 20% goes to D", [500, 400, 300, 200, 100, 80, 60, 0, 0, 0], "AABBBCCDDD" },
        { "all profits equal: everyone at the middle, tier C", [7, 7, 7, 7, 7], "CCCCC" },
        { "all profits equal to zero: tier C", [0, 0, 0], "CCC" },
        { "a single customer is at the middle: tier C", [42], "C" },
        { "two customers: 25% and 75% positions", [5, 1], "BC" },
        { "negative profits rank like any other", [-10, -20, -30, -40, -50], "ABCCD" },
    };

    [Theory]
    [MemberData(nameof(Rankings))]
    public void PercentileTiersFollowTheMiddleOfEachTiedRun(string name, double[] profits, string expected)
    {
        var cutoffs = Learn(profits);

        Assert.True(expected == TiersOf(cutoffs, profits), $"{name}: expected {expected}, got {TiersOf(cutoffs, profits)}");
        Assert.Equal(profits.Length, cutoffs.Counts.Total);
        Assert.Equal(expected.Count(c => c == 'A'), cutoffs.Counts.A);
        Assert.Equal(expected.Count(c => c == 'D'), cutoffs.Counts.D);
    }

    [Fact]
    public void CutOffsAreTheLowestProfitOfEachTier()
    {
        var cutoffs = Learn([100, 90, 80, 70, 60, 50, 40, 30, 20, 10]);

        Assert.Equal((90.0, 60.0, 30.0), (cutoffs.ProfitCutoffA!.Value, cutoffs.ProfitCutoffB!.Value, cutoffs.ProfitCutoffC!.Value));
        Assert.Equal(new TierCounts(2, 3, 3, 2), cutoffs.Counts);
    }

    [Theory]
    [InlineData(90, ProfitTier.A)]
    [InlineData(89.99, ProfitTier.B)]
    [InlineData(1e9, ProfitTier.A)]
    [InlineData(60, ProfitTier.B)]
    [InlineData(59.99, ProfitTier.C)]
    [InlineData(30, ProfitTier.C)]
    [InlineData(29.99, ProfitTier.D)]
    [InlineData(-1e9, ProfitTier.D)]
    public void ScoringOneCustomerLaterUsesTheStoredCutOffs(double profit, ProfitTier expected)
    {
        var cutoffs = Learn([100, 90, 80, 70, 60, 50, 40, 30, 20, 10]);

        Assert.Equal(expected, cutoffs.Assign(profit));
    }

    [Fact]
    public void AllEqualProfitsLeaveTiersAAndBEmptyAndEveryLaterProfitAtMostC()
    {
        var cutoffs = Learn([7, 7, 7, 7, 7]);

        Assert.Null(cutoffs.ProfitCutoffA);
        Assert.Null(cutoffs.ProfitCutoffB);
        Assert.Equal(7, cutoffs.ProfitCutoffC);
        Assert.Equal(ProfitTier.C, cutoffs.Assign(1_000));
        Assert.Equal(ProfitTier.D, cutoffs.Assign(6.99));
        Assert.Contains("A empty", cutoffs.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void LossMakingCustomersAreCountedWhateverTheirTier()
    {
        var cutoffs = Learn([-10, -20, -30, -40, -50]);

        Assert.Equal(5, cutoffs.LossMaking);
        Assert.Equal(new TierCounts(1, 1, 2, 1), cutoffs.Counts);
    }

    [Theory]
    [InlineData(1500, ProfitTier.A)]
    [InlineData(1000, ProfitTier.A)]
    [InlineData(999.99, ProfitTier.B)]
    [InlineData(250, ProfitTier.B)]
    [InlineData(0, ProfitTier.C)]
    [InlineData(-0.01, ProfitTier.D)]
    public void AbsoluteModeUsesTheThresholdsOfTheRules(double profit, ProfitTier expected)
    {
        var rules = RuleSet.Default with { Tiers = new TierRules { Mode = TierMode.Absolute, Thresholds = new() { A = 1000, B = 250, C = 0 } } };

        var cutoffs = Learn([5000, 10, 10, -3], rules);

        Assert.Equal(expected, cutoffs.Assign(profit));
        Assert.Equal(new TierCounts(1, 0, 2, 1), cutoffs.Counts);
        Assert.Null(cutoffs.SharesPercent);
    }

    [Fact]
    public void AbsoluteModeNeedsNoCustomers()
    {
        var rules = RuleSet.Default with { Tiers = new TierRules { Mode = TierMode.Absolute, Thresholds = new() { A = 1000, B = 250, C = 0 } } };

        var cutoffs = ProfitTiers.Learn([], rules);

        Assert.Equal(ProfitTier.B, cutoffs.Assign(300));
        Assert.Null(cutoffs.RevenueCutoffTop);
    }

    [Fact]
    public void PercentileModeWithoutCustomersIsAnError()
    {
        var error = Assert.Throws<ArgumentException>(() => ProfitTiers.Learn([], RuleSet.Default));

        Assert.Contains("no customers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonFiniteProfitIsAnErrorNamingTheCustomer()
    {
        var error = Assert.Throws<ArgumentException>(() => ProfitTiers.Learn([(1, 1), (double.NaN, 1)], RuleSet.Default));

        Assert.Contains("customer #1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RevenueCutOffIsTheLowestRevenueOfTheTopShare()
    {
        var customers = Enumerable.Range(1, 10).Select(i => (Profit: (double)i, Revenue: i * 100.0)).ToList();

        var cutoffs = ProfitTiers.Learn(customers, RuleSet.Default);

        Assert.Equal(900, cutoffs.RevenueCutoffTop);
        Assert.True(cutoffs.IsTopRevenue(900));
        Assert.False(cutoffs.IsTopRevenue(899.99));
    }

    [Fact]
    public void CustomersWithoutRevenueAreNeverBig()
    {
        // Returns exceeding purchases make revenue negative, so a run of zeros can be the top 20%.
        double[] revenues = [0, 0, 0, -1, -2, -3, -4, -5, -6, -7];

        var cutoffs = ProfitTiers.Learn([.. revenues.Select(r => (1.0, r))], RuleSet.Default);

        Assert.Equal(0, cutoffs.RevenueCutoffTop);
        Assert.False(cutoffs.IsTopRevenue(0));
        Assert.True(cutoffs.IsTopRevenue(50));
    }

    [Fact]
    public void SharesOtherThanTheDefaultAreHonoured()
    {
        var rules = RuleSet.Default with { Tiers = new TierRules { SharesPercent = new() { A = 10, B = 10, C = 30, D = 50 } } };

        var cutoffs = Learn([.. Enumerable.Range(1, 20).Select(i => (double)i)], rules);

        Assert.Equal(new TierCounts(2, 2, 6, 10), cutoffs.Counts);
    }

    [Fact]
    public void CutOffsSurviveTheModelCardJson()
    {
        var cutoffs = Learn([100, 90, 80, 70, 60, 50, 40, 30, 20, 10]);

        var json = System.Text.Json.JsonSerializer.Serialize(cutoffs, ModelBundle.CardJson);
        var back = System.Text.Json.JsonSerializer.Deserialize<TierCutoffs>(json, ModelBundle.CardJson);

        Assert.Equal(cutoffs, back);
    }

    [Fact]
    public void DescriptionNamesCutOffsSharesCountsAndTheTieRule()
    {
        var description = Learn([100, 90, 80, 70, 60, 50, 40, 30, 20, 10]).Describe();

        Assert.Equal(
            "percentile tiers by profit in the last 365 days: A ≥ 90.00 (top 20%), B ≥ 60.00 (next 30%), C ≥ 30.00 (next 30%), D below (bottom 20%); " +
            "10 customers: A 2, B 3, C 3, D 2, 0 loss-making; equal profits share a tier, the one where the middle of the tied group falls; big customers: revenue ≥ 900.00 (top 20%)",
            description);
    }

    [Fact]
    public void CutOffsLearnedWithOtherSharesRefuseRulesThatAskForOthers()
    {
        var cutoffs = Learn([100, 90, 80, 70, 60, 50, 40, 30, 20, 10]);
        var other = RuleSet.Default with { Tiers = new TierRules { SharesPercent = new() { A = 10, B = 40, C = 30, D = 20 } } };
        var otherRevenue = RuleSet.Default with { FalseBigCustomer = new() { RevenueTopPercent = 10 } };

        Assert.Null(cutoffs.Mismatch(RuleSet.Default));
        Assert.Contains("shares 20/30/30/20, the rules ask for percentile shares 10/40/30/20", cutoffs.Mismatch(other), StringComparison.Ordinal);
        Assert.Contains("top 20%, the rules ask for the top 10%", cutoffs.Mismatch(otherRevenue), StringComparison.Ordinal);
    }

    // ---- properties ----

    private static readonly Gen<TierShares> SharesGen =
        Gen.Piles(4, 100).Select(p => new TierShares { A = p[0], B = p[1], C = p[2], D = p[3] });

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property DistinctProfitsFillEachTierWithinOneCustomerOfItsShare()
    {
        var gen =
            from n in Gen.Choose(1, 400)
            from shuffled in Gen.Shuffle(Enumerable.Range(0, n).Select(i => (i * 7.5) - 300))
            from shares in SharesGen
            select (Profits: shuffled, Shares: shares);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var cutoffs = Learn(c.Profits, RuleSet.Default with { Tiers = new TierRules { SharesPercent = c.Shares } });
            var n = c.Profits.Length;
            return Enum.GetValues<ProfitTier>().All(t => Math.Abs(cutoffs.Counts.Of(t) - (n * c.Shares.Of(t) / 100)) <= 1) &&
                cutoffs.Counts.Total == n;
        });
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property EqualProfitsShareTheTierWhereTheMiddleOfTheirRunFalls()
    {
        var gen =
            from n in Gen.Choose(1, 120)
            from values in Gen.ArrayOf(Gen.Choose(-3, 6).Select(v => v * 25.0), n)
            from shares in SharesGen
            select (Profits: values, Shares: shares);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rules = RuleSet.Default with { Tiers = new TierRules { SharesPercent = c.Shares } };
            var cutoffs = Learn(c.Profits, rules);
            var n = c.Profits.Length;
            var cumulative = new[] { c.Shares.A, c.Shares.A + c.Shares.B, c.Shares.A + c.Shares.B + c.Shares.C };
            return c.Profits.All(p =>
            {
                // The definition, computed independently: position of the middle of the run of equal profits.
                var greater = c.Profits.Count(q => q > p);
                var equal = c.Profits.Count(q => q == p);
                // Compared as "middle × 100 ≥ boundary × n" (exact in doubles) rather than as a percentage, whose
                // division rounds a middle that falls exactly on a boundary to either side.
                var middleTimes100 = (greater + (equal / 2.0)) * 100;
                var expected = (ProfitTier)cumulative.Count(boundary => middleTimes100 >= boundary * (double)n);
                return cutoffs.Assign(p) == expected;
            });
        });
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property TiesMoveEachBoundaryByAtMostHalfTheTiedRun()
    {
        var gen =
            from n in Gen.Choose(1, 120)
            from values in Gen.ArrayOf(Gen.Choose(0, 8).Select(v => (double)v), n)
            select values;
        return Prop.ForAll(gen.ToArbitrary(), profits =>
        {
            var cutoffs = Learn(profits);
            var n = profits.Length;
            var above = 0;
            foreach (var (tier, cumulativeShare) in new[] { (ProfitTier.A, 20.0), (ProfitTier.B, 50.0), (ProfitTier.C, 80.0) })
            {
                above += cutoffs.Counts.Of(tier);
                var target = n * cumulativeShare / 100;

                // The run of equal profits the boundary cuts (if any) may move it by half its length.
                var boundaryValue = profits.OrderByDescending(p => p).ElementAt(Math.Clamp((int)Math.Floor(target), 0, n - 1));
                var run = profits.Count(p => p == boundaryValue);
                if (Math.Abs(above - target) > (run / 2.0) + 0.5)
                {
                    return false;
                }
            }

            return true;
        });
    }
}
