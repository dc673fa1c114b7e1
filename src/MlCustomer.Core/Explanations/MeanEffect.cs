using MlCustomer.Core.Scoring;

namespace MlCustomer.Core.Explanations;

/// <summary>A feature's global importance: the mean size of its TreeSHAP effect over customers.</summary>
/// <param name="Feature">The feature (a categorical attribute counts once).</param>
/// <param name="MeanAbsoluteEffect">Mean |effect| in the prediction's unit (probability for churn, currency for value).</param>
/// <param name="MeanSignedEffect">Mean signed effect (near 0: the effects are deviations from the typical customer).</param>
public sealed record MeanEffect(string Feature, double MeanAbsoluteEffect, double MeanSignedEffect)
{
    /// <summary>
    /// Mean |effect| per feature over <paramref name="scores"/> scored with every feature as a reason (reasons =
    /// <see cref="BundleExplainer.Units"/>' count), largest first; features with no effect on anyone are left out.
    /// </summary>
    public static IReadOnlyList<MeanEffect> Of(IReadOnlyList<CustomerScore> scores, bool churn)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var totals = new Dictionary<string, (double Absolute, double Signed)>(StringComparer.Ordinal);
        foreach (var score in scores)
        {
            foreach (var reason in churn ? score.ChurnReasons : score.ValueReasons)
            {
                var (absolute, signed) = totals.GetValueOrDefault(reason.Feature);
                totals[reason.Feature] = (absolute + Math.Abs(reason.Contribution), signed + reason.Contribution);
            }
        }

        return [.. totals
            .Select(t => new MeanEffect(t.Key, t.Value.Absolute / scores.Count, t.Value.Signed / scores.Count))
            .OrderByDescending(e => e.MeanAbsoluteEffect).ThenBy(e => e.Feature, StringComparer.Ordinal)];
    }
}
