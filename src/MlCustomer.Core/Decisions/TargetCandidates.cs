using System.Buffers;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Decisions;

/// <summary>One paid-offer customer as a target list needs them before it is chosen.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">Churn probability.</param>
/// <param name="PredictedProfit">Predicted profit after cost-to-serve in the value horizon.</param>
/// <param name="ValueAtRisk">Churn probability × max(predicted profit, 0): the order within an action.</param>
/// <param name="OfferCost">The action's own offer cost.</param>
/// <param name="Action">Index into <see cref="TargetCandidates.Actions"/>.</param>
/// <param name="Tier">Profit tier now.</param>
/// <param name="Stage">Lifecycle stage.</param>
/// <param name="Segment">Index into <see cref="TargetCandidates.Segments"/>, or −1 without a segment.</param>
public readonly record struct TargetCandidate(
    string CustomerId, double ChurnProbability, double PredictedProfit, double ValueAtRisk, double OfferCost, int Action, ProfitTier Tier,
    LifecycleStage Stage, int Segment);

/// <summary>What target candidates need of one customer's decision (<see cref="TargetCandidates.Builder.Add(in DecidedFacts)"/>).</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="PaidOffer">Whether the action is a paid retention offer.</param>
/// <param name="Action">Key of the recommended action.</param>
/// <param name="Segment">Segment name, or null.</param>
/// <param name="ChurnProbability">Churn probability.</param>
/// <param name="PredictedProfit">Predicted profit after cost-to-serve in the value horizon.</param>
/// <param name="ValueAtRisk">Churn probability × max(predicted profit, 0).</param>
/// <param name="OfferCost">The action's offer cost (0 without a paid offer).</param>
/// <param name="Tier">Profit tier now.</param>
/// <param name="Stage">Lifecycle stage.</param>
public readonly record struct DecidedFacts(
    string CustomerId, bool PaidOffer, string Action, string? Segment, double ChurnProbability, double PredictedProfit, double ValueAtRisk, double OfferCost,
    ProfitTier Tier, LifecycleStage Stage);

/// <summary>Customers without a paid offer with the same filter values, counted (they only count as considered).</summary>
/// <param name="Tier">Profit tier now.</param>
/// <param name="Stage">Lifecycle stage.</param>
/// <param name="Segment">Index into <see cref="TargetCandidates.Segments"/>, or −1.</param>
/// <param name="Action">Index into <see cref="TargetCandidates.Actions"/>.</param>
/// <param name="Customers">How many.</param>
public readonly record struct UnpaidGroup(ProfitTier Tier, LifecycleStage Stage, int Segment, int Action, int Customers);

/// <summary>
/// A scoring run's decided customers as every later target list needs them, computed once when the run ends: the
/// paid-offer customers grouped by action and offer cost and, within a group, by value at risk (highest first, then
/// customer id), which for any save rate and offer cost is the order of expected return; the same customers by churn
/// probability for the threshold; and the customers without a paid offer counted by what filters read. A list for
/// any budget, offer cost, save rate and filter is then a merge of those groups
/// (<see cref="RetentionTargets.Choose(TargetCandidates, TargetOptions, Func{IReadOnlyList{string}, IReadOnlyList{CustomerDecision}})"/>)
/// instead of a sort of every customer.
/// </summary>
public sealed class TargetCandidates
{
    private readonly int[] runStarts;
    private readonly ChurnOrdered[] byChurnCases;

    /// <summary>The candidates, grouped as described; <paramref name="candidates"/> must be in that order (as <see cref="Builder"/> writes them).</summary>
    /// <exception cref="ArgumentException">The candidates are not grouped by action and offer cost in order, or an index is out of range.</exception>
    public TargetCandidates(
        IReadOnlyList<string> actions, IReadOnlyList<string> segments, TargetCandidate[] candidates, int[] byChurn, IReadOnlyList<UnpaidGroup> unpaid)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(byChurn);
        ArgumentNullException.ThrowIfNull(unpaid);
        if (byChurn.Length != candidates.Length)
        {
            throw new ArgumentException($"byChurn has {byChurn.Length} entries for {candidates.Length} candidates.", nameof(byChurn));
        }

