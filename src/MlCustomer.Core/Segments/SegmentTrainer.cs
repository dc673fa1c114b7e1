using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Evaluation;
using ClusteringMetrics = MlCustomer.Core.Evaluation.ClusteringMetrics;
using MlCustomer.Core.Features;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Segments;

/// <summary>A fitted segmentation.</summary>
/// <param name="Model">Standardiser → KMeans, on <see cref="SegmentInput"/>.</param>
/// <param name="Profiles">One profile per segment, ordered by id.</param>
/// <param name="ClusterToSegment">KMeans cluster id (1-based) → segment id: index 0 is unused.</param>
/// <param name="Candidates">The score of every number of segments tried.</param>
/// <param name="Criterion">How the number of segments was chosen, in words.</param>
/// <param name="Base">The whole base the profiles and names compare with.</param>
/// <param name="MixRule">How tier and lifecycle mixes were measured, in words; null when they were not.</param>
public sealed record TrainedSegmentModel(
    ITransformer Model,
    IReadOnlyList<SegmentProfile> Profiles,
    IReadOnlyList<int> ClusterToSegment,
    IReadOnlyList<SegmentCountScore> Candidates,
    string Criterion,
    SegmentBase Base,
    string? MixRule);

/// <summary>What segment profiles measure their members' tier and lifecycle stage with, all from the same training run.</summary>
/// <param name="Tiers">The tier cut-offs learned in the run.</param>
/// <param name="Lifecycle">The run's lifecycle rule.</param>
/// <param name="ChurnProbabilities">Each customer's churn probability from the run's churn model, in the order of the customers (the lifecycle rule's at-risk test reads it).</param>
public sealed record SegmentMixRules(TierCutoffs Tiers, LifecycleRules Lifecycle, IReadOnlyList<double> ChurnProbabilities);

/// <summary>
/// KMeans on standardised log recency, frequency, monetary and profit, with the number of segments
/// chosen automatically, ids kept stable against a previous model, and profiles (figures, churn label rate,
/// tier and lifecycle mix) named by <see cref="SegmentNames"/> from what they show against the whole base.
/// </summary>
public static class SegmentTrainer
{
    private const string FeaturesColumn = "Features";

