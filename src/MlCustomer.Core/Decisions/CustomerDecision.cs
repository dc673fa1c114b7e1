using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Decisions;

/// <summary>One rule's outcome in words.</summary>
/// <param name="Rule">Which rule (see <see cref="DecisionRules"/>), e.g. "tier".</param>
/// <param name="Text">The outcome and why, with the numbers, e.g. "tier D: profit -120.40 in the last 365 days, below the C cut-off 15.00 (bottom 20%)".</param>
public sealed record DecisionReason(string Rule, string Text);

/// <summary>The names of the rules whose outcomes a <see cref="CustomerDecision"/> explains, in the order given.</summary>
public static class DecisionRules
{
    /// <summary>Current profit tier.</summary>
    public const string Tier = "tier";

    /// <summary>Profit tier of the predicted profit.</summary>
    public const string PredictedTier = "predicted tier";

    /// <summary>Negative profit in the trailing window.</summary>
    public const string LossMaking = "loss-making";

    /// <summary>Big by revenue, small by margin or profit.</summary>
    public const string FalseBigCustomer = "false big customer";

    /// <summary>Lifecycle stage.</summary>
    public const string Lifecycle = "lifecycle";

    /// <summary>Churn risk band.</summary>
    public const string RiskBand = "risk band";

    /// <summary>Churn probability × predicted profit.</summary>
    public const string ValueAtRisk = "value at risk";

    /// <summary>The recommended action from the matrix.</summary>
    public const string Action = "action";
}

/// <summary>
/// What the rules make of one customer: tiers, flags, stage, risk, value at risk and the recommended action,
/// with one reason per rule. Carries the numbers it was decided on, so that movement, Pareto and target-list
/// views need nothing else.
/// </summary>
public sealed record CustomerDecision
{
    /// <summary>The customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Segment name, when known.</summary>
    public string? Segment { get; init; }

    /// <summary>Profit in the last 365 days: gross profit − cost-to-serve (<see cref="Profit.Net"/>); what tiers rank by.</summary>
    public required double ProfitLast365Days { get; init; }

    /// <summary>Gross profit (revenue − cost of goods) in the last 365 days.</summary>
    public required double GrossProfitLast365Days { get; init; }

    /// <summary>Cost-to-serve in the last 365 days (charged or not as the rules say; see <see cref="ProfitLast365Days"/>).</summary>
    public required double CostToServeLast365Days { get; init; }

    /// <summary>Revenue in the last 365 days.</summary>
    public required double RevenueLast365Days { get; init; }

    /// <summary>Gross margin rate (a fraction); null when revenue is not positive.</summary>
    public double? MarginRate { get; init; }

    /// <summary>Churn probability.</summary>
    public required double ChurnProbability { get; init; }

    /// <summary>
    /// Predicted profit in the value horizon: <see cref="PredictedGrossProfit"/> − <see cref="ExpectedCostToServe"/>
    /// (<see cref="Profit.Predicted"/>), the same definition as <see cref="ProfitLast365Days"/>.
    /// </summary>
    public required double PredictedProfit { get; init; }

    /// <summary>The value model's predicted gross profit (revenue − cost of goods) in the value horizon.</summary>
    public required double PredictedGrossProfit { get; init; }

    /// <summary>
    /// Cost-to-serve expected in the value horizon, as charged: the trailing cost-to-serve per day × the horizon's days
    /// (× the chance of buying when the rules charge only buyers).
    /// </summary>
    public required double ExpectedCostToServe { get; init; }

    /// <summary>The value horizon in days.</summary>
    public required int HorizonDays { get; init; }

    /// <summary>Profit tier now (profit in the last 365 days against the stored cut-offs).</summary>
    public required ProfitTier Tier { get; init; }

    /// <summary>Profit tier of the predicted profit, scaled to 365 days when the horizon differs.</summary>
    public required ProfitTier PredictedTier { get; init; }

    /// <summary>Negative profit in the last 365 days, whatever the tier.</summary>
    public required bool LossMaking { get; init; }

    /// <summary>Revenue in the top share but thin margin or low profit tier.</summary>
    public required bool FalseBigCustomer { get; init; }

    /// <summary>Lifecycle stage.</summary>
    public required LifecycleStage Stage { get; init; }

    /// <summary>Churn risk band.</summary>
    public required RiskBand RiskBand { get; init; }

