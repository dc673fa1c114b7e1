using System.Globalization;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Training.Decisions;

/// <summary>How the decision commands write enums, flags and reasons in CSV cells and on the console.</summary>
internal static class Labels
{
    /// <summary>low, medium, high (<see cref="WireNames"/>, as the API writes them).</summary>
    public static string Of(RiskBand band) => WireNames.Of(band);

    /// <summary>new, active, atRisk, lapsed, churned (<see cref="WireNames"/>, as the API writes them).</summary>
    public static string Of(LifecycleStage stage) => WireNames.Of(stage);

    /// <summary>sleeping, worthCultivating, fastGrowing, declining, loyal, steady, new, gone (<see cref="WireNames"/>).</summary>
    public static string Of(MovementCategory category) => WireNames.Of(category);

    /// <summary>A–D (<see cref="WireNames"/>).</summary>
    public static string Of(ProfitTier tier) => WireNames.Of(tier);

    /// <summary>An amount with the bundle's currency (<see cref="Core.Bundle.ModelCard.Currency"/>): 10,000.00 EUR; no code for cards from before it was recorded.</summary>
    public static string Money(double amount, string? currency) =>
        currency is null ? amount.ToString("N2", CultureInfo.InvariantCulture) : $"{amount.ToString("N2", CultureInfo.InvariantCulture)} {currency}";

    /// <summary>A column header with the currency of its amounts: "profit (EUR)".</summary>
    public static string Header(string name, string? currency) => currency is null ? name : $"{name} ({currency})";

    /// <summary>A fraction as percent with one decimal: 0.868 → 86.8%.</summary>
    public static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>true or false.</summary>
    public static string Of(bool flag) => flag ? "true" : "false";
}
