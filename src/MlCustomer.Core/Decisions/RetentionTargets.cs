using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Decisions;

/// <summary>Settings of one retention target list.</summary>
public sealed record TargetOptions
{
    /// <summary>Total money available for offers.</summary>
    public required double Budget { get; init; }

    /// <summary>One cost for every offer, overriding each action's own offer cost; null keeps the actions' costs.</summary>
    public double? OfferCost { get; init; }

    /// <summary>
    /// The offer cost of some actions (by action key), overriding those actions' own costs; actions not named keep theirs.
    /// <see cref="OfferCost"/>, when given, wins over both. Null keeps every action's own cost.
    /// </summary>
    public IReadOnlyDictionary<string, double>? OfferCostByAction { get; init; }

    /// <summary>Share of targeted churners an offer keeps (default: the default rules' save rate).</summary>
    public double SaveRate { get; init; } = RuleSet.Default.SaveRate;

    /// <summary>At most this many customers (e.g. what a call centre can phone); null for no limit.</summary>
    public int? Limit { get; init; }

    /// <summary>The as-of date of the customers' scores, named in the threshold's basis; null when not known.</summary>
    public DateOnly? AsOfDate { get; init; }

    /// <summary>Only customers it matches are considered (list, counts and threshold); null considers everyone.</summary>
    public TargetFilter? Filter { get; init; }

    /// <summary>Options with the save rate of <paramref name="rules"/>.</summary>
    public static TargetOptions From(RuleSet rules, double budget)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new TargetOptions { Budget = budget, SaveRate = rules.SaveRate };
    }

    /// <summary>The offer cost used for a customer whose action is <paramref name="action"/> and whose own offer cost is <paramref name="ownCost"/>.</summary>
    public double CostOf(string action, double ownCost) =>
        OfferCost ?? (OfferCostByAction is { } byAction && byAction.TryGetValue(action, out var cost) ? cost : ownCost);

    internal void Check()
    {
        if (!double.IsFinite(Budget) || Budget < 0)
        {
            throw new ArgumentException($"Budget is {Budget}; it must be a number ≥ 0.");
        }

        if (OfferCost is { } cost && (!double.IsFinite(cost) || cost <= 0))
        {
            throw new ArgumentException($"OfferCost is {cost}; an offer must cost more than 0.");
        }

        foreach (var (action, actionCost) in OfferCostByAction ?? new Dictionary<string, double>())
        {
            if (!double.IsFinite(actionCost) || actionCost <= 0)
            {
                throw new ArgumentException($"The offer cost of action '{action}' is {actionCost}; an offer must cost more than 0.");
            }
        }

        if (!(SaveRate is >= 0 and <= 1))
        {
            throw new ArgumentException($"SaveRate is {SaveRate}; it must be between 0 and 1.");
        }

        if (Limit is < 0)
        {
            throw new ArgumentException($"Limit is {Limit}; it must be ≥ 0.");
        }
    }
}

/// <summary>Which customers a target list considers: each given criterion must match (null matches all).</summary>
public sealed record TargetFilter
{
    /// <summary>Profit tier now.</summary>
    public ProfitTier? Tier { get; init; }

    /// <summary>Lifecycle stage.</summary>
    public LifecycleStage? Stage { get; init; }

    /// <summary>Segment name.</summary>
    public string? Segment { get; init; }

    /// <summary>Recommended action key.</summary>
    public string? Action { get; init; }

    /// <summary>True when a customer with these values is considered.</summary>
    public bool Matches(ProfitTier tier, LifecycleStage stage, string? segment, string action) =>
        (Tier is not { } t || t == tier) &&
        (Stage is not { } s || s == stage) &&
        (Segment is null || string.Equals(Segment, segment, StringComparison.Ordinal)) &&
        (Action is null || string.Equals(Action, action, StringComparison.Ordinal));

    /// <summary>The filter in words, for the threshold's basis ("tier A, action vip-retention").</summary>
    public string Describe() => string.Join(", ", new[]
    {
        Tier is { } t ? $"tier {WireNames.Of(t)}" : null,
        Stage is { } s ? $"stage {WireNames.Of(s)}" : null,
        Segment is { } g ? $"segment {g}" : null,
        Action is { } a ? $"action {a}" : null,
    }.Where(x => x is not null));
}

