using MlCustomer.Core.Bundle;

namespace MlCustomer.Training.Reports;

/// <summary>What report.html shows: the model card, plus customer-level samples the card does not keep
/// (both come from <see cref="TrainingResult"/>).</summary>
/// <param name="Card">The bundle's model card; its Segments and LifetimeValue may be null.</param>
/// <param name="CustomerProfits">Profit per customer (trailing year or total), for the profit concentration
/// (Pareto) curve; empty to leave the curve out.</param>
/// <param name="SegmentScatter">A sample of customers (at most a few thousand) for the 2-D segment scatter, on the
/// segmentation's log scale sign(x)·ln(1 + |x|); null or empty to leave it out.</param>
internal sealed record ReportData(
    ModelCard Card,
    IReadOnlyList<double> CustomerProfits,
    IReadOnlyList<SegmentPoint>? SegmentScatter);
