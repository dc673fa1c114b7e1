using Microsoft.ML;
using MlCustomer.Core.Data;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Features;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Core.Bundle;

/// <summary>How a saved bundle does on a data set it is given (e.g. newer data than it was trained on).</summary>
/// <param name="Version">The bundle's version.</param>
/// <param name="AsOfDate">The as-of date the features were computed at.</param>
/// <param name="Customers">Customers scored.</param>
/// <param name="Churn">Churn metrics over all of them.</param>
/// <param name="Value">Lifetime value metrics, when the bundle has a value model.</param>
public sealed record BundleEvaluation(string Version, DateOnly AsOfDate, int Customers, BinaryMetricsResult Churn, RegressionMetricsResult? Value);

/// <summary>Re-scores a saved bundle on a data set and measures it against the labels observed there.</summary>
public static class BundleEvaluator
{
    /// <summary>
    /// Computes features at <paramref name="features"/>' as-of date with the bundle's horizons, scores
    /// every customer and compares with what happened in the horizon.
    /// </summary>
    public static BundleEvaluation Evaluate(MLContext ml, ModelBundle bundle, CustomerDataSet data, FeatureOptions features)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(features);
        var table = FeatureBuilder.Build(data, features with { IncludeLabels = true });
        var scores = new BundleScorer(ml, bundle).Score(table.Rows, table.AttributeNames, reasons: 0);
        var churned = table.Rows.Select(r => r.Churned == true).ToArray();
        var churn = BinaryMetrics.Compute(scores.Select(s => s.ChurnProbability).ToArray(), churned);
        RegressionMetricsResult? value = null;
        if (bundle.LifetimeValue is not null)
        {
            value = RegressionMetrics.Compute(
                scores.Select(s => s.PredictedGrossProfit ?? 0).ToArray(),
                table.Rows.Select(r => r.ProfitInHorizon ?? 0).ToArray());
        }

        return new BundleEvaluation(bundle.Card.Version, table.AsOfDate, table.Rows.Count, churn, value);
    }

    /// <summary>The bundle's own horizons at an as-of date (default: the data's last order date minus the longer horizon).</summary>
    public static FeatureOptions WindowFor(ModelCard card, CustomerDataSet data, DateOnly? asOf)
    {
        ArgumentNullException.ThrowIfNull(card);
        var churn = card.ChurnHorizonDays ?? throw new ArgumentException($"Bundle {card.Version} was trained on a customer table; evaluate it with a table, not transactions.");
        var value = card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays;
        return new FeatureOptions
        {
            AsOfDate = asOf ?? FeatureBuilder.DefaultAsOfDate(data, churn, value),
            ChurnHorizonDays = churn,
            ValueHorizonDays = value,
        };
    }
}