/// <summary>One customer on the retention list.</summary>
/// <param name="Customer">The decision, with the action and its reasons.</param>
/// <param name="OfferCost">What the offer costs.</param>
/// <param name="ExpectedSavedProfit">Churn probability × save rate × predicted profit (<see cref="OfferEconomics.SavedProfit"/>).</param>
/// <param name="ExpectedReturn">Expected saved profit − offer cost (always above 0 on the list).</param>
/// <param name="BreakEvenProbability">Offer cost ÷ (save rate × predicted profit): the churn probability above which an offer to this customer pays.</param>
/// <param name="SaveRate">The save rate the expected saved profit was computed with.</param>
public sealed record RetentionTarget(
    CustomerDecision Customer,
    double OfferCost,
    double ExpectedSavedProfit,
    double ExpectedReturn,
    double BreakEvenProbability,
    double SaveRate)
{
    /// <summary>
    /// The arithmetic in words, quoting the offer cost used. Written when read: a list of thousands chosen from a million
    /// customers shows a page of them.
    /// </summary>
    public string Reason => ReasonText(
        ExpectedReturn, Customer.ChurnProbability, SaveRate, Customer.PredictedProfit, OfferCost, Customer.ActionDescription, BreakEvenProbability);

    /// <summary>
    /// <see cref="Reason"/> from its numbers: the one wording, also for a list written straight to JSON from each
    /// target's figures (<see cref="RetentionTargets.Figures"/>) without a target object per customer.
    /// </summary>
    public static string ReasonText(
        double expectedReturn, double churnProbability, double saveRate, double predictedProfit, double offerCost, string actionDescription,
        double breakEvenProbability)
    {
        ArgumentNullException.ThrowIfNull(actionDescription);
        // Room for the words and ordinary amounts first; an amount of hundreds of digits gets more.
        for (var size = 256 + actionDescription.Length; ; size *= 4)
        {
            var text = new char[size];
            if (TryWriteReason(text, out var written, expectedReturn, churnProbability, saveRate, predictedProfit, offerCost, actionDescription, breakEvenProbability))
            {
                return new string(text, 0, written);
            }
        }
    }

    /// <summary>
    /// <see cref="ReasonText"/> into <paramref name="destination"/>, without a string (a list of thousands written to JSON);
    /// false when it does not fit.
    /// </summary>
    public static bool TryWriteReason(
        Span<char> destination, out int written, double expectedReturn, double churnProbability, double saveRate, double predictedProfit, double offerCost,
        string actionDescription, double breakEvenProbability)
    {
        ArgumentNullException.ThrowIfNull(actionDescription);
        var text = new ReasonWriter(destination);
        text.Literal("expected return ");
        text.Amount(expectedReturn);
        text.Literal(" = churn probability ");
        text.Probability(churnProbability);
        text.Literal(" × save rate ");
        text.Probability(saveRate);
        text.Literal(" × predicted profit ");
        text.Amount(predictedProfit);
        text.Literal(" − offer cost ");
        text.Amount(offerCost);
        text.Literal(" (");
        text.Literal(actionDescription);
        text.Literal("); pays above churn probability ");
        text.Probability(breakEvenProbability);
        written = text.Written;
        return text.Fits;
    }

    // Appends to a span, remembering whether everything fitted.
    private ref struct ReasonWriter(Span<char> destination)
    {
        private readonly Span<char> destination = destination;

        public int Written { get; private set; }

        public bool Fits { get; private set; } = true;

        public void Literal(ReadOnlySpan<char> text)
        {
            if (Fits && text.TryCopyTo(destination[Written..]))
            {
                Written += text.Length;
            }
            else
            {
                Fits = false;
            }
        }

        public void Amount(double value) => Add(Show.TryAmount(value, Fits ? destination[Written..] : default, out var n), n);

        public void Probability(double value) => Add(Show.TryProbability(value, Fits ? destination[Written..] : default, out var n), n);

        private void Add(bool fitted, int n)
        {
            if (Fits && fitted)
            {
                Written += n;
            }
            else
            {
                Fits = false;
            }
        }
    }
}

/// <summary>What an offer at one cost and save rate is expected to do for one customer (<see cref="RetentionTargets.Figures"/>).</summary>
/// <param name="ExpectedSavedProfit">Churn probability × save rate × max(predicted profit, 0).</param>
/// <param name="ExpectedReturn">Expected saved profit − offer cost.</param>
/// <param name="BreakEvenProbability">Offer cost ÷ (save rate × predicted profit).</param>
public readonly record struct TargetFigures(double ExpectedSavedProfit, double ExpectedReturn, double BreakEvenProbability);

