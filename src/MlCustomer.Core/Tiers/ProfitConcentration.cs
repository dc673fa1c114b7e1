using MlCustomer.Core.Decisions;

namespace MlCustomer.Core.Tiers;

/// <summary>One point of the profit concentration curve: the top <see cref="CustomerShare"/> of customers by profit bring <see cref="ProfitShare"/> of the profit.</summary>
/// <param name="CustomerShare">Share of customers, most profitable first, in [0, 1].</param>
/// <param name="CumulativeProfit">Their total profit.</param>
/// <param name="ProfitShare">Their share of the total profit; above 1 when loss-makers take profit away; null when the total is not positive.</param>
public sealed record ConcentrationPoint(double CustomerShare, double CumulativeProfit, double? ProfitShare);

/// <summary>One tier of the pyramid.</summary>
/// <param name="Tier">The tier.</param>
/// <param name="Customers">Customers in it.</param>
/// <param name="CustomerShare">Share of all customers.</param>
/// <param name="Revenue">Their revenue in the last 365 days.</param>
/// <param name="Profit">Their profit in the last 365 days.</param>
/// <param name="ProfitShare">Share of the total profit; null when the total is not positive.</param>
/// <param name="MeanChurnProbability">Mean churn probability; null for an empty tier.</param>
/// <param name="LossMaking">Loss-making customers in the tier.</param>
/// <param name="FalseBigCustomers">False big customers in the tier.</param>
public sealed record TierSummary(
    ProfitTier Tier,
    int Customers,
    double CustomerShare,
    double Revenue,
    double Profit,
    double? ProfitShare,
    double? MeanChurnProbability,
    int LossMaking,
    int FalseBigCustomers);

/// <summary>What the pyramid needs of one decided customer.</summary>
/// <param name="Tier">Profit tier now.</param>
/// <param name="ProfitLast365Days">Profit in the last 365 days (after cost-to-serve).</param>
/// <param name="RevenueLast365Days">Revenue in the last 365 days.</param>
/// <param name="ChurnProbability">Churn probability.</param>
/// <param name="LossMaking">Negative profit in the last 365 days.</param>
/// <param name="FalseBigCustomer">Big by revenue, small by margin or tier.</param>
public readonly record struct TierMember(
    ProfitTier Tier, double ProfitLast365Days, double RevenueLast365Days, double ChurnProbability, bool LossMaking, bool FalseBigCustomer)
{
    /// <summary>The pyramid facts of a decision.</summary>
    public static TierMember Of(CustomerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new(decision.Tier, decision.ProfitLast365Days, decision.RevenueLast365Days, decision.ChurnProbability, decision.LossMaking, decision.FalseBigCustomer);
    }
}