        // Runs of one action and one offer cost: within a run, value at risk orders expected return for any save rate.
        var starts = new List<int>();
        for (var i = 0; i < candidates.Length; i++)
        {
            var c = candidates[i];
            if (c.Action < 0 || c.Action >= actions.Count || c.Segment >= segments.Count)
            {
                throw new ArgumentException($"candidate {i} ({c.CustomerId}) names no known action or segment.", nameof(candidates));
            }

            if (i == 0 || c.Action != candidates[i - 1].Action || c.OfferCost != candidates[i - 1].OfferCost)
            {
                if (i > 0 && (c.Action, c.OfferCost).CompareTo((candidates[i - 1].Action, candidates[i - 1].OfferCost)) < 0)
                {
                    throw new ArgumentException($"candidate {i} ({c.CustomerId}) is out of the order by action and offer cost.", nameof(candidates));
                }

                starts.Add(i);
            }
        }

        starts.Add(candidates.Length);
        runStarts = [.. starts];

        // The threshold walks every candidate by churn; a copy in that order reads memory in sequence instead of jumping
        // through the candidates (at a million customers: ~5 ms instead of ~130 ms of cache misses).
        byChurnCases = new ChurnOrdered[byChurn.Length];
        for (var i = 0; i < byChurn.Length; i++)
        {
            var c = candidates[byChurn[i]];
            byChurnCases[i] = new ChurnOrdered(c.ChurnProbability, c.PredictedProfit, c.OfferCost, c.Action, c.Tier, c.Stage, c.Segment);
        }
        Actions = actions;
        Segments = segments;
        Candidates = candidates;
        ByChurn = byChurn;
        Unpaid = unpaid;
    }

    /// <summary>Action keys.</summary>
    public IReadOnlyList<string> Actions { get; }

    /// <summary>Segment names.</summary>
    public IReadOnlyList<string> Segments { get; }

    /// <summary>Paid-offer customers by action and offer cost, then value at risk (highest first), then customer id.</summary>
    public TargetCandidate[] Candidates { get; }

    /// <summary>Indices into <see cref="Candidates"/> by churn probability, highest first.</summary>
    public int[] ByChurn { get; }

    /// <summary>Customers without a paid offer, counted by tier, stage, segment and action.</summary>
    public IReadOnlyList<UnpaidGroup> Unpaid { get; }

    /// <summary>Customers decided (with a paid offer or not).</summary>
    public int Customers => Candidates.Length + Unpaid.Sum(u => u.Customers);

    /// <summary>The candidates of decisions, in any order.</summary>
    public static TargetCandidates From(IEnumerable<CustomerDecision> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var builder = new Builder();
        foreach (var decision in decisions)
        {
            builder.Add(decision);
        }

        return builder.Build();
    }

    /// <summary>The same candidates without one customer (erasure); the counts of the customers without a paid offer cannot tell who they were, so they stay.</summary>
    public TargetCandidates Without(string customerId)
    {
        var at = Array.FindIndex(Candidates, c => string.Equals(c.CustomerId, customerId, StringComparison.Ordinal));
        if (at < 0)
        {
            return this;
        }

        var candidates = Candidates.Where((_, i) => i != at).ToArray();
        var byChurn = ByChurn.Where(i => i != at).Select(i => i > at ? i - 1 : i).ToArray();
        return new TargetCandidates(Actions, Segments, candidates, byChurn, Unpaid);
    }

    /// <summary><paramref name="filter"/> in the candidates' own indices of segments and actions.</summary>
    internal IndexFilter Resolve(TargetFilter? filter) =>
        new(filter?.Tier, filter?.Stage, filter?.Segment is { } segment ? IndexOf(Segments, segment) : IndexFilter.Any,
            filter?.Action is { } action ? IndexOf(Actions, action) : IndexFilter.Any);

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return IndexFilter.None;
    }

    internal ChurnOrdered[] ByChurnCases => byChurnCases;

    /// <summary>
    /// A <see cref="TargetFilter"/> as indices into the candidates' segments and actions: the same customers as
    /// <see cref="TargetFilter.Matches"/>, compared as numbers instead of names for each of hundreds of thousands of candidates.
    /// </summary>
    /// <param name="Tier">The tier asked for, or null.</param>
    /// <param name="Stage">The stage asked for, or null.</param>
    /// <param name="Segment">The segment's index, <see cref="Any"/>, or <see cref="None"/> for a segment no candidate has.</param>
    /// <param name="Action">The action's index, <see cref="Any"/>, or <see cref="None"/>.</param>
    internal readonly record struct IndexFilter(ProfitTier? Tier, LifecycleStage? Stage, int Segment, int Action)
    {
        /// <summary>No criterion.</summary>
        public const int Any = int.MinValue;

        /// <summary>A name that none of the candidates has (−1 is a candidate without a segment).</summary>
        public const int None = -2;

        /// <summary>Whether a candidate with these values is considered.</summary>
        public bool Matches(ProfitTier tier, LifecycleStage stage, int segment, int action) =>
            (Tier is not { } t || t == tier) && (Stage is not { } s || s == stage) && (Segment == Any || Segment == segment) && (Action == Any || Action == action);
    }

    /// <summary>What the threshold reads of a candidate, in churn order.</summary>
    internal readonly record struct ChurnOrdered(
        double ChurnProbability, double PredictedProfit, double OfferCost, int Action, ProfitTier Tier, LifecycleStage Stage, int Segment);

    /// <summary>Runs of candidates with one action and one offer cost.</summary>
    internal int Runs => runStarts.Length - 1;

    internal int RunStart(int run) => runStarts[run];

    /// <summary>Collects decisions one by one (a scoring run's chunks) and sorts once at the end.</summary>
    public sealed class Builder
    {
        private readonly Dictionary<string, int> actions = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> segments = new(StringComparer.Ordinal);
        private readonly List<TargetCandidate> candidates = [];
        private readonly Dictionary<(ProfitTier, LifecycleStage, int, int), int> unpaid = [];

        /// <summary>Adds one decided customer.</summary>
        public void Add(CustomerDecision decision)
        {
            ArgumentNullException.ThrowIfNull(decision);
            Add(new DecidedFacts(
                decision.CustomerId, decision.PaidOffer, decision.Action, decision.Segment, decision.ChurnProbability, decision.PredictedProfit,
                decision.ValueAtRisk, decision.OfferCost, decision.Tier, decision.Stage));
        }

        /// <summary>
        /// Adds one decided customer from the facts a target list needs of its decision (what a replica that scored the customer
        /// kept of it): the same as adding the decision.
        /// </summary>
        public void Add(in DecidedFacts facts)
        {
            ArgumentNullException.ThrowIfNull(facts.CustomerId);
            ArgumentNullException.ThrowIfNull(facts.Action);
            var action = Index(actions, facts.Action);
            var segment = facts.Segment is null ? -1 : Index(segments, facts.Segment);
            if (!facts.PaidOffer)
            {
                var key = (facts.Tier, facts.Stage, segment, action);
                unpaid[key] = unpaid.GetValueOrDefault(key) + 1;
                return;
            }

            candidates.Add(new TargetCandidate(
                facts.CustomerId, facts.ChurnProbability, facts.PredictedProfit, facts.ValueAtRisk, facts.OfferCost, action, facts.Tier, facts.Stage, segment));
        }

        /// <summary>The candidates, sorted.</summary>
        public TargetCandidates Build()
        {
            // Actions and segments by name, so that the stored order does not depend on the order customers came in.
            var actionNames = actions.Keys.Order(StringComparer.Ordinal).ToArray();
            var segmentNames = segments.Keys.Order(StringComparer.Ordinal).ToArray();
            var actionMap = actions.ToDictionary(a => a.Value, a => Array.IndexOf(actionNames, a.Key));
            var segmentMap = segments.ToDictionary(s => s.Value, s => Array.IndexOf(segmentNames, s.Key));
            var sorted = candidates
                .Select(c => c with { Action = actionMap[c.Action], Segment = c.Segment < 0 ? -1 : segmentMap[c.Segment] })
                .ToArray();
            Array.Sort(sorted, (x, y) =>
            {
                var byAction = (x.Action, x.OfferCost).CompareTo((y.Action, y.OfferCost));
                if (byAction != 0)
                {
                    return byAction;
                }

                var byValue = y.ValueAtRisk.CompareTo(x.ValueAtRisk);
                return byValue != 0 ? byValue : string.CompareOrdinal(x.CustomerId, y.CustomerId);
            });
            var byChurn = Enumerable.Range(0, sorted.Length).ToArray();
            Array.Sort(byChurn, (x, y) =>
            {
                var byProbability = sorted[y].ChurnProbability.CompareTo(sorted[x].ChurnProbability);
                return byProbability != 0 ? byProbability : string.CompareOrdinal(sorted[x].CustomerId, sorted[y].CustomerId);
            });
            var groups = unpaid
                .Select(u => new UnpaidGroup(u.Key.Item1, u.Key.Item2, u.Key.Item3 < 0 ? -1 : segmentMap[u.Key.Item3], actionMap[u.Key.Item4], u.Value))
                .OrderBy(u => u.Tier).ThenBy(u => u.Stage).ThenBy(u => u.Segment).ThenBy(u => u.Action)
                .ToList();
            return new TargetCandidates(actionNames, segmentNames, sorted, byChurn, groups);
        }

        private static int Index(Dictionary<string, int> names, string name)
        {
            if (!names.TryGetValue(name, out var index))
            {
                index = names.Count;
                names[name] = index;
            }

            return index;
        }
    }
}