/// <summary>A retention target list and what it is expected to bring.</summary>
/// <param name="Targets">Chosen customers, highest expected return first.</param>
/// <param name="Budget">The budget.</param>
/// <param name="SaveRate">The save rate used.</param>
/// <param name="OfferCostOverride">The single offer cost used, or null when each action's cost was used.</param>
/// <param name="Spend">Total offer cost of the chosen customers (≤ budget).</param>
/// <param name="ExpectedSavedProfit">Total expected saved profit of the chosen customers.</param>
/// <param name="ExpectedReturn">Expected saved profit − spend.</param>
/// <param name="Roi">(Expected saved profit − spend) ÷ spend; null when nothing is spent.</param>
/// <param name="Considered">Customers given.</param>
/// <param name="WithoutPaidOffer">Left out because their action has no paid offer (D, loss-making, false big).</param>
/// <param name="WithoutPositiveReturn">Left out because the offer is expected to cost more than it saves.</param>
/// <param name="LeftOutByBudget">Worth an offer but not affordable within the budget.</param>
/// <param name="LeftOutByLimit">Worth an offer and affordable but beyond the limit.</param>
/// <param name="Threshold">The profit-optimal churn-probability threshold for this offer.</param>
/// <param name="Rule">How the list was chosen, in words.</param>
public sealed record RetentionTargetList(
    IReadOnlyList<RetentionTarget> Targets,
    double Budget,
    double SaveRate,
    double? OfferCostOverride,
    double Spend,
    double ExpectedSavedProfit,
    double ExpectedReturn,
    double? Roi,
    int Considered,
    int WithoutPaidOffer,
    int WithoutPositiveReturn,
    int LeftOutByBudget,
    int LeftOutByLimit,
    ProfitOptimalThreshold Threshold,
    string Rule)
{
    /// <summary>
    /// The customer of the target at <paramref name="index"/>, without reading their decision when the list was chosen
    /// from stored candidates (a list written straight to JSON reads each target's words from its own cache).
    /// </summary>
    public string CustomerIdAt(int index) => Targets is CandidateTargets chosen ? chosen.CustomerIdAt(index) : Targets[index].Customer.CustomerId;

    /// <summary>Whether the list was chosen from stored candidates, so that <see cref="CustomerIdAt"/> reads no decision.</summary>
    public bool ChosenFromCandidates => Targets is CandidateTargets;

    /// <summary>One-line summary for the console.</summary>
    public string Summary() =>
        $"{Targets.Count:N0} customers chosen of {Considered:N0}; spend {Show.Amount(Spend)} of {Show.Amount(Budget)}; expected saved profit {Show.Amount(ExpectedSavedProfit)}; " +
        $"expected return {Show.Amount(ExpectedReturn)}; ROI {(Roi is { } roi ? Show.Percent(roi) : "undefined (nothing spent)")}; {Threshold.Description}";
}

/// <summary>The list's totals after its first <paramref name="Customers"/> customers, highest expected return first.</summary>
/// <param name="Customers">Customers from the top of the list.</param>
/// <param name="Spend">Their offer costs.</param>
/// <param name="ExpectedSavedProfit">Their expected saved profit.</param>
/// <param name="ExpectedReturn">Expected saved profit − spend.</param>
public sealed record SpendReturnPoint(int Customers, double Spend, double ExpectedSavedProfit, double ExpectedReturn);

/// <summary>Chooses whom to give a retention offer within a budget.</summary>
/// <remarks>
/// <para>Expected return of an offer = churn probability × save rate × max(predicted profit, 0) − offer cost.
/// Customers whose action has no paid offer, and customers whose expected return is 0 or less, are never chosen.</para>
/// <para>Choice: two greedy passes over the customers worth an offer, one by expected return per unit of offer
/// cost and one by expected return (ties: the other key, then customer id), each taking every customer that still
/// fits the budget and the <see cref="TargetOptions.Limit"/> and skipping the rest; the pass with the larger total
/// expected return wins (the per-cost pass on a tie). Why both: per unit of cost is the right order when money is
/// the constraint, by return when the limit (a call centre's capacity) is. What that guarantees:</para>
/// <list type="bullet">
/// <item>When every offer costs the same (an <see cref="TargetOptions.OfferCost"/> override), both orders are the
/// order of expected return and the list is optimal: no other affordable set within the limit returns more.</item>
/// <item>With different costs and no limit, the per-cost pass is within one customer's expected return of the
/// optimum (its prefix plus a fraction of the first customer that did not fit is the optimum of the fractional
/// relaxation); offers are small against a marketing budget, so the gap is small.</item>
/// <item>With different costs and no limit, also at least half the optimum, since the by-return pass starts with
/// the best affordable customer (the classic bound for the better of the two greedy knapsack answers).</item>
/// <item>With different costs and a limit, a heuristic without a proven bound.</item>
/// </list>
/// <para>Guarantees (tested as properties): spend ≤ budget; every chosen return &gt; 0; no action without a paid
/// offer; the list is ordered by expected return, highest first.</para>
/// </remarks>
public static partial class RetentionTargets
{
    /// <summary>The selection rule in words.</summary>
    public const string Rule = "the better of two greedy passes within the budget and limit, by expected return per unit of offer cost and by expected return; expected return = churn probability × save rate × predicted profit − offer cost; never a customer without a paid offer or with an expected return ≤ 0; listed by expected return, highest first";

