namespace MlCustomer.Training.Reports;

/// <summary>
/// The profit concentration (Pareto) curve: customers ranked by profit, highest first, against the cumulative
/// share of total profit they bring. With loss-making customers the curve rises above 100% and comes back down
/// to it at the end: the "whale curve", which shows how much the loss-makers cost.
/// </summary>
/// <param name="Customers">Customers on the curve.</param>
/// <param name="TotalProfit">Sum of all profits.</param>
/// <param name="ShareOfCustomers">x of each plotted point, from 0 to 1.</param>
/// <param name="ShareOfProfit">y of each plotted point: cumulative profit of the top customers ÷ total profit.</param>
/// <param name="TopShare">The share of customers the headline is about (0.2).</param>
/// <param name="TopCustomers">Customers in that top share: ⌈share · n⌉.</param>
/// <param name="TopShareOfProfit">Their share of total profit.</param>
/// <param name="LossMakers">Customers with negative profit.</param>
internal sealed record ProfitConcentration(
    int Customers,
    double TotalProfit,
    IReadOnlyList<double> ShareOfCustomers,
    IReadOnlyList<double> ShareOfProfit,
    double TopShare,
    int TopCustomers,
    double TopShareOfProfit,
    int LossMakers)
{
    /// <summary>The business's rule of thumb: about 20% of customers bring about 80% of the profit.</summary>
    public const double DefaultTopShare = 0.2;

    /// <summary>Points kept on the curve; more add bytes to the page and nothing to the eye.</summary>
    public const int MaxPoints = 400;

    /// <summary>The curve, or null when there is nothing to rank or the total profit is not positive (shares of a
    /// total of zero or less mean nothing).</summary>
    public static ProfitConcentration? Compute(IReadOnlyList<double> profits, double topShare = DefaultTopShare)
    {
        ArgumentNullException.ThrowIfNull(profits);
        var sorted = profits.Where(double.IsFinite).OrderDescending().ToArray();
        var total = sorted.Sum();
        if (sorted.Length == 0 || !(total > 0))
        {
            return null;
        }

        var n = sorted.Length;
        var cumulative = new double[n + 1];
        for (var i = 0; i < n; i++)
        {
            cumulative[i + 1] = cumulative[i] + sorted[i];
        }

        var top = Math.Max(1, (int)Math.Ceiling((topShare * n) - 1e-9));
        var ranks = new SortedSet<int> { 0, n, top };
        var step = Math.Max(1, n / MaxPoints);
        for (var k = step; k < n; k += step)
        {
            ranks.Add(k);
        }

        return new ProfitConcentration(
            n,
            total,
            ranks.Select(k => (double)k / n).ToList(),
            ranks.Select(k => cumulative[k] / total).ToList(),
            topShare,
            top,
            cumulative[top] / total,
            sorted.Count(p => p < 0));
    }
}
