namespace MlCustomer.Core.Tiers;

/// <summary>
/// Learns the profit-tier cut-offs from the training customers (fit), which <see cref="TierCutoffs.Assign"/>
/// then applies to any customer (predict).
/// </summary>
/// <remarks>
/// <para>Percentile tiers rank customers by profit, highest first. Each customer's position is the middle of
/// the run of customers with the same profit: with <c>g</c> customers strictly above and <c>e</c> equal
/// (itself included), position = (g + e/2) / n. A customer is in A when the position is below the A share,
/// in B when below A + B, in C when below A + B + C, otherwise D. Consequences:</para>
/// <list type="bullet">
/// <item>Distinct profits: the first k tiers together hold n × (their shares) customers rounded to the nearest
/// whole customer (a half rounds down), so each tier is within one customer of its share.</item>
/// <item>Equal profits always share a tier: a tied run goes, whole, to the tier where its middle falls. That
/// moves a boundary by at most half the run, towards the tier the run mostly lies in. The usual large run
/// (customers with profit exactly 0) therefore goes to D when most of it is in the bottom 20%.</item>
/// <item>All profits equal (or one customer): everyone is at position 1/2, which with the default shares
/// (B ends at 50%) is tier C: nobody stands out, so nobody is placed above or below the middle.</item>
/// <item>Negative profits rank like any other; loss-making is a separate flag whatever the tier.</item>
/// <item>The cut-off of a tier is the lowest profit in it, so <see cref="TierCutoffs.Assign"/> gives every
/// training customer the tier the ranking gave; a tier nobody reached has no cut-off.</item>
/// </list>
/// <para>The revenue cut-off of the false-big-customer rule ("top 20% by revenue") uses the same positions.</para>
/// </remarks>
public static class ProfitTiers
{
    /// <summary>Learns tier cut-offs (percentile mode) or takes them from the rules (absolute mode), and the revenue cut-off.</summary>
    /// <param name="customers">Profit (<see cref="Profit.Net"/> with the rules' cost-to-serve rule) and revenue of every training customer over the trailing window.</param>
    /// <param name="rules">The rules; their tier settings and the false-big-customer revenue share are used.</param>
    /// <exception cref="ArgumentException">A profit or revenue is not finite, or percentile mode without customers.</exception>
    /// <exception cref="RuleSetException">The rules are not valid.</exception>
    public static TierCutoffs Learn(IReadOnlyList<(double Profit, double Revenue)> customers, RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(rules);
        var problems = rules.Validate();
        if (problems.Count > 0)
        {
            throw new RuleSetException("rules", problems);
        }

        var profits = new double[customers.Count];
        var revenues = new double[customers.Count];
        for (var i = 0; i < customers.Count; i++)
        {
            (profits[i], revenues[i]) = customers[i];
            if (!double.IsFinite(profits[i]) || !double.IsFinite(revenues[i]))
            {
                throw new ArgumentException($"customer #{i} has profit {profits[i]} and revenue {revenues[i]}; both must be finite numbers.", nameof(customers));
            }
        }

        var tierRules = rules.Tiers;
        double? a, b, c;
        if (tierRules.Mode == TierMode.Percentile)
        {
            if (profits.Length == 0)
            {
                throw new ArgumentException("there are no customers to learn percentile tiers from.", nameof(customers));
            }

            var shares = tierRules.SharesPercent;
            var bands = MidRankBands(profits, [shares.A, shares.A + shares.B, shares.A + shares.B + shares.C]);
            (a, b, c) = (LowestIn(profits, bands, 0), LowestIn(profits, bands, 1), LowestIn(profits, bands, 2));
        }
        else
        {
            var thresholds = tierRules.Thresholds!;
            (a, b, c) = (thresholds.A, thresholds.B, thresholds.C);
        }

        var topPercent = rules.FalseBigCustomer.RevenueTopPercent;
        double? revenueCutoff = null;
        if (revenues.Length > 0)
        {
            var revenueBands = MidRankBands(revenues, [topPercent]);
            revenueCutoff = LowestIn(revenues, revenueBands, 0);
        }

        var cutoffs = new TierCutoffs
        {
            Mode = tierRules.Mode,
            SharesPercent = tierRules.Mode == TierMode.Percentile ? tierRules.SharesPercent : null,
            WindowDays = tierRules.WindowDays,
            CostToServe = rules.CostToServe,
            ProfitCutoffA = a,
            ProfitCutoffB = b,
            ProfitCutoffC = c,
            RevenueTopPercent = topPercent,
            RevenueCutoffTop = revenueCutoff,
            Counts = new TierCounts(0, 0, 0, 0),
            LossMaking = profits.Count(p => p < 0),
        };
        var counts = new int[4];
        foreach (var profit in profits)
        {
            counts[(int)cutoffs.Assign(profit)]++;
        }

        return cutoffs with { Counts = new TierCounts(counts[0], counts[1], counts[2], counts[3]) };
    }

    /// <summary>
    /// The band of each value by mid-rank position, highest value first: band j is the first with
    /// position × 100 &lt; <paramref name="cumulativePercents"/>[j]; values past the last boundary get the
    /// band after it. Equal values get the same band.
    /// </summary>
    internal static int[] MidRankBands(IReadOnlyList<double> values, ReadOnlySpan<double> cumulativePercents)
    {
        var n = values.Count;
        var order = Enumerable.Range(0, n).OrderByDescending(i => values[i]).ToArray();
        var bands = new int[n];
        var start = 0;
        while (start < n)
        {
            var end = start + 1;
            while (end < n && values[order[end]] == values[order[start]])
            {
                end++;
            }

            // Position of the run's middle, (start + end) / 2n, compared in percent without dividing by n.
            var middleTimes100 = (start + end) * 50.0;
            var band = 0;
            while (band < cumulativePercents.Length && !(middleTimes100 < n * cumulativePercents[band]))
            {
                band++;
            }

            for (var k = start; k < end; k++)
            {
                bands[order[k]] = band;
            }

            start = end;
        }

        return bands;
    }

    private static double? LowestIn(double[] values, int[] bands, int band)
    {
        double? lowest = null;
        for (var i = 0; i < values.Length; i++)
        {
            if (bands[i] == band && (lowest is null || values[i] < lowest))
            {
                lowest = values[i];
            }
        }

        return lowest;
    }
}
