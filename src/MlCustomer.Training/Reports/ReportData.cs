using MlCustomer.Core.Bundle;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Training.Reports;

/// <summary>What report.html shows: the model card, plus customer-level samples the card does not keep
/// (both come from <see cref="TrainingResult"/>).</summary>
/// <param name="Card">The bundle's model card; its Segments and LifetimeValue may be null.</param>
/// <param name="CustomerProfits">Profit per customer (trailing year or total), for the profit concentration
/// (Pareto) curve; empty to leave the curve out.</param>
/// <param name="SegmentScatter">A sample of customers (at most a few thousand) for the 2-D segment scatter, on the
/// segmentation's log scale sign(x)·ln(1 + |x|); null or empty to leave it out.</param>
/// <param name="Tiers">The customer pyramid per profit tier at the as-of date, decided with the trained bundle; null to leave it out.</param>
/// <param name="Movement">Tier movement from an earlier date to the as-of date, with the migration matrix; null to leave it out.</param>
internal sealed record ReportData(
    ModelCard Card,
    IReadOnlyList<double> CustomerProfits,
    IReadOnlyList<SegmentPoint>? SegmentScatter,
    TierPicture? Tiers = null,
    TierMovementPicture? Movement = null);

/// <summary>The pyramid at one date.</summary>
/// <param name="AsOfDate">The date the customers were decided at.</param>
/// <param name="Concentration">Per tier: customers, revenue, profit, share of profit, mean churn probability.</param>
internal sealed record TierPicture(DateOnly AsOfDate, ProfitConcentration Concentration);

/// <summary>Movement between two dates.</summary>
/// <param name="From">The earlier date.</param>
/// <param name="To">The later date (the as-of date).</param>
/// <param name="Report">Movement categories and the migration matrix.</param>
internal sealed record TierMovementPicture(DateOnly From, DateOnly To, TierMovementReport Report);