    /// <summary>
    /// Churn probability × max(predicted profit, 0): the profit expected to be lost if nothing is done. A negative
    /// predicted profit counts as 0: losing a customer who is expected to cost money loses nothing, and a
    /// negative "value at risk" would rank loss-makers below customers with nothing at stake.
    /// </summary>
    public required double ValueAtRisk { get; init; }

    /// <summary>Key of the recommended action (see <see cref="ActionNames"/> for the defaults).</summary>
    public required string Action { get; init; }

    /// <summary>The recommended action in words.</summary>
    public required string ActionDescription { get; init; }

    /// <summary>What the action's offer costs for this customer (0 without a paid offer).</summary>
    public required double OfferCost { get; init; }

    /// <summary>Whether the action is a paid retention offer (only those enter the target list).</summary>
    public required bool PaidOffer { get; init; }

    /// <summary>One reason per rule, in the order of <see cref="DecisionRules"/>.</summary>
    public required IReadOnlyList<DecisionReason> Reasons { get; init; }

    /// <summary>Applies every rule to one customer.</summary>
    /// <param name="facts">The customer's facts and scores.</param>
    /// <param name="cutoffs">The tier cut-offs learned at training time (from the model card).</param>
    /// <param name="rules">Validated rules (<see cref="RuleSet.Default"/>, <see cref="RuleSet.Load"/> or <see cref="RuleSet.FromJson"/>).</param>
    /// <exception cref="ArgumentException">A fact is missing or out of range (names the customer).</exception>
    /// <exception cref="InvalidOperationException">The cut-offs were learned with other tier settings than the rules ask for.</exception>
    public static CustomerDecision Decide(CustomerFacts facts, TierCutoffs cutoffs, RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(cutoffs);
        ArgumentNullException.ThrowIfNull(rules);
        facts.Check();
        if (cutoffs.Mismatch(rules) is { } mismatch)
        {
            throw new InvalidOperationException(mismatch);
        }

        var window = cutoffs.WindowDays;
        var costRule = rules.CostToServe;
        var profit = Profit.Net(facts.GrossProfitLast365Days, facts.CostToServeLast365Days, facts.RevenueLast365Days, costRule);
        var tier = cutoffs.Assign(profit);

        // Both sides of every comparison are profit after cost-to-serve: the value model predicts gross profit, so
        // the cost-to-serve the customer is expected to cause in the horizon comes off it.
        var expectedCost = Profit.ExpectedCostToServe(facts.CostToServeLast365Days, window, facts.HorizonDays);
        var predicted = Profit.Predicted(facts.PredictedGrossProfit, expectedCost, facts.ChurnProbability, costRule);

        // Predicted profit covers the value horizon; the cut-offs are per trailing window, so scale to it.
        var annualised = predicted * window / facts.HorizonDays;
        var predictedTier = cutoffs.Assign(annualised);
        var lossMaking = profit < 0;
        var falseBig = IsFalseBig(facts, tier, cutoffs, rules.FalseBigCustomer);
        var stage = rules.Lifecycle.StageOf(facts);
        var band = rules.RiskBands.BandOf(facts.ChurnProbability);
        var valueAtRisk = facts.ChurnProbability * Math.Max(predicted, 0);
        var (row, rule, action) = rules.ChooseAction(new ActionInput(tier, predictedTier, band, stage, lossMaking, falseBig, facts.Segment));

        return new CustomerDecision
        {
            CustomerId = facts.CustomerId,
            Segment = facts.Segment,
            ProfitLast365Days = profit,
            GrossProfitLast365Days = facts.GrossProfitLast365Days,
            CostToServeLast365Days = facts.CostToServeLast365Days,
            RevenueLast365Days = facts.RevenueLast365Days,
            MarginRate = double.IsFinite(facts.MarginRate) ? facts.MarginRate : null,
            ChurnProbability = facts.ChurnProbability,
            PredictedProfit = predicted,
            PredictedGrossProfit = facts.PredictedGrossProfit,
            ExpectedCostToServe = facts.PredictedGrossProfit - predicted,
            HorizonDays = facts.HorizonDays,
            Tier = tier,
            PredictedTier = predictedTier,
            LossMaking = lossMaking,
            FalseBigCustomer = falseBig,
            Stage = stage,
            RiskBand = band,
            ValueAtRisk = valueAtRisk,
            Action = rule.Action,
            ActionDescription = action.Description,
            OfferCost = action.OfferCost,
            PaidOffer = action.PaidOffer,
            // The eight reasons in words cost ~10× the decision itself: they are written when first read (a page, a JSON
            // answer, a CSV line), never for the million decisions a scoring run makes only to count and rank.
            Reasons = new LazyReasons(() => Explain(facts, cutoffs, rules, row, rule, action)),
        };
    }

