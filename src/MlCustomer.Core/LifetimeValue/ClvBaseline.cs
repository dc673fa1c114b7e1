namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// The classic statistical CLV baseline: BG/NBD for how many purchases a customer will make in a
/// horizon, Gamma-Gamma for what each will be worth. Expected value = E[purchases in horizon] ×
/// E[value per transaction], without discounting; the product of expectations is the expectation of
/// the product because Gamma-Gamma assumes value independent of purchase frequency.
/// </summary>
/// <remarks>
/// Fit both models on the same calibration period, with <see cref="TransactionValueHistory.Transactions"/>
/// equal to <see cref="RepeatPurchaseHistory.RepeatPurchases"/> (lifetimes' convention). The value is in
/// whatever the Gamma-Gamma model was fitted on: revenue, or profit per transaction for profit CLV.
/// </remarks>
public sealed record ClvBaseline
{
    /// <summary>Combines two fitted (or given) models.</summary>
    public ClvBaseline(BgNbdModel purchases, GammaGammaModel value)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(value);
        Purchases = purchases;
        Value = value;
    }

    /// <summary>The purchase-count model.</summary>
    public BgNbdModel Purchases { get; }

    /// <summary>The value-per-transaction model.</summary>
    public GammaGammaModel Value { get; }

    /// <summary>
    /// Expected value of <paramref name="customer"/> in (T, T + horizon]: BG/NBD expected purchases times
    /// the Gamma-Gamma expected value per transaction given x = the repeat purchases and
    /// <paramref name="averageValue"/> (ignored when there are none).
    /// </summary>
    /// <param name="customer">The purchase history at the end of the calibration period.</param>
    /// <param name="averageValue">Mean value of the customer's repeat purchases, in currency units.</param>
    /// <param name="horizon">Window length in the BG/NBD model's period (≥ 0).</param>
    public double ExpectedValue(RepeatPurchaseHistory customer, double averageValue, double horizon)
    {
        var purchases = Purchases.ExpectedPurchases(customer, horizon);
        if (purchases == 0)
        {
            // A zero-length horizon is worth nothing, even when the population mean value is unbounded (q ≤ 1).
            return 0;
        }

        var perTransaction = Value.ExpectedAverageValue(new TransactionValueHistory(customer.RepeatPurchases, averageValue));
        return purchases * perTransaction;
    }

    /// <summary>Both models' summary lines, separated by "; ".</summary>
    public override string ToString() => $"{Purchases}; {Value}";
}
