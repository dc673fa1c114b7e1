namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// The statistical baseline of the lifetime value model: BG/NBD expected purchases in the horizon ×
/// Gamma-Gamma expected gross profit per purchase, both in days and fitted by maximum likelihood on the
/// training customers only (see <see cref="ValueBaselines.PurchaseHistories"/> for the histories).
/// </summary>
public sealed record BgNbdBaseline
{
    private BgNbdBaseline(ClvBaseline models) => Models = models;

    /// <summary>The fitted BG/NBD and Gamma-Gamma models.</summary>
    public ClvBaseline Models { get; }

    /// <summary>
    /// Fits BG/NBD on every history and Gamma-Gamma on those with repeat purchases and a positive mean
    /// profit per purchase (it leaves the others out and counts them).
    /// </summary>
    /// <param name="histories">The training customers' histories (customers who never bought are not among them).</param>
    /// <exception cref="ArgumentException">No histories, no repeat purchase, or no positive profit per purchase.</exception>
    public static BgNbdBaseline Fit(IEnumerable<ValueHistory> histories)
    {
        ArgumentNullException.ThrowIfNull(histories);
        var list = histories.ToList();
        var purchases = BgNbdModel.Fit(list.Select(h => h.Purchases).ToList());
        var value = GammaGammaModel.Fit(list.Select(h => h.ProfitPerPurchase).ToList());
        if (!double.IsFinite(value.PopulationMeanValue))
        {
            // q ≤ 1: the fitted spread of profit per purchase has no mean, so every customer without repeat
            // purchases would be predicted an infinite value. Better to stop than to report nonsense.
            throw new ArgumentException(
                $"The Gamma-Gamma fit has no finite mean profit per purchase ({value}); the baseline cannot be used on this data.",
                nameof(histories));
        }

        return new BgNbdBaseline(new ClvBaseline(purchases, value));
    }

    /// <summary>
    /// Expected gross profit in the <paramref name="horizonDays"/> after the as-of date; 0 for a customer
    /// without a purchase by then (null history).
    /// </summary>
    public double Predict(ValueHistory? history, int horizonDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(horizonDays);
        return history is null
            ? 0
            : Models.ExpectedValue(history.Purchases, history.ProfitPerPurchase.AverageValue, horizonDays);
    }

    /// <summary>The fitted parameters of both models, for the model card.</summary>
    public override string ToString() => Models.ToString();
}