/// <summary>
/// The Pareto view: how concentrated profit is. The top share counts the top round(n × share) customers
/// (a half rounds up); shares of profit are of the total profit, so with loss-makers the top can bring
/// more than 100%; with a total profit of 0 or less, shares are undefined (null).
/// </summary>
/// <param name="Customers">Customers counted.</param>
/// <param name="TotalProfit">Their total profit.</param>
/// <param name="TopPercent">The top share looked at, in percent (default 20).</param>
/// <param name="TopCustomers">Customers in that top share.</param>
/// <param name="TopProfit">Their total profit.</param>
/// <param name="TopProfitShare">Their share of the total profit; null when the total is not positive.</param>
/// <param name="Curve">The concentration curve: every customer up to 100 customers, otherwise every percent; from (0, 0) to (1, total).</param>
/// <param name="Tiers">The pyramid, A to D (empty when computed from profits alone).</param>
public sealed record ProfitConcentration(
    int Customers,
    double TotalProfit,
    double TopPercent,
    int TopCustomers,
    double TopProfit,
    double? TopProfitShare,
    IReadOnlyList<ConcentrationPoint> Curve,
    IReadOnlyList<TierSummary> Tiers)
{
    /// <summary>Concentration of profit over customers.</summary>
    /// <param name="profits">Profit per customer (e.g. in the last 365 days).</param>
    /// <param name="topPercent">The top share to report, in percent.</param>
    /// <exception cref="ArgumentException">A profit is not finite, or the share is not in (0, 100].</exception>
    public static ProfitConcentration Compute(IEnumerable<double> profits, double topPercent = 20)
    {
        ArgumentNullException.ThrowIfNull(profits);
        if (!(topPercent is > 0 and <= 100))
        {
            throw new ArgumentException($"topPercent is {topPercent}; it must be above 0 and at most 100.", nameof(topPercent));
        }

        var sorted = profits.ToArray();
        for (var i = 0; i < sorted.Length; i++)
        {
            if (!double.IsFinite(sorted[i]))
            {
                throw new ArgumentException($"profits[{i}] is {sorted[i]}; every profit must be a finite number.", nameof(profits));
            }
        }

        Array.Sort(sorted, (x, y) => y.CompareTo(x));
        var n = sorted.Length;
        var cumulative = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            cumulative[i + 1] = cumulative[i] + sorted[i];
        }

        var total = cumulative[n];
        double? ShareOf(double profit) => total > 0 ? profit / total : null;
        var top = (int)Math.Round(n * topPercent / 100, MidpointRounding.AwayFromZero);
        var curve = new List<ConcentrationPoint>();
        var steps = Math.Min(n, 100);
        for (var j = 0; j <= steps; j++)
        {
            var k = n <= 100 ? j : (int)Math.Round((double)j * n / 100, MidpointRounding.AwayFromZero);
            curve.Add(new ConcentrationPoint(n == 0 ? 0 : (double)k / n, cumulative[k], ShareOf(cumulative[k])));
        }

        return new ProfitConcentration(n, total, topPercent, top, cumulative[top], ShareOf(cumulative[top]), curve, []);
    }

    /// <summary>Concentration of profit in the last 365 days, and the pyramid per tier, from decisions.</summary>
    public static ProfitConcentration Compute(IEnumerable<CustomerDecision> decisions, double topPercent = 20)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        return Compute([.. decisions.Select(TierMember.Of)], topPercent);
    }

    /// <summary>
    /// The same figures from each decided customer's pyramid facts alone: what a scoring run of a million customers
    /// keeps in memory instead of their whole decisions (reasons and all), so that the stored summary is this one function's.
    /// </summary>
    public static ProfitConcentration Compute(IReadOnlyList<TierMember> members, double topPercent = 20)
    {
        ArgumentNullException.ThrowIfNull(members);
        var result = Compute(members.Select(d => d.ProfitLast365Days), topPercent);
        var counts = new int[Enum.GetValues<ProfitTier>().Length];
        var revenue = new double[counts.Length];
        var profit = new double[counts.Length];
        var churn = new double[counts.Length];
        var lossMaking = new int[counts.Length];
        var falseBig = new int[counts.Length];
        // One pass in customer order per figure and tier: the same sums, in the same order, as summing each tier's members.
        foreach (var d in members)
        {
            var t = (int)d.Tier;
            counts[t]++;
            revenue[t] += d.RevenueLast365Days;
            profit[t] += d.ProfitLast365Days;
            churn[t] += d.ChurnProbability;
            lossMaking[t] += d.LossMaking ? 1 : 0;
            falseBig[t] += d.FalseBigCustomer ? 1 : 0;
        }

        var tiers = Enum.GetValues<ProfitTier>().Select(tier =>
        {
            var t = (int)tier;
            return new TierSummary(
                tier,
                counts[t],
                members.Count == 0 ? 0 : (double)counts[t] / members.Count,
                revenue[t],
                profit[t],
                result.TotalProfit > 0 ? profit[t] / result.TotalProfit : null,
                counts[t] == 0 ? null : churn[t] / counts[t],
                lossMaking[t],
                falseBig[t]);
        }).ToList();
        return result with { Tiers = tiers };
    }

    /// <summary>The headline in words, e.g. "the top 20% of customers (200 of 1,000) bring 78.3% of the profit (41,200.00 of 52,600.00)".</summary>
    public string Describe() => TopProfitShare is { } share
        ? $"the top {Show.PercentValue(TopPercent)} of customers ({TopCustomers:N0} of {Customers:N0}) bring {Show.Percent(share)} of the profit ({Show.Amount(TopProfit)} of {Show.Amount(TotalProfit)})"
        : $"the top {Show.PercentValue(TopPercent)} of customers ({TopCustomers:N0} of {Customers:N0}) bring {Show.Amount(TopProfit)}; the total profit {Show.Amount(TotalProfit)} is not positive, so shares are undefined";
}
