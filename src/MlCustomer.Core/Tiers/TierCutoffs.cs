using MlCustomer.Core.Decisions;

namespace MlCustomer.Core.Tiers;

/// <summary>Customers per profit tier.</summary>
/// <param name="A">Customers in tier A.</param>
/// <param name="B">Customers in tier B.</param>
/// <param name="C">Customers in tier C.</param>
/// <param name="D">Customers in tier D.</param>
public sealed record TierCounts(int A, int B, int C, int D)
{
    /// <summary>All customers.</summary>
    public int Total => A + B + C + D;

    /// <summary>The count of one tier.</summary>
    public int Of(ProfitTier tier) => tier switch
    {
        ProfitTier.A => A,
        ProfitTier.B => B,
        ProfitTier.C => C,
        _ => D,
    };
}

/// <summary>
/// The profit-tier cut-offs learned at training time (the model card's <c>tiers</c> section), so that scoring
/// one customer later gives the tier the batch gave: A if profit ≥ <see cref="ProfitCutoffA"/>, else B if
/// ≥ <see cref="ProfitCutoffB"/>, else C if ≥ <see cref="ProfitCutoffC"/>, else D. A null cut-off is a tier no
/// training customer reached (too few customers, or ties); nobody is placed in it later either.
/// Profit is over the trailing <see cref="WindowDays"/> days before the as-of date.
/// </summary>
public sealed record TierCutoffs
{
    /// <summary>Percentile or absolute.</summary>
    public required TierMode Mode { get; init; }

    /// <summary>The shares the percentile cut-offs were learned with; null in absolute mode.</summary>
    public TierShares? SharesPercent { get; init; }

    /// <summary>Trailing window of the profit and revenue, in days.</summary>
    public int WindowDays { get; init; } = TierRules.SupportedWindowDays;

    /// <summary>The cost-to-serve rule the profits were computed with (null in cards written before the rule existed: the default).</summary>
    public CostToServeRule? CostToServe { get; init; }

    /// <summary>Lowest profit of tier A; null when tier A is empty.</summary>
    public double? ProfitCutoffA { get; init; }

    /// <summary>Lowest profit of tier B; null when tier B is empty.</summary>
    public double? ProfitCutoffB { get; init; }

    /// <summary>Lowest profit of tier C; null when tier C is empty.</summary>
    public double? ProfitCutoffC { get; init; }

    /// <summary>"Big" customers are the top this-many percent by revenue (for the false-big-customer rule).</summary>
    public required double RevenueTopPercent { get; init; }

    /// <summary>Lowest revenue of the top <see cref="RevenueTopPercent"/>%; null when no customer had revenue.</summary>
    public double? RevenueCutoffTop { get; init; }

    /// <summary>Training customers per tier under these cut-offs.</summary>
    public required TierCounts Counts { get; init; }

    /// <summary>Training customers with negative profit (in any tier).</summary>
    public int LossMaking { get; init; }

    /// <summary>The cut-off of a tier (null for D, which has none, and for an empty tier).</summary>
    public double? CutoffOf(ProfitTier tier) => tier switch
    {
        ProfitTier.A => ProfitCutoffA,
        ProfitTier.B => ProfitCutoffB,
        ProfitTier.C => ProfitCutoffC,
        _ => null,
    };

    /// <summary>The tier of a profit in the trailing window (or an annualised predicted profit).</summary>
    /// <exception cref="ArgumentException">The profit is not a finite number.</exception>
    public ProfitTier Assign(double profit)
    {
        if (!double.IsFinite(profit))
        {
            throw new ArgumentException($"profit is {profit}; a tier needs a finite number.", nameof(profit));
        }

        return ProfitCutoffA is { } a && profit >= a ? ProfitTier.A
            : ProfitCutoffB is { } b && profit >= b ? ProfitTier.B
            : ProfitCutoffC is { } c && profit >= c ? ProfitTier.C
            : ProfitTier.D;
    }

    /// <summary>Whether a revenue is in the top <see cref="RevenueTopPercent"/>% ("big"); a customer without positive revenue never is.</summary>
    public bool IsTopRevenue(double revenue) => revenue > 0 && RevenueCutoffTop is { } cutoff && revenue >= cutoff;

    /// <summary>The cut-offs in words, e.g. for the console and the report.</summary>
    public string Describe()
    {
        var tiers = string.Join(", ", new[] { ProfitTier.A, ProfitTier.B, ProfitTier.C }.Select(t =>
            CutoffOf(t) is { } cut ? $"{t} ≥ {Show.Amount(cut)}{Position(t)}" : $"{t} empty{Position(t)}"));
        var mode = Mode == TierMode.Percentile ? "percentile" : "absolute";
        var ties = Mode == TierMode.Percentile
            ? "; equal profits share a tier, the one where the middle of the tied group falls"
            : "";
        var revenue = RevenueCutoffTop is { } r
            ? $"; big customers: revenue ≥ {Show.Amount(r)} (top {Show.PercentValue(RevenueTopPercent)})"
            : "; no customer had revenue, so nobody is big";
        return $"{mode} tiers by profit in the last {WindowDays} days: {tiers}, D below{Position(ProfitTier.D)}; " +
            $"{Counts.Total:N0} customers: A {Counts.A:N0}, B {Counts.B:N0}, C {Counts.C:N0}, D {Counts.D:N0}, {LossMaking:N0} loss-making{ties}{revenue}";
    }

