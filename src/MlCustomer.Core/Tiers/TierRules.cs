using System.Globalization;

namespace MlCustomer.Core.Tiers;

/// <summary>
/// How profit tiers are cut: by shares of customers ranked by profit in the trailing window (default
/// A 20% / B 30% / C 30% / D 20%) or by absolute profit thresholds. Settings only; the cut-off values
/// are learned by <see cref="ProfitTiers.Learn"/>.
/// </summary>
public sealed record TierRules
{
    /// <summary>The only trailing window the features carry (<c>ProfitLast365Days</c>, <c>RevenueLast365Days</c>).</summary>
    public const int SupportedWindowDays = 365;

    /// <summary>Percentile (default) or absolute thresholds.</summary>
    public TierMode Mode { get; init; } = TierMode.Percentile;

    /// <summary>Shares of customers per tier in percent, top first; used in percentile mode; must sum to 100.</summary>
    public TierShares SharesPercent { get; init; } = new();

    /// <summary>Profit thresholds; required in absolute mode, ignored in percentile mode.</summary>
    public ProfitThresholds? Thresholds { get; init; }

    /// <summary>
    /// The trailing window profit is measured over, in days before the as-of date. Informational: the
    /// features carry profit over 365 days, so only 365 is accepted; it is written so that the rules say
    /// what the tiers are based on.
    /// </summary>
    public int WindowDays { get; init; } = SupportedWindowDays;

    /// <summary>The rule in words.</summary>
    public string Describe() => Mode == TierMode.Percentile
        ? string.Create(CultureInfo.InvariantCulture, $"percentile tiers by profit in the last {WindowDays} days: A top {SharesPercent.A:0.##}%, B next {SharesPercent.B:0.##}%, C next {SharesPercent.C:0.##}%, D bottom {SharesPercent.D:0.##}%")
        : Thresholds is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"absolute tiers by profit in the last {WindowDays} days: A ≥ {t.A:N2}, B ≥ {t.B:N2}, C ≥ {t.C:N2}, D below")
            : "absolute tiers without thresholds (invalid)";

    internal void Validate(string path, List<RuleProblem> problems)
    {
        if (WindowDays != SupportedWindowDays)
        {
            problems.Add(new($"{path}.windowDays", $"must be {SupportedWindowDays}: the features carry profit and revenue over the last {SupportedWindowDays} days only (not {WindowDays})"));
        }

        if (Mode == TierMode.Percentile)
        {
            SharesPercent.Validate($"{path}.sharesPercent", problems);
        }
        else if (Thresholds is null)
        {
            problems.Add(new($"{path}.thresholds", "absolute mode needs thresholds { \"a\": …, \"b\": …, \"c\": … }"));
        }
        else
        {
            Thresholds.Validate($"{path}.thresholds", problems);
        }
    }
}

/// <summary>Shares of customers per tier, in percent; they must sum to 100.</summary>
public sealed record TierShares
{
    /// <summary>Top share (default 20).</summary>
    public double A { get; init; } = 20;

    /// <summary>Next share (default 30).</summary>
    public double B { get; init; } = 30;

    /// <summary>Next share (default 30).</summary>
    public double C { get; init; } = 30;

    /// <summary>Bottom share (default 20).</summary>
    public double D { get; init; } = 20;

    /// <summary>The share of one tier.</summary>
    public double Of(ProfitTier tier) => tier switch
    {
        ProfitTier.A => A,
        ProfitTier.B => B,
        ProfitTier.C => C,
        _ => D,
    };

    /// <summary>Rounding allowance for the sum of shares.</summary>
    internal const double SumTolerance = 1e-6;

    internal void Validate(string path, List<RuleProblem> problems)
    {
        foreach (var tier in Enum.GetValues<ProfitTier>())
        {
            var share = Of(tier);
            if (!double.IsFinite(share) || share < 0 || share > 100)
            {
                problems.Add(new($"{path}.{tier.ToString().ToLowerInvariant()}", $"must be between 0 and 100, not {RuleProblem.Show(share)}"));
            }
        }

        var sum = A + B + C + D;
        if (double.IsFinite(sum) && Math.Abs(sum - 100) > SumTolerance)
        {
            problems.Add(new(path, $"shares must sum to 100 (they sum to {RuleProblem.Show(sum)})"));
        }
    }
}

/// <summary>Absolute tier thresholds on profit in the trailing window: A ≥ <see cref="A"/>, B ≥ <see cref="B"/>, C ≥ <see cref="C"/>, else D.</summary>
public sealed record ProfitThresholds
{
    /// <summary>Lowest profit of tier A.</summary>
    public required double A { get; init; }

    /// <summary>Lowest profit of tier B (below <see cref="A"/>).</summary>
    public required double B { get; init; }

    /// <summary>Lowest profit of tier C (below <see cref="B"/>).</summary>
    public required double C { get; init; }

    internal void Validate(string path, List<RuleProblem> problems)
    {
        if (!double.IsFinite(A) || !double.IsFinite(B) || !double.IsFinite(C))
        {
            problems.Add(new(path, "thresholds must be finite numbers"));
        }
        else if (!(A > B && B > C))
        {
            problems.Add(new(path, string.Create(CultureInfo.InvariantCulture, $"thresholds must be ordered a > b > c (they are {A}, {B}, {C})")));
        }
    }
}

/// <summary>
/// The false-big-customer rule: revenue in the top <see cref="RevenueTopPercent"/>% of customers (in the
/// trailing window) but a gross margin below <see cref="MarginPercentBelow"/>% or a profit tier in
/// <see cref="OrProfitTiers"/>. Such a customer looks big and is not: flag, do not pamper.
/// </summary>
public sealed record FalseBigCustomerRule
{
    /// <summary>"Big" means revenue in this top share of customers, in percent (default 20).</summary>
    public double RevenueTopPercent { get; init; } = 20;

    /// <summary>A big customer whose gross margin is below this, in percent, is a false big customer (default 10).</summary>
    public double MarginPercentBelow { get; init; } = 10;

    /// <summary>A big customer in one of these profit tiers is a false big customer whatever the margin (default C and D).</summary>
    public IReadOnlyList<ProfitTier> OrProfitTiers { get; init; } = [ProfitTier.C, ProfitTier.D];

    /// <summary>The rule in words.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"false big customer: revenue in the top {RevenueTopPercent:0.##}% but gross margin < {MarginPercentBelow:0.##}%") +
        (OrProfitTiers.Count > 0 ? $" or profit tier {string.Join("/", OrProfitTiers)}" : "");

    internal void Validate(string path, List<RuleProblem> problems)
    {
        if (!double.IsFinite(RevenueTopPercent) || RevenueTopPercent <= 0 || RevenueTopPercent > 100)
        {
            problems.Add(new($"{path}.revenueTopPercent", $"must be above 0 and at most 100, not {RuleProblem.Show(RevenueTopPercent)}"));
        }

        if (!double.IsFinite(MarginPercentBelow) || MarginPercentBelow < -100 || MarginPercentBelow > 100)
        {
            problems.Add(new($"{path}.marginPercentBelow", $"must be between -100 and 100, not {RuleProblem.Show(MarginPercentBelow)}"));
        }
    }
}