/// <content>A target list from a run's stored candidates: the same list, counts and threshold as from its decisions.</content>
public static partial class RetentionTargets
{
    /// <summary>
    /// The list <see cref="Choose(IEnumerable{CustomerDecision}, TargetOptions)"/> gives for the candidates' decisions,
    /// chosen without reading them: expected returns computed per candidate with <see cref="OfferEconomics"/>, the two
    /// greedy passes as merges of the runs of one action and offer cost (each already in the passes' order, up to rounding, which is
    /// repaired), the threshold over the candidates by churn probability; the list's order and totals from the candidates
    /// too. A chosen customer's decision is asked of <paramref name="decisionsOf"/> (in the order given, a block of
    /// neighbours on the list at a time) only when that target is read, for its reasons: a page of the list reads a page.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options, or <paramref name="decisionsOf"/> did not return one decision per customer asked.</exception>
    public static RetentionTargetList Choose(
        TargetCandidates candidates, TargetOptions options, Func<IReadOnlyList<string>, IReadOnlyList<CustomerDecision>> decisionsOf)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(decisionsOf);
        options.Check();
        var all = candidates.Candidates;
        var filter = options.Filter;
        var saveRate = options.SaveRate;
        var match = candidates.Resolve(filter);
        var considered = 0;
        foreach (var group in candidates.Unpaid)
        {
            if (match.Matches(group.Tier, group.Stage, group.Segment, group.Action))
            {
                considered += group.Customers;
            }
        }