    /// <summary>Chooses the customers and reports spend, expected saved profit, ROI and the profit-optimal threshold.</summary>
    /// <exception cref="ArgumentException">Invalid options (negative budget, save rate outside [0, 1], offer cost ≤ 0, negative limit).</exception>
    public static RetentionTargetList Choose(IEnumerable<CustomerDecision> customers, TargetOptions options)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(options);
        options.Check();
        var considered = 0;
        var withoutPaidOffer = 0;
        var withoutReturn = 0;
        var paid = new List<OfferCase>();
        var candidates = new List<RetentionTarget>();
        foreach (var customer in customers)
        {
            if (options.Filter is { } filter && !filter.Matches(customer.Tier, customer.Stage, customer.Segment, customer.Action))
            {
                continue;
            }

            considered++;
            if (!customer.PaidOffer)
            {
                withoutPaidOffer++;
                continue;
            }

            var offer = Case(customer, options.CostOf(customer.Action, customer.OfferCost));
            paid.Add(offer);
            if (OfferEconomics.ExpectedReturn(offer, options.SaveRate) <= 0)
            {
                withoutReturn++;
                continue;
            }

            candidates.Add(Target(customer, offer, options.SaveRate));
        }

        var byRatio = Greedy(candidates, RatioOrder, options);
        var byReturn = Greedy(candidates, ReturnOrder, options);
        var (chosen, spend, byBudget, byLimit) = byReturn.Chosen.Sum(t => t.ExpectedReturn) > byRatio.Chosen.Sum(t => t.ExpectedReturn) ? byReturn : byRatio;