    // The words of every rule for one customer. Each rule's wording function decides its outcome again; they must agree
    // with the numbers Decide kept (one definition each: Assign, StageOf, BandOf, IsFalseBig), which is checked here.
    private static DecisionReason[] Explain(CustomerFacts facts, TierCutoffs cutoffs, RuleSet rules, int row, ActionRule rule, ActionDefinition action)
    {
        var window = cutoffs.WindowDays;
        var costRule = rules.CostToServe;
        var profit = Profit.Net(facts.GrossProfitLast365Days, facts.CostToServeLast365Days, facts.RevenueLast365Days, costRule);
        var charged = costRule.Charges(facts.RevenueLast365Days)
            ? $"gross profit {Show.Amount(facts.GrossProfitLast365Days)} − cost-to-serve {Show.Amount(facts.CostToServeLast365Days)}"
            : $"gross profit {Show.Amount(facts.GrossProfitLast365Days)}, cost-to-serve {Show.Amount(facts.CostToServeLast365Days)} not charged without a purchase";
        var (tier, tierReason) = cutoffs.Explain(profit, $"profit {Show.Amount(profit)} in the last {window} days ({charged})", "tier");
        var expectedCost = Profit.ExpectedCostToServe(facts.CostToServeLast365Days, window, facts.HorizonDays);
        var predicted = Profit.Predicted(facts.PredictedGrossProfit, expectedCost, facts.ChurnProbability, costRule);
        var annualised = predicted * window / facts.HorizonDays;
        var predictedSubject = $"predicted profit {Show.Amount(predicted)} in the next {facts.HorizonDays} days (" +
            (facts.HorizonDays == window ? "" : $"{Show.Amount(annualised)} per {window} days; ") +
            $"predicted gross profit {Show.Amount(facts.PredictedGrossProfit)} − expected cost-to-serve {Show.Amount(facts.PredictedGrossProfit - predicted)})";
        var (predictedTier, predictedReason) = cutoffs.Explain(annualised, predictedSubject, "predicted tier");
        var lossReason = profit < 0
            ? $"loss-making: profit {Show.Amount(profit)} in the last {window} days is below 0"
            : $"not loss-making: profit {Show.Amount(profit)} in the last {window} days";
        var (falseBig, falseBigReason) = FalseBig(facts, tier, cutoffs, rules.FalseBigCustomer);
        var (stage, stageReason) = rules.Lifecycle.Classify(facts);
        var (band, bandReason) = rules.RiskBands.Classify(facts.ChurnProbability);
        if (falseBig != IsFalseBig(facts, tier, cutoffs, rules.FalseBigCustomer) || stage != rules.Lifecycle.StageOf(facts)
            || band != rules.RiskBands.BandOf(facts.ChurnProbability) || predictedTier != cutoffs.Assign(annualised))
        {
            throw new InvalidOperationException($"The reasons for customer {facts.CustomerId} disagree with the decision's numbers; a rule's wording and its outcome differ.");
        }

        var valueAtRisk = facts.ChurnProbability * Math.Max(predicted, 0);
        var horizonText = $"in the next {facts.HorizonDays} days";
        var valueReason = predicted > 0
            ? $"value at risk {Show.Amount(valueAtRisk)} = churn probability {Show.Probability(facts.ChurnProbability)} × predicted profit {Show.Amount(predicted)} {horizonText}"
            : $"value at risk 0.00: predicted profit {Show.Amount(predicted)} {horizonText} is not positive, so there is nothing to lose";
        var actionReason = $"action {rule.Action} ({action.Description}, {OfferCostText(action.OfferCost)}): rule {row + 1} matched {RuleWords.GetValue(rule, r => r.Describe())}";
        return
        [
            new(DecisionRules.Tier, tierReason),
            new(DecisionRules.PredictedTier, predictedReason),
            new(DecisionRules.LossMaking, lossReason),
            new(DecisionRules.FalseBigCustomer, falseBigReason),
            new(DecisionRules.Lifecycle, stageReason),
            new(DecisionRules.RiskBand, bandReason),
            new(DecisionRules.ValueAtRisk, valueReason),
            new(DecisionRules.Action, actionReason),
        ];
    }

    // A rule's conditions in words, written once per rule object rather than once per customer (a CSV stream explains
    // a million decisions with a dozen rules). Keyed by the object: a rule changed with `with` is a new key.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ActionRule, string> RuleWords = new();

