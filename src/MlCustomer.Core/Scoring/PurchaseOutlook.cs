using System.Globalization;
using MlCustomer.Core.Data;
using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Scoring;

/// <summary>
/// What the two-part value model says of one customer beside their gross profit interval: the chance that they buy
/// anything in the value horizon, and the 80% interval of their gross profit if they do. For a likely non-buyer the
/// interval of the value itself is [0, 0]; these two figures say what the marketer is betting on instead ("likely to
/// buy: 9%; if they buy, 40–310 EUR gross profit"). The one place every surface takes them from (the API's JSON and
/// CSV, the console's score files, stored runs, target exports, the workspace), so they agree.
/// </summary>
/// <param name="PurchaseProbability">The recalibrated P(value ≠ 0) in the horizon, 0–1, rounded to <see cref="ProbabilityDecimals"/> decimals.</param>
/// <param name="IfBuyingP10">The lower end of the 80% interval of gross profit if the customer buys, in currency over the horizon.</param>
/// <param name="IfBuyingP90">The upper end of that interval.</param>
public sealed record PurchaseOutlook(double PurchaseProbability, double IfBuyingP10, double IfBuyingP90)
{
    /// <summary>
    /// The decimals a purchase probability is served and stored with (0.0001 = a hundredth of a percentage point): stored
    /// runs keep it as a whole number of basis points, so every surface writes it rounded alike.
    /// </summary>
    public const int ProbabilityDecimals = 4;

    /// <summary>What a surface says where the value model is one-part (no purchase classifier) or the run predates these figures.</summary>
    public const string NotAvailable = "likely to buy: not available (the value model does not predict the chance of buying separately)";

    /// <summary>
    /// The outlook of a served interval; null when it has none (a one-part value model, a bundle trained before two-part
    /// intervals, or a run stored before they were kept).
    /// </summary>
    public static PurchaseOutlook? Of(ValueInterval? interval) =>
        interval is { PurchaseProbability: { } p, AmountIfBuyingP10: { } low, AmountIfBuyingP90: { } high }
            ? new PurchaseOutlook(RoundProbability(p), low, high)
            : null;

    /// <summary>A purchase probability at the served precision: through the stored form, so a fresh score and a stored one are the same double.</summary>
    public static double RoundProbability(double probability) => FromBasisPoints(BasisPoints(probability));

    /// <summary>The probability as a whole number of basis points (1/10,000), as stored runs keep it.</summary>
    public static int BasisPoints(double probability) => (int)Math.Round(probability * 10_000, MidpointRounding.AwayFromZero);

    /// <summary>A stored whole number of basis points as the probability it stands for.</summary>
    public static double FromBasisPoints(int basisPoints) => basisPoints / 10_000.0;

    /// <summary>
    /// "likely to buy: 9%; if they buy, 40–310 EUR gross profit" (whole percent, "under 1%" below it; whole currency units;
    /// "−3 to 55" where a bound is negative, see <see cref="AmountRange"/>).
    /// </summary>
    public string Words(string currency)
    {
        var percent = PurchaseProbability * 100;
        var chance = percent switch
        {
            < 0.5 => "under 1%",
            > 99.5 and < 100 => "over 99%",
            _ => percent.ToString("0", CultureInfo.InvariantCulture) + "%",
        };
        return $"likely to buy: {chance}; if they buy, {AmountRange(IfBuyingP10, IfBuyingP90)} {currency} gross profit";
    }

    /// <summary>
    /// A range of whole currency units: "40–310", but "−3 to 55" (and "−120 to −4") where a bound is negative, since
    /// "-3–55" reads as a typo or as "3 to 55" — the minus is the typographic one (U+2212), so it cannot be taken for
    /// the dash.
    /// </summary>
    public static string AmountRange(double low, double high)
    {
        var (from, to) = (Amount(low), Amount(high));
        return from.StartsWith('-') || to.StartsWith('-')
            ? $"{Minus(from)} to {Minus(to)}"
            : $"{from}–{to}";
    }

    private static string Minus(string amount) => amount.StartsWith('-') ? "\u2212" + amount[1..] : amount;

    /// <summary>
    /// The CSV columns of an outlook, after the interval's own: purchase_probability, then the amount if buying
    /// (<paramref name="amount"/>_if_buying_p10 and _p90: gross_profit for transactional bundles, predicted_value for a customer
    /// table's value column).
    /// </summary>
    public static string[] CsvColumns(string amount = "gross_profit") => ["purchase_probability", $"{amount}_if_buying_p10", $"{amount}_if_buying_p90"];

    /// <summary>The cells under <see cref="CsvColumns"/>: empty where the interval has no outlook (not available).</summary>
    public static ExportCell[] Cells(ValueInterval? interval) => Of(interval) is { } o
        ? [ExportCell.Of(o.PurchaseProbability, ProbabilityDecimals), ExportCell.Of(o.IfBuyingP10, 2), ExportCell.Of(o.IfBuyingP90, 2)]
        : [default, default, default];

    // Whole units as the workspace shows amounts (it compares, it does not account); a tiny negative would read "-0".
    private static string Amount(double value)
    {
        var text = value.ToString("N0", CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }
}