        var withoutPaidOffer = considered;
        var index = ArrayPool<int>.Shared.Rent(Math.Max(all.Length, 1));
        var returns = ArrayPool<double>.Shared.Rent(Math.Max(all.Length, 1));
        var runStarts = new int[candidates.Runs + 1];
        // The cost each action's offers carry in this list (the one cost asked, the action's asked cost, or null: each candidate's own).
        var actionCosts = candidates.Actions.Select(a => options.OfferCost ?? (options.OfferCostByAction?.TryGetValue(a, out var c) == true ? c : (double?)null)).ToArray();
        try
        {
            var (paid, withoutReturn, n) = (0, 0, 0);
            for (var a = 0; a < candidates.Runs; a++)
            {
                runStarts[a] = n;
                for (var i = candidates.RunStart(a); i < candidates.RunStart(a + 1); i++)
                {
                    if (!match.Matches(all[i].Tier, all[i].Stage, all[i].Segment, all[i].Action))
                    {
                        continue;
                    }

                    paid++;
                    var expected = OfferEconomics.ExpectedReturn(Case(all[i], actionCosts[all[i].Action]), saveRate);
                    if (expected <= 0)
                    {
                        withoutReturn++;
                        continue;
                    }

                    index[n] = i;
                    returns[n++] = expected;
                }

                RepairOrder(all, index, returns, runStarts[a], n);
            }

            runStarts[^1] = n;
            considered += paid;
            var byRatio = Merge(all, index, returns, runStarts, options, actionCosts, byRatio: true);
            var byReturn = Merge(all, index, returns, runStarts, options, actionCosts, byRatio: false);
            var (chosen, spend, byBudget, byLimit, _) = byReturn.Total > byRatio.Total ? byReturn : byRatio;

            // The list's order and totals come from the candidates alone (the same numbers the decisions hold); a chosen
            // customer's decision is read only when the target is looked at (a page of a list of thousands), in blocks.
            var order = new (int Candidate, OfferCase Offer, double Saved, double Return)[chosen.Count];
            for (var k = 0; k < order.Length; k++)
            {
                var offer = Case(all[chosen[k]], actionCosts[all[chosen[k]].Action]);
                var saved = OfferEconomics.SavedProfit(offer, saveRate);
                order[k] = (chosen[k], offer, saved, saved - offer.OfferCost);
            }

            Array.Sort(order, (x, y) =>
            {
                var byReturn = y.Return.CompareTo(x.Return);
                return byReturn != 0 ? byReturn : string.CompareOrdinal(all[x.Candidate].CustomerId, all[y.Candidate].CustomerId);
            });
            var targets = new CandidateTargets(
                [.. order.Select(o => all[o.Candidate].CustomerId)], [.. order.Select(o => o.Offer.OfferCost)], [.. order.Select(o => o.Saved)],
                ids =>
                {
                    var decisions = decisionsOf(ids);
                    if (decisions.Count != ids.Count || decisions.Where((d, i) => !string.Equals(d.CustomerId, ids[i], StringComparison.Ordinal)).Any())
                    {
                        throw new ArgumentException("decisionsOf must return one decision per customer asked, in the order asked.", nameof(decisionsOf));
                    }

                    return [.. decisions.Select(d => Target(d, Case(d, options.CostOf(d.Action, d.OfferCost)), saveRate))];
                });
            var savedTotal = 0.0;
            foreach (var o in order)
            {
                savedTotal += o.Saved;
            }

            var threshold = OfferEconomics.BestThreshold(
                paid, ThresholdCases(candidates, match, filter is null, actionCosts, paid), saveRate, Basis(paid, options));
            return new RetentionTargetList(
                targets, options.Budget, saveRate, options.OfferCost, spend, savedTotal, savedTotal - spend,
                spend > 0 ? (savedTotal - spend) / spend : null, considered, withoutPaidOffer, withoutReturn, byBudget, byLimit, threshold, Rule);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(index);
            ArrayPool<double>.Shared.Return(returns);
        }
    }

    private static OfferCase Case(in TargetCandidate c, double? offerCostOverride) =>
        new(c.ChurnProbability, c.ChurnProbability, c.PredictedProfit, offerCostOverride ?? c.OfferCost);

    // The candidates in churn order that the filter keeps, as offer cases (a filtered walk, no copy of the list).
    private static ThresholdWalk ThresholdCases(TargetCandidates candidates, TargetCandidates.IndexFilter match, bool everyone, double?[] actionCosts, int count)
    {
        var cases = candidates.ByChurnCases;
        if (everyone)
        {
            return new ThresholdWalk(cases, null, actionCosts);
        }

        var kept = new int[count];
        var k = 0;
        for (var i = 0; i < cases.Length; i++)
        {
            if (match.Matches(cases[i].Tier, cases[i].Stage, cases[i].Segment, cases[i].Action))
            {
                kept[k++] = i;
            }
        }

        return new ThresholdWalk(cases, kept, actionCosts);
    }

    private readonly struct ThresholdWalk(TargetCandidates.ChurnOrdered[] cases, int[]? kept, double?[] actionCosts) : IOfferCases
    {
        public OfferCase this[int index]
        {
            get
            {
                ref readonly var c = ref cases[kept is null ? index : kept[index]];
                return Case(c, actionCosts[c.Action]);
            }
        }
    }

    private static OfferCase Case(in TargetCandidates.ChurnOrdered c, double? offerCostOverride) =>
        new(c.ChurnProbability, c.ChurnProbability, c.PredictedProfit, offerCostOverride ?? c.OfferCost);

    // Within a run (one action, one offer cost) the stored order is by value at risk; expected return is that × save rate − one cost, the same
    // order but for rounding in the last bit. Insertion sort puts the rare neighbours rounding swapped in their exact
    // order (expected return, then customer id, as ReturnOrder) in one pass over an ordered run.
    private static void RepairOrder(TargetCandidate[] all, int[] index, double[] returns, int from, int to)
    {
        for (var i = from + 1; i < to; i++)
        {
            var (x, r) = (index[i], returns[i]);
            var j = i - 1;
            while (j >= from && Before(all, x, r, index[j], returns[j]))
            {
                index[j + 1] = index[j];
                returns[j + 1] = returns[j];
                j--;
            }

            index[j + 1] = x;
            returns[j + 1] = r;
        }
    }

    private static bool Before(TargetCandidate[] all, int x, double rx, int y, double ry) =>
        rx > ry || (rx == ry && string.CompareOrdinal(all[x].CustomerId, all[y].CustomerId) < 0);

    /// <summary>One greedy pass (by expected return per unit of offer cost, or by expected return) as a merge of the runs.</summary>
    private static (List<int> Chosen, double Spend, int ByBudget, int ByLimit, double Total) Merge(
        TargetCandidate[] all, int[] index, double[] returns, int[] runStarts, TargetOptions options, double?[] actionCosts, bool byRatio)
    {
        var runs = runStarts.Length - 1;
        var heads = new int[runs];
        Array.Copy(runStarts, heads, runs);
        var chosen = new List<int>();
        var (spend, total) = (0.0, 0.0);
        var (byBudget, byLimit) = (0, 0);
        while (true)
        {
            var best = -1;
            for (var a = 0; a < runs; a++)
            {
                if (heads[a] < runStarts[a + 1] && (best < 0 || First(heads[a], heads[best])))
                {
                    best = a;
                }
            }

            if (best < 0)
            {
                break;
            }

            // Once nothing more can be chosen (the limit is reached, or no run's offer fits what is left of the budget),
            // every candidate left is counted where the pass would put it, run by run (one cost per run), without the walk.
            if (Exhausted())
            {
                for (var a = 0; a < runs; a++)
                {
                    var left = runStarts[a + 1] - heads[a];
                    if (left > 0 && spend + (CostAt(heads[a])) > options.Budget)
                    {
                        byBudget += left;
                    }
                    else
                    {
                        byLimit += left;
                    }
                }

                break;
            }

            var at = heads[best]++;
            var cost = CostAt(at);
            if (spend + cost > options.Budget)
            {
                byBudget++;
            }
            else if (options.Limit is { } limit && chosen.Count >= limit)
            {
                byLimit++;
            }
            else
            {
                chosen.Add(index[at]);
                spend += cost;
                total += returns[at];
            }
        }

        return (chosen, spend, byBudget, byLimit, total);

        bool Exhausted()
        {
            if (options.Limit is { } limit && chosen.Count >= limit)
            {
                return true;
            }

            for (var a = 0; a < runs; a++)
            {
                if (heads[a] < runStarts[a + 1] && spend + (CostAt(heads[a])) <= options.Budget)
                {
                    return false;
                }
            }

            return true;
        }

        double CostAt(int at) => actionCosts[all[index[at]].Action] ?? all[index[at]].OfferCost;

        // The pass's comparison (RatioOrder or ReturnOrder) on two runs' heads.
        bool First(int x, int y)
        {
            if (byRatio)
            {
                var ratioX = returns[x] / CostAt(x);
                var ratioY = returns[y] / CostAt(y);
                if (ratioX != ratioY)
                {
                    return ratioX > ratioY;
                }
            }

            return Before(all, index[x], returns[x], index[y], returns[y]);
        }
    }
}

