using MlCustomer.Core.Data;
using MlCustomer.Core.Features;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// What the BG/NBD + Gamma-Gamma baseline knows about one customer who has bought at least once by the
/// as-of date, with times in days.
/// </summary>
/// <param name="Purchases">x = distinct purchase days − 1, tₓ = last − first purchase day, T = as-of date − first purchase day.</param>
/// <param name="ProfitPerPurchase">
/// Transactions = x (as the Gamma-Gamma model expects) and the mean gross profit per purchase day, see
/// <see cref="ValueBaselines.PurchaseHistories"/>.
/// </param>
public sealed record ValueHistory(RepeatPurchaseHistory Purchases, TransactionValueHistory ProfitPerPurchase);

/// <summary>
/// The baselines the lifetime value model must beat: the naive run rate and the inputs of BG/NBD +
/// Gamma-Gamma (<see cref="BgNbdBaseline"/>).
/// </summary>
public static class ValueBaselines
{
    /// <summary>
    /// The naive run rate: gross profit to date ÷ tenure in days × the horizon. Gross profit (revenue − cost
    /// of goods, returns included), not <see cref="CustomerFeatures.ProfitTotal"/>, because the value label
    /// does not subtract cost-to-serve. A customer with tenure 0 (first seen on the as-of date) has no rate
    /// yet and is predicted 0.
    /// </summary>
    public static double RunRate(CustomerFeatures features, int horizonDays)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfNegative(horizonDays);
        return features.TenureDays > 0 ? features.GrossProfitTotal / features.TenureDays * horizonDays : 0;
    }

    /// <summary>
    /// Each customer's BG/NBD and Gamma-Gamma history at <paramref name="asOf"/>, by customer id, in days,
    /// from order lines on or before it. A purchase day is a day with a line of positive revenue (as in
    /// the features). The profit per purchase is the customer's net gross profit to date (returns and
    /// zero-revenue lines included, so that the baseline predicts profit net of returns like the label)
    /// divided by the purchase days, all of them including the first: the sample business treats first
    /// orders like any other, and the first order is a third of the evidence for a typical customer.
    /// Customers without a purchase by the as-of date are not in the dictionary: BG/NBD describes
    /// customers from their first purchase on, so they are left out of the fit and
    /// <see cref="BgNbdBaseline.Predict"/> gives them 0.
    /// </summary>
    public static IReadOnlyDictionary<string, ValueHistory> PurchaseHistories(CustomerDataSet data, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(data);
        var days = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        var profit = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in data.Transactions)
        {
            if (line.OrderDate > asOf)
            {
                continue;
            }

            profit[line.CustomerId] = profit.GetValueOrDefault(line.CustomerId) + line.GrossProfit;
            if (line.Revenue > 0)
            {
                if (!days.TryGetValue(line.CustomerId, out var set))
                {
                    set = [];
                    days[line.CustomerId] = set;
                }

                set.Add(line.OrderDate.DayNumber);
            }
        }

        var histories = new Dictionary<string, ValueHistory>(days.Count, StringComparer.Ordinal);
        foreach (var (customerId, purchaseDays) in days)
        {
            var repeat = purchaseDays.Count - 1;
            var first = purchaseDays.Min;
            histories[customerId] = new ValueHistory(
                new RepeatPurchaseHistory(repeat, purchaseDays.Max - first, asOf.DayNumber - first),
                new TransactionValueHistory(repeat, profit[customerId] / purchaseDays.Count));
        }

        return histories;
    }
}