        chosen.Sort(ReturnOrder);
        var savedTotal = chosen.Sum(t => t.ExpectedSavedProfit);
        return new RetentionTargetList(
            chosen,
            options.Budget,
            options.SaveRate,
            options.OfferCost,
            spend,
            savedTotal,
            savedTotal - spend,
            spend > 0 ? (savedTotal - spend) / spend : null,
            considered,
            withoutPaidOffer,
            withoutReturn,
            byBudget,
            byLimit,
            OfferEconomics.BestThreshold(paid, options.SaveRate, Basis(paid.Count, options)),
            Rule);
    }

    /// <summary>
    /// How the expected return grows with the spend down the list: from nothing to the list's totals, a point every
    /// ⌈n ÷ <paramref name="maxPoints"/>⌉ customers and always the last (so the curve ends at the totals). Each offer
    /// on the list adds its expected return, highest first, so the curve rises and flattens.
    /// </summary>
    public static IReadOnlyList<SpendReturnPoint> SpendReturnCurve(RetentionTargetList list, int maxPoints = 100)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 1);
        var step = Math.Max(1, (int)Math.Ceiling(list.Targets.Count / (double)maxPoints));
        var points = new List<SpendReturnPoint>(Math.Min(list.Targets.Count, maxPoints) + 2) { new(0, 0, 0, 0) };
        var (spend, saved) = (0.0, 0.0);
        // A list chosen from stored candidates knows each target's figures without reading its decision.
        var figures = list.Targets as CandidateTargets;
        for (var i = 0; i < list.Targets.Count; i++)
        {
            spend += figures?.OfferCost(i) ?? list.Targets[i].OfferCost;
            saved += figures?.SavedProfit(i) ?? list.Targets[i].ExpectedSavedProfit;
            if ((i + 1) % step == 0 || i == list.Targets.Count - 1)
            {
                points.Add(new SpendReturnPoint(i + 1, spend, saved, saved - spend));
            }
        }

        return points;
    }

    internal static readonly Comparison<RetentionTarget> ReturnOrder = (x, y) =>
    {
        var byReturn = y.ExpectedReturn.CompareTo(x.ExpectedReturn);
        return byReturn != 0 ? byReturn : string.CompareOrdinal(x.Customer.CustomerId, y.Customer.CustomerId);
    };

    private static readonly Comparison<RetentionTarget> RatioOrder = (x, y) =>
    {
        var byRatio = (y.ExpectedReturn / y.OfferCost).CompareTo(x.ExpectedReturn / x.OfferCost);
        return byRatio != 0 ? byRatio : ReturnOrder(x, y);
    };

    /// <summary>Walks the candidates in <paramref name="order"/>, taking each that still fits the budget and the limit.</summary>
    private static (List<RetentionTarget> Chosen, double Spend, int ByBudget, int ByLimit) Greedy(
        List<RetentionTarget> candidates, Comparison<RetentionTarget> order, TargetOptions options)
    {
        var sorted = new List<RetentionTarget>(candidates);
        sorted.Sort(order);
        var chosen = new List<RetentionTarget>();
        var spend = 0.0;
        var (byBudget, byLimit) = (0, 0);
        foreach (var candidate in sorted)
        {
            if (spend + candidate.OfferCost > options.Budget)
            {
                byBudget++;
            }
            else if (options.Limit is { } limit && chosen.Count >= limit)
            {
                byLimit++;
            }
            else
            {
                chosen.Add(candidate);
                spend += candidate.OfferCost;
            }
        }

        return (chosen, spend, byBudget, byLimit);
    }

    /// <summary>
    /// The decision planned on the lower end of the customer's 80% value interval: predicted gross profit at its P10
    /// (<see cref="LifetimeValue.ValueInterval.PlanningLow"/>: at most 0 for a customer likely to buy nothing), and
    /// predicted profit lowered by the same amount (the expected cost-to-serve charge stays as decided). For a
    /// conservative budget: a list chosen this way pays for offers from profit that 9 in 10 customers like each one
    /// reach. Without an interval (a bundle trained before intervals) the decision is returned as it is. Targets use the
    /// mean by default, since expected returns add up over customers only for means.
    /// </summary>
    public static CustomerDecision AtLowerValue(CustomerDecision decision, LifetimeValue.ValueInterval? grossProfitInterval)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (grossProfitInterval is not { } interval)
        {
            return decision;
        }

        var charge = decision.PredictedGrossProfit - decision.PredictedProfit;
        var low = interval.PlanningLow();
        return decision with { PredictedGrossProfit = low, PredictedProfit = low - charge };
    }

    /// <summary>A decided customer as the offer arithmetic sees them: predicted churn, predicted profit, the offer cost used.</summary>
    public static OfferCase Case(CustomerDecision customer, double? offerCostOverride = null)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return new OfferCase(customer.ChurnProbability, customer.ChurnProbability, customer.PredictedProfit, offerCostOverride ?? customer.OfferCost);
    }

    internal static string Basis(int paidOffers, TargetOptions options) =>
        $"{paidOffers:N0} customers with a paid offer{(options.Filter?.Describe() is { Length: > 0 } only ? $" ({only})" : "")}{(options.AsOfDate is { } date ? $" at {date:yyyy-MM-dd}" : "")}, their predicted churn and profit, " +
        (options.OfferCost is { } cost ? $"offer cost {Show.Amount(cost)} each"
            : options.OfferCostByAction is { Count: > 0 } byAction ? $"offer cost {string.Join(", ", byAction.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{Show.Amount(a.Value)} for {a.Key}"))}, each other action's own"
            : "each action's own offer cost");

    internal static RetentionTarget Target(CustomerDecision customer, OfferCase offer, double saveRate)
    {
        var cost = offer.OfferCost;
        var figures = Figures(offer, customer.PredictedProfit, saveRate);
        // One cost for every offer replaces the action's: the customer's own action reason must quote the cost used.
        customer = customer.WithOfferCost(cost);
        return new RetentionTarget(customer, cost, figures.ExpectedSavedProfit, figures.ExpectedReturn, figures.BreakEvenProbability, saveRate);
    }

    /// <summary>
    /// A target's figures for one customer's offer case (<see cref="Case(CustomerDecision, double?)"/>) and save rate: what
    /// every target on a list carries, computed here only.
    /// </summary>
    public static TargetFigures Figures(in OfferCase offer, double predictedProfit, double saveRate)
    {
        var saved = OfferEconomics.SavedProfit(offer, saveRate);
        return new TargetFigures(saved, saved - offer.OfferCost, offer.OfferCost / (saveRate * predictedProfit));
    }
}