/// <summary>
/// A target list chosen from stored candidates, in its order (expected return, then customer id), with each target's
/// offer cost and expected saved profit known from the candidates; a target's decision (its action's words, its rule
/// reasons) is read through the run's store only when the target is looked at, <see cref="BlockSize"/> customers at a
/// time. So a list of thousands chosen from a million customers costs its first page, not thousands of decisions.
/// Blocks are loaded under a lock, so concurrent readers see one load.
/// </summary>
internal sealed class CandidateTargets : IList<RetentionTarget>, IReadOnlyList<RetentionTarget>
{
    /// <summary>Customers whose decisions are read together when one of them is looked at.</summary>
    public const int BlockSize = 256;

    private readonly string[] customerIds;
    private readonly double[] offerCosts;
    private readonly double[] savedProfits;
    private readonly Func<IReadOnlyList<string>, IReadOnlyList<RetentionTarget>> targetsOf;
    private readonly RetentionTarget?[] loaded;
    private readonly Lock gate = new();

    public CandidateTargets(string[] customerIds, double[] offerCosts, double[] savedProfits, Func<IReadOnlyList<string>, IReadOnlyList<RetentionTarget>> targetsOf)
    {
        this.customerIds = customerIds;
        this.offerCosts = offerCosts;
        this.savedProfits = savedProfits;
        this.targetsOf = targetsOf;
        loaded = new RetentionTarget?[customerIds.Length];
    }

