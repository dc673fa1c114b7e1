namespace MlCustomer.Core.Evaluation;

/// <summary>
/// How well predicted customer value (CLV, profit in the horizon) matches and ranks the actual value, on
/// held-out customers. Undefined metrics are null, never NaN, so the record serialises to valid JSON.
/// </summary>
/// <param name="Count">Customers evaluated.</param>
/// <param name="TotalActual">Sum of the actual values (profit can be negative, so this can be too).</param>
/// <param name="MeanActual">Mean actual value.</param>
/// <param name="MeanPredicted">Mean predicted value.</param>
/// <param name="Mae">Mean absolute error.</param>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="RSquared">1 − SS_residual / SS_total; null when every actual value is the same.</param>
/// <param name="NormalizedGini">Gini of the actual values ordered by prediction divided by the Gini of the actual
/// values ordered by themselves, as in Google's lifetime_value (1 = perfect ranking, about 0 = random);
/// see <see cref="RegressionMetrics.NormalizedGini"/>. Null when it is undefined.</param>
/// <param name="Spearman">Spearman rank correlation (average ranks for ties); null when either side is constant.</param>
/// <param name="TopDecileCapture">Share of the total actual value held by the top 10% by prediction; null when the
/// total is zero or negative, where a share means nothing.</param>
/// <param name="Deciles">Ten groups by prediction, highest first.</param>
public sealed record RegressionMetricsResult(
    int Count,
    double TotalActual,
    double MeanActual,
    double MeanPredicted,
    double Mae,
    double Rmse,
    double? RSquared,
    double? NormalizedGini,
    double? Spearman,
    double? TopDecileCapture,
    IReadOnlyList<DecileRow> Deciles);

/// <summary>
/// One tenth of the customers by predicted value. Decile k holds positions ⌈(k−1)·n/10⌉ to ⌈k·n/10⌉ − 1 of the
/// customers sorted by prediction (highest first); equal predictions that straddle a boundary are shared
/// between the deciles in proportion, so the means are expected values over the order of tied customers.
/// </summary>
/// <param name="Decile">1 = highest predictions … 10 = lowest.</param>
/// <param name="Count">Customers in the decile (0 only when there are fewer than ten customers).</param>
/// <param name="MeanPredicted">Mean prediction in the decile; null when empty.</param>
/// <param name="MeanActual">Mean actual value in the decile; null when empty.</param>
/// <param name="ShareOfActual">The decile's share of the total actual value; null when empty or when the total
/// is zero or negative.</param>
public sealed record DecileRow(int Decile, int Count, double? MeanPredicted, double? MeanActual, double? ShareOfActual);
