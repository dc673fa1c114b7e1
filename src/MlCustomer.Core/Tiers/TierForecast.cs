using MlCustomer.Core.Decisions;

namespace MlCustomer.Core.Tiers;

/// <summary>Customers in tier <paramref name="Tier"/> today whose predicted profit falls in <paramref name="PredictedTier"/>.</summary>
/// <param name="Tier">Tier by profit in the trailing window.</param>
/// <param name="PredictedTier">Tier of the predicted profit in the horizon (scaled to the window).</param>
/// <param name="Customers">How many customers.</param>
public sealed record TierForecastCell(ProfitTier Tier, ProfitTier PredictedTier, int Customers);

/// <summary>
/// Today's tier against the predicted tier, both by profit after cost-to-serve (<see cref="Profit"/>): the
/// confusion matrix of the pyramid today and the pyramid the models expect.
/// </summary>
/// <param name="Customers">Customers counted.</param>
/// <param name="Cells">The 16 cells, row by row from A → A to D → D.</param>
/// <param name="LossMaking">Customers with negative profit in the trailing window.</param>
/// <param name="PredictedLossMaking">Customers with negative predicted profit in the horizon.</param>
/// <param name="Basis">Which customers at which date.</param>
public sealed record TierForecast(int Customers, IReadOnlyList<TierForecastCell> Cells, int LossMaking, int PredictedLossMaking, string Basis)
{
    /// <summary>One cell.</summary>
    public int Count(ProfitTier tier, ProfitTier predicted) => Cells[((int)tier * 4) + (int)predicted].Customers;

    /// <summary>Customers predicted in <paramref name="predicted"/>, whatever their tier today.</summary>
    public int PredictedIn(ProfitTier predicted) => Cells.Where(c => c.PredictedTier == predicted).Sum(c => c.Customers);

    /// <summary>Counts the decisions into the matrix.</summary>
    public static TierForecast Of(IEnumerable<CustomerDecision> decisions, string basis)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var counts = new int[16];
        var (customers, lossMaking, predictedLossMaking) = (0, 0, 0);
        foreach (var d in decisions)
        {
            customers++;
            counts[((int)d.Tier * 4) + (int)d.PredictedTier]++;
            lossMaking += d.LossMaking ? 1 : 0;
            predictedLossMaking += d.PredictedProfit < 0 ? 1 : 0;
        }

        var cells = Enumerable.Range(0, 16).Select(i => new TierForecastCell((ProfitTier)(i / 4), (ProfitTier)(i % 4), counts[i])).ToList();
        return new TierForecast(customers, cells, lossMaking, predictedLossMaking, basis);
    }
}