    public int Count => customerIds.Length;

    public bool IsReadOnly => true;

    /// <summary>The customer of the target at <paramref name="index"/>, without reading their decision.</summary>
    public string CustomerIdAt(int index) => customerIds[index];

    /// <summary>The offer cost of the target at <paramref name="index"/>, without reading its decision.</summary>
    public double OfferCost(int index) => offerCosts[index];

    /// <summary>The expected saved profit of the target at <paramref name="index"/>, without reading its decision.</summary>
    public double SavedProfit(int index) => savedProfits[index];

    public RetentionTarget this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            lock (gate)
            {
                if (loaded[index] is { } target)
                {
                    return target;
                }

                var from = index / BlockSize * BlockSize;
                var to = Math.Min(from + BlockSize, Count);
                var targets = targetsOf(new ArraySegment<string>(customerIds, from, to - from));
                for (var i = from; i < to; i++)
                {
                    loaded[i] = targets[i - from];
                }

                return loaded[index]!;
            }
        }

        set => throw new NotSupportedException("A target list is read-only.");
    }

    public IEnumerator<RetentionTarget> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public int IndexOf(RetentionTarget item) => Array.IndexOf(customerIds, item?.Customer.CustomerId);

    public bool Contains(RetentionTarget item) => IndexOf(item) >= 0 && this[IndexOf(item)] == item;

    public void CopyTo(RetentionTarget[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        for (var i = 0; i < Count; i++)
        {
            array[arrayIndex + i] = this[i];
        }
    }

    public void Add(RetentionTarget item) => throw new NotSupportedException("A target list is read-only.");

    public void Clear() => throw new NotSupportedException("A target list is read-only.");

    public void Insert(int index, RetentionTarget item) => throw new NotSupportedException("A target list is read-only.");

    public bool Remove(RetentionTarget item) => throw new NotSupportedException("A target list is read-only.");

    public void RemoveAt(int index) => throw new NotSupportedException("A target list is read-only.");
}
