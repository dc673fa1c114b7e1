namespace MlCustomer.Core.Decisions;

/// <summary>One customer as the offer arithmetic sees them.</summary>
/// <param name="ChurnProbability">The model's churn probability: what customers are ranked by.</param>
/// <param name="Churn">
/// What counts as churn in the expected return: the same probability when deciding about today's customers, or the
/// observed outcome (1 churned, 0 stayed) when measuring on held-out customers whose future is known.
/// </param>
/// <param name="ProfitIfKept">Predicted profit (after cost-to-serve) in the value horizon; a negative value counts as 0.</param>
/// <param name="OfferCost">What the offer costs for this customer (the action's cost, or one cost asked for).</param>
public readonly record struct OfferCase(double ChurnProbability, double Churn, double ProfitIfKept, double OfferCost);

/// <summary>
/// The single churn-probability threshold that, ignoring the budget, maximises the return when every customer at or
/// above it gets the offer. Equal probabilities are targeted together; among equal returns the threshold targeting
/// fewer customers wins.
/// </summary>
/// <param name="ChurnProbability">The threshold; null when no threshold has a positive return.</param>
/// <param name="Customers">Customers at or above it.</param>
/// <param name="Spend">What offering to all of them costs.</param>
/// <param name="ExpectedReturn">Their saved profit minus the spend.</param>
/// <param name="Considered">Customers the threshold was chosen over (those with a paid offer).</param>
/// <param name="SaveRate">Share of targeted churners an offer keeps.</param>
/// <param name="Basis">Which customers, at which date, with which churn (predicted or observed) and offer costs.</param>
/// <param name="Description">The threshold and its basis in words.</param>
public sealed record ProfitOptimalThreshold(
    double? ChurnProbability, int Customers, double Spend, double ExpectedReturn, int Considered, double SaveRate, string Basis, string Description);

/// <summary>
/// The one offer rule: what an offer to a customer is expected to return, and the profit-optimal churn threshold.
/// The retention list (console <c>targets</c>, <c>/retention/targets</c>) and the model card's held-out figure both
/// use it; they differ only in the customers and in what counts as churn, which <see cref="ProfitOptimalThreshold.Basis"/> says.
/// </summary>
public static class OfferEconomics
{
    /// <summary>Churn × save rate × max(profit if kept, 0): the profit an offer is expected to keep.</summary>
    public static double SavedProfit(in OfferCase customer, double saveRate) =>
        customer.Churn * saveRate * Math.Max(customer.ProfitIfKept, 0);

    /// <summary>Saved profit − offer cost.</summary>
    public static double ExpectedReturn(in OfferCase customer, double saveRate) =>
        SavedProfit(customer, saveRate) - customer.OfferCost;

    /// <summary>The churn-probability threshold with the highest return over <paramref name="customers"/>, budget ignored.</summary>
    /// <param name="customers">The customers with a paid offer.</param>
    /// <param name="saveRate">Share of targeted churners an offer keeps.</param>
    /// <param name="basis">Which customers and which churn, e.g. "today's 20,000 customers at 2025-12-31, predicted churn".</param>
    public static ProfitOptimalThreshold BestThreshold(IReadOnlyList<OfferCase> customers, double saveRate, string basis)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(basis);
        var order = Enumerable.Range(0, customers.Count).ToArray();
        Array.Sort(order, (x, y) => customers[y].ChurnProbability.CompareTo(customers[x].ChurnProbability));
        return BestThreshold(order.Length, i => customers[order[i]], saveRate, basis);
    }

    /// <summary>
    /// The same threshold over customers already in order of churn probability, highest first (a stored target list's
    /// candidates): <paramref name="byChurnDescending"/> gives the i-th of <paramref name="count"/>.
    /// </summary>
    public static ProfitOptimalThreshold BestThreshold(int count, Func<int, OfferCase> byChurnDescending, double saveRate, string basis)
    {
        ArgumentNullException.ThrowIfNull(byChurnDescending);
        return BestThreshold(count, new DelegatedCases(byChurnDescending), saveRate, basis);
    }

    /// <summary>
    /// The same, reading the customers through a struct (a stored list's hundreds of thousands of candidates: the walk
    /// is compiled for it, without a delegate call per customer).
    /// </summary>
    internal static ProfitOptimalThreshold BestThreshold<TCases>(int count, TCases byChurnDescending, double saveRate, string basis)
        where TCases : struct, IOfferCases
    {
        ArgumentNullException.ThrowIfNull(basis);
        double? best = null;
        var (bestCount, bestSpend, bestReturn) = (0, 0.0, 0.0);
        var (spend, net) = (0.0, 0.0);
        var next = count > 0 ? byChurnDescending[0] : default;
        for (var i = 0; i < count; i++)
        {
            var customer = next;
            if (i + 1 < count)
            {
                next = byChurnDescending[i + 1];
            }

            spend += customer.OfferCost;
            net += ExpectedReturn(customer, saveRate);
            var endOfTies = i + 1 == count || next.ChurnProbability != customer.ChurnProbability;
            if (endOfTies && net > bestReturn)
            {
                (best, bestCount, bestSpend, bestReturn) = (customer.ChurnProbability, i + 1, spend, net);
            }
        }

        var description = best is { } threshold
            ? $"budget aside, offering to every paid-offer customer with churn probability ≥ {Show.Probability(threshold)} ({bestCount:N0} of {count:N0} customers, spend {Show.Amount(bestSpend)}) returns {Show.Amount(bestReturn)}, the most of any single threshold ({basis})"
            : $"no single churn-probability threshold has a positive return for this offer ({basis})";
        return new ProfitOptimalThreshold(best, bestCount, bestSpend, bestReturn, count, saveRate, basis, description);
    }

    private readonly struct DelegatedCases(Func<int, OfferCase> cases) : IOfferCases
    {
        public OfferCase this[int index] => cases(index);
    }
}

/// <summary>Customers as the threshold reads them: the i-th in order of churn probability, highest first.</summary>
internal interface IOfferCases
{
    /// <summary>The customer at <paramref name="index"/>.</summary>
    OfferCase this[int index] { get; }
}