    /// <summary>The estimator for a given number of segments.</summary>
    public static IEstimator<ITransformer> Build(MLContext ml, int segments)
    {
        ArgumentNullException.ThrowIfNull(ml);
        return ml.Transforms.NormalizeMeanVariance(FeaturesColumn, nameof(SegmentInput.Rfm))
            .Append(ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
            {
                FeatureColumnName = FeaturesColumn,
                NumberOfClusters = segments,
                InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
                // One thread: KMeans++ seeding and the Lloyd iterations are then reproducible for a seed.
                NumberOfThreads = 1,
            }));
    }

    /// <summary>
    /// Trains the segmentation. With <paramref name="previous"/> profiles (from the bundle in service),
    /// each new segment takes the id of the nearest old centre, so ids stay stable across retraining. With
    /// <paramref name="mixes"/>, profiles also show each segment's tier and lifecycle mix.
    /// </summary>
    public static TrainedSegmentModel Train(
        MLContext ml, IReadOnlyList<CustomerFeatures> customers, SegmentOptions options, IReadOnlyList<SegmentProfile>? previous = null, SegmentMixRules? mixes = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(options);
        if (mixes is not null && mixes.ChurnProbabilities.Count != customers.Count)
        {
            throw new ArgumentException($"{mixes.ChurnProbabilities.Count} churn probabilities for {customers.Count} customers.", nameof(mixes));
        }

        if (customers.Count < options.MinSegments * 10)
        {
            throw new ArgumentException($"Segmentation needs at least {options.MinSegments * 10} customers, not {customers.Count}.");
        }

        var inputs = customers.Select(c => new SegmentInput { Rfm = SegmentFeatures.From(c) }).ToList();
        var data = ml.Data.LoadFromEnumerable(inputs);
        var counts = options.Segments is { } fixedCount
            ? [fixedCount]
            : Enumerable.Range(options.MinSegments, options.MaxSegments - options.MinSegments + 1).ToList();

        var fits = new List<(int Segments, ITransformer Model, int[] Clusters, SegmentCountScore Score)>();
        foreach (var k in counts)
        {
            var model = Build(ml, k).Fit(data);
            var scored = model.Transform(data);
            var points = scored.GetColumn<float[]>(FeaturesColumn).ToArray();
            var clusters = scored.GetColumn<uint>("PredictedLabel").Select(c => (int)c - 1).ToArray();
            var smallest = Enumerable.Range(0, k).Min(c => clusters.Count(x => x == c)) / (double)clusters.Length;
            var score = new SegmentCountScore(
                k,
                ClusteringMetrics.Silhouette(points, clusters, options.SilhouetteSample, seed: 0),
                ClusteringMetrics.DaviesBouldin(points, clusters),
                smallest);
            fits.Add((k, model, clusters, score));
        }

        var (chosen, criterion) = Choose(fits.Select(f => f.Score).ToList(), options);
        var fit = fits.Single(f => f.Segments == chosen);
        var (profiles, clusterToSegment, all) = Profile(customers, inputs, fit.Clusters, chosen, previous, mixes);
        var mixRule = mixes is null
            ? null
            : $"tier mix: each member's profit in the last {mixes.Tiers.WindowDays} days against this run's tier cut-offs ({mixes.Tiers.Describe()}); " +
              $"lifecycle mix: this run's lifecycle rule ({mixes.Lifecycle.Describe()}), with each member's churn probability from this run's churn model";
        return new TrainedSegmentModel(fit.Model, profiles, clusterToSegment, fits.Select(f => f.Score).ToList(), criterion, all, mixRule);
    }

    /// <summary>The stated criterion: the largest count within tolerance of the best silhouette whose segments are all big enough.</summary>
    public static (int Segments, string Criterion) Choose(IReadOnlyList<SegmentCountScore> scores, SegmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Segments is { } fixedCount)
        {
            return (fixedCount, $"fixed by the user: {fixedCount} segments");
        }

        var best = scores.Max(s => s.Silhouette);
        var acceptable = scores
            .Where(s => s.Silhouette >= best * options.SilhouetteToleranceShare && s.SmallestShare >= options.MinSegmentShare)
            .ToList();
        var chosen = acceptable.Count > 0 ? acceptable.Max(s => s.Segments) : scores.MaxBy(s => s.Silhouette)!.Segments;
        return (chosen,
            $"the largest number of segments ({options.MinSegments}–{options.MaxSegments}) whose silhouette is at least " +
            $"{options.SilhouetteToleranceShare:P0} of the best ({best:0.000}) and whose smallest segment holds at least " +
            $"{options.MinSegmentShare:P0} of customers");
    }

    private static (IReadOnlyList<SegmentProfile> Profiles, int[] ClusterToSegment, SegmentBase Base) Profile(
        IReadOnlyList<CustomerFeatures> customers, List<SegmentInput> inputs, int[] clusters, int k, IReadOnlyList<SegmentProfile>? previous, SegmentMixRules? mixes)
    {
        var everyone = Enumerable.Range(0, customers.Count).ToList();
        var totalProfit = customers.Sum(c => c.ProfitTotal);
        var logMean = Enumerable.Range(0, 4).Select(j => inputs.Average(i => (double)i.Rfm[j])).ToArray();
        var logSd = Enumerable.Range(0, 4).Select(j => StandardDeviation(inputs.Select(i => (double)i.Rfm[j]), logMean[j])).ToArray();
        var tiers = mixes is null ? null : customers.Select(c => mixes.Tiers.Assign(Profit.Trailing(c, mixes.Tiers.CostToServe ?? RuleSet.Default.CostToServe))).ToArray();
        var stages = mixes is null ? null : customers.Select((c, i) => mixes.Lifecycle.Classify(LifecycleFacts(c, mixes.ChurnProbabilities[i])).Stage).ToArray();
        var all = new SegmentBase
        {
            Customers = customers.Count,
            MedianRecencyDays = Median(everyone.Select(i => customers[i].RecencyDays)),
            MeanRecencyDays = everyone.Average(i => customers[i].RecencyDays),
            MeanPurchaseDays = everyone.Average(i => customers[i].PurchaseDays),
            MeanRevenue = everyone.Average(i => customers[i].RevenueTotal),
            MeanProfit = everyone.Average(i => customers[i].ProfitTotal),
            MarginRate = Margin(customers, everyone),
            ChurnRate = ChurnRate(customers, everyone),
            FeatureStandardDeviations = logSd,
            TierMix = tiers is null ? null : Tiers(tiers, everyone),
            LifecycleMix = stages is null ? null : Stages(stages, everyone),
        };

        var members = Enumerable.Range(0, k).Select(c => Enumerable.Range(0, clusters.Length).Where(i => clusters[i] == c).ToList()).ToList();
        var centroids = members.Select(m => Enumerable.Range(0, 4).Select(j => m.Average(i => (double)inputs[i].Rfm[j])).ToArray()).ToList();
        var meanProfit = members.Select(m => m.Average(i => customers[i].ProfitTotal)).ToList();
        var clusterToSegment = AssignIds(centroids, meanProfit, previous);

        var profiles = members.Select((m, c) => new SegmentProfile
        {
            Id = clusterToSegment[c + 1],
            Name = "",
            NameReason = "",
            Customers = m.Count,
            ShareOfCustomers = (double)m.Count / customers.Count,
            ShareOfProfit = totalProfit != 0 ? m.Sum(i => customers[i].ProfitTotal) / totalProfit : 0,
            MeanRecencyDays = m.Average(i => customers[i].RecencyDays),
            MedianRecencyDays = Median(m.Select(i => customers[i].RecencyDays)),
            MeanPurchaseDays = m.Average(i => customers[i].PurchaseDays),
            MeanRevenue = m.Average(i => customers[i].RevenueTotal),
            MeanProfit = meanProfit[c],
            MarginRate = Margin(customers, m),
            MeanTenureDays = m.Average(i => customers[i].TenureDays),
            NoPurchaseShare = m.Count(i => customers[i].PurchaseDays == 0) / (double)m.Count,
            ChurnRate = ChurnRate(customers, m),
            TierMix = tiers is null ? null : Tiers(tiers, m),
            LifecycleMix = stages is null ? null : Stages(stages, m),
            Centroid = centroids[c],
        }).OrderBy(p => p.Id).ToList();
        return (SegmentNames.NameAll(profiles, all), clusterToSegment, all);
    }

    // The lifecycle rule reads recency, rhythm, tenure and the churn probability; the predicted profit and its horizon play no part in it.
    private static CustomerFacts LifecycleFacts(CustomerFeatures customer, double churnProbability) =>
        CustomerFacts.From(customer, churnProbability, predictedGrossProfit: 0, horizonDays: 365, segment: null);

    private static double? Margin(IReadOnlyList<CustomerFeatures> customers, List<int> members)
    {
        var revenue = members.Sum(i => customers[i].RevenueTotal);
        return revenue > 0 ? members.Sum(i => customers[i].GrossProfitTotal) / revenue : null;
    }

    private static double? ChurnRate(IReadOnlyList<CustomerFeatures> customers, List<int> members) =>
        members.All(i => customers[i].Churned is not null) ? members.Count(i => customers[i].Churned == true) / (double)members.Count : null;

    private static TierMix Tiers(ProfitTier[] tiers, List<int> members)
    {
        double Share(ProfitTier tier) => members.Count(i => tiers[i] == tier) / (double)members.Count;
        return new TierMix(Share(ProfitTier.A), Share(ProfitTier.B), Share(ProfitTier.C), Share(ProfitTier.D));
    }

    private static LifecycleMix Stages(LifecycleStage[] stages, List<int> members)
    {
        double Share(LifecycleStage stage) => members.Count(i => stages[i] == stage) / (double)members.Count;
        return new LifecycleMix(
            Share(LifecycleStage.New), Share(LifecycleStage.Active), Share(LifecycleStage.AtRisk), Share(LifecycleStage.Lapsed), Share(LifecycleStage.Churned));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>
    /// Cluster → segment id. Without a previous model, ids follow mean profit (1 = most profitable).
    /// With one, the closest pair of (new, old) centres is matched first, and so on; new segments
    /// beyond the old count get fresh ids.
    /// </summary>
    private static int[] AssignIds(List<double[]> centroids, List<double> meanProfit, IReadOnlyList<SegmentProfile>? previous)
    {
        var map = new int[centroids.Count + 1];
        if (previous is null || previous.Count == 0)
        {
            var byProfit = Enumerable.Range(0, centroids.Count).OrderByDescending(c => meanProfit[c]).ToList();
            for (var rank = 0; rank < byProfit.Count; rank++)
            {
                map[byProfit[rank] + 1] = rank + 1;
            }

            return map;
        }

        var pairs = from c in Enumerable.Range(0, centroids.Count)
                    from p in previous
                    orderby Distance(centroids[c], p.Centroid), c, p.Id
                    select (Cluster: c, p.Id);
        var usedClusters = new HashSet<int>();
        var usedIds = new HashSet<int>();
        foreach (var (cluster, id) in pairs)
        {
            if (!usedClusters.Contains(cluster) && !usedIds.Contains(id))
            {
                map[cluster + 1] = id;
                usedClusters.Add(cluster);
                usedIds.Add(id);
            }
        }

        var nextId = previous.Max(p => p.Id) + 1;
        foreach (var cluster in Enumerable.Range(0, centroids.Count).Where(c => !usedClusters.Contains(c)).OrderByDescending(c => meanProfit[c]))
        {
            map[cluster + 1] = nextId++;
        }

        return map;
    }

    private static double Distance(IReadOnlyList<double> a, IReadOnlyList<double> b) =>
        Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());

    private static double StandardDeviation(IEnumerable<double> values, double mean)
    {
        var list = values.ToList();
        return list.Count < 2 ? 0 : Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
    }
}