    /// <summary>
    /// Why these cut-offs cannot serve <paramref name="rules"/> (learned with other shares, thresholds or
    /// revenue share), or null when they can. Changing those settings means learning the cut-offs again.
    /// </summary>
    public string? Mismatch(RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var tiers = rules.Tiers;
        var same = tiers.Mode == Mode && (Mode == TierMode.Percentile
            ? tiers.SharesPercent == SharesPercent
            : tiers.Thresholds is { } th && th.A == ProfitCutoffA && th.B == ProfitCutoffB && th.C == ProfitCutoffC);
        if (!same)
        {
            var learned = Mode == TierMode.Percentile ? $"shares {Shares(SharesPercent)}" : $"thresholds {Show.Amount(ProfitCutoffA ?? double.NaN)}/{Show.Amount(ProfitCutoffB ?? double.NaN)}/{Show.Amount(ProfitCutoffC ?? double.NaN)}";
            var asked = tiers.Mode == TierMode.Percentile ? $"shares {Shares(tiers.SharesPercent)}" : tiers.Thresholds is { } t ? $"thresholds {Show.Amount(t.A)}/{Show.Amount(t.B)}/{Show.Amount(t.C)}" : "no thresholds";
            return $"the tier cut-offs were learned with {Mode.ToString().ToLowerInvariant()} {learned}, the rules ask for {tiers.Mode.ToString().ToLowerInvariant()} {asked}: learn the cut-offs again (retrain) with these rules";
        }

        var learnedCost = CostToServe ?? RuleSet.Default.CostToServe;
        if (learnedCost != rules.CostToServe)
        {
            return $"the tier cut-offs were learned with {learnedCost.Describe()}, the rules say {rules.CostToServe.Describe()}: learn the cut-offs again (retrain) with these rules";
        }

        return rules.FalseBigCustomer.RevenueTopPercent == RevenueTopPercent
            ? null
            : $"the revenue cut-off was learned for the top {Show.PercentValue(RevenueTopPercent)}, the rules ask for the top {Show.PercentValue(rules.FalseBigCustomer.RevenueTopPercent)}: learn the cut-offs again (retrain) with these rules";
    }

    /// <summary>The tier of a profit and the reason, e.g. "tier D: profit -120.40 in the last 365 days, below the C cut-off 15.00 (bottom 20%)".</summary>
    /// <param name="profit">The profit compared with the cut-offs.</param>
    /// <param name="subject">What the profit is, e.g. "profit -120.40 in the last 365 days".</param>
    /// <param name="label">"tier" or "predicted tier".</param>
    internal (ProfitTier Tier, string Reason) Explain(double profit, string subject, string label)
    {
        var tier = Assign(profit);
        if (tier != ProfitTier.D)
        {
            ProfitTier? above = null;
            for (var t = ProfitTier.A; t < tier; t++)
            {
                above = CutoffOf(t) is null ? above : t;
            }

            var below = above is { } higher ? $", below the {higher} cut-off {Show.Amount(CutoffOf(higher)!.Value)}" : "";
            return (tier, $"{label} {tier}: {subject} ≥ the {tier} cut-off {Show.Amount(CutoffOf(tier)!.Value)}{Position(tier)}{below}");
        }

        ProfitTier? lowest = CutoffOf(ProfitTier.C) is not null ? ProfitTier.C : CutoffOf(ProfitTier.B) is not null ? ProfitTier.B : CutoffOf(ProfitTier.A) is not null ? ProfitTier.A : null;
        return lowest is { } open
            ? (tier, $"{label} D: {subject}, below the {open} cut-off {Show.Amount(CutoffOf(open)!.Value)}{Position(ProfitTier.D)}")
            : (tier, $"{label} D: {subject}; every higher tier is empty (the training customers' profits were all equal or too few)");
    }

    private string Position(ProfitTier tier) => Mode == TierMode.Percentile && SharesPercent is { } shares
        ? tier switch
        {
            ProfitTier.A => $" (top {Show.PercentValue(shares.A)})",
            ProfitTier.D => $" (bottom {Show.PercentValue(shares.D)})",
            _ => $" (next {Show.PercentValue(shares.Of(tier))})",
        }
        : "";

    private static string Shares(TierShares? shares) => shares is null
        ? "none"
        : $"{Show.Multiple(shares.A)}/{Show.Multiple(shares.B)}/{Show.Multiple(shares.C)}/{Show.Multiple(shares.D)}";
}