    /// <summary>Whether a customer is a false big customer (top revenue, but thin margin or a low tier): <see cref="FalseBig"/> says why.</summary>
    private static bool IsFalseBig(CustomerFacts facts, ProfitTier tier, TierCutoffs cutoffs, FalseBigCustomerRule rule) =>
        cutoffs.IsTopRevenue(facts.RevenueLast365Days)
        && ((double.IsFinite(facts.MarginRate) && facts.MarginRate * 100 < rule.MarginPercentBelow) || rule.OrProfitTiers.Contains(tier));

    /// <summary>A decision's reasons, written on first read (from any thread; the words are the same whoever writes them).</summary>
    private sealed class LazyReasons(Func<DecisionReason[]> explain) : IReadOnlyList<DecisionReason>
    {
        private readonly Lazy<DecisionReason[]> reasons = new(explain, LazyThreadSafetyMode.PublicationOnly);

        public DecisionReason this[int index] => reasons.Value[index];

        public int Count => reasons.Value.Length;

        public IEnumerator<DecisionReason> GetEnumerator() => ((IEnumerable<DecisionReason>)reasons.Value).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>How the action reason quotes an offer cost; <see cref="WithOfferCost"/> finds it there to replace it.</summary>
    private static string OfferCostText(double cost) => $"offer cost {Show.Amount(cost)}";

    /// <summary>
    /// This decision with one offer cost asked for instead of the action's own (a target list with one cost for every
    /// offer): the cost and the action reason quote the cost used, and the reason names the action's own.
    /// </summary>
    public CustomerDecision WithOfferCost(double cost)
    {
        if (cost == OfferCost)
        {
            return this;
        }

        var ownCost = OfferCost;
        return this with
        {
            OfferCost = cost,
            // Written when read, like the decision's own: a target list of thousands shows a page of them.
            Reasons = new LazyReasons(() => [.. Reasons.Select(r => r.Rule == DecisionRules.Action ? r with { Text = ActionReasonWithOfferCost(r.Text, ownCost, cost) } : r)]),
        };
    }

    /// <summary>
    /// The action reason <paramref name="actionReason"/> of a decision whose own offer cost is <paramref name="ownCost"/>,
    /// quoting <paramref name="cost"/> asked for instead (<see cref="WithOfferCost"/>); unchanged when the two are equal.
    /// </summary>
    public static string ActionReasonWithOfferCost(string actionReason, double ownCost, double cost)
    {
        ArgumentNullException.ThrowIfNull(actionReason);
        return cost == ownCost
            ? actionReason
            : actionReason.Replace(
                OfferCostText(ownCost), $"{OfferCostText(cost)} (asked for this list; the action's own is {Show.Amount(ownCost)})", StringComparison.Ordinal);
    }

    private static (bool FalseBig, string Reason) FalseBig(CustomerFacts facts, ProfitTier tier, TierCutoffs cutoffs, FalseBigCustomerRule rule)
    {
        var revenue = facts.RevenueLast365Days;
        var top = $"top {Show.PercentValue(cutoffs.RevenueTopPercent)}";
        if (!cutoffs.IsTopRevenue(revenue))
        {
            return (false, cutoffs.RevenueCutoffTop is { } cut
                ? $"not a false big customer: revenue {Show.Amount(revenue)} is not in the {top} (≥ {Show.Amount(cut)})"
                : $"not a false big customer: no training customer had revenue, so nobody is in the {top}");
        }

        var big = $"revenue {Show.Amount(revenue)} in the {top} (≥ {Show.Amount(cutoffs.RevenueCutoffTop!.Value)})";
        var marginKnown = double.IsFinite(facts.MarginRate);
        var thin = marginKnown && facts.MarginRate * 100 < rule.MarginPercentBelow;
        var lowTier = rule.OrProfitTiers.Contains(tier);
        var margin = marginKnown ? $"gross margin {Show.Percent(facts.MarginRate)}" : "gross margin unknown";
        var limit = Show.PercentValue(rule.MarginPercentBelow);
        return (thin, lowTier) switch
        {
            (true, true) => (true, $"false big customer: {big} but {margin} < {limit} and profit tier {tier}"),
            (true, false) => (true, $"false big customer: {big} but {margin} < {limit}"),
            (false, true) => (true, $"false big customer: {big} but profit tier {tier}"),
            _ => (false, $"not a false big customer: {big} with {margin}{(marginKnown ? $" ≥ {limit}" : "")} and profit tier {tier}"),
        };
    }
}
