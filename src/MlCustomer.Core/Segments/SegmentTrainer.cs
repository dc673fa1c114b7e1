using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlCustomer.Core.Evaluation;
using ClusteringMetrics = MlCustomer.Core.Evaluation.ClusteringMetrics;
using MlCustomer.Core.Features;

namespace MlCustomer.Core.Segments;

/// <summary>A fitted segmentation.</summary>
/// <param name="Model">Standardiser → KMeans, on <see cref="SegmentInput"/>.</param>
/// <param name="Profiles">One profile per segment, ordered by id.</param>
/// <param name="ClusterToSegment">KMeans cluster id (1-based) → segment id: index 0 is unused.</param>
/// <param name="Candidates">The score of every number of segments tried.</param>
/// <param name="Criterion">How the number of segments was chosen, in words.</param>
public sealed record TrainedSegmentModel(
    ITransformer Model,
    IReadOnlyList<SegmentProfile> Profiles,
    IReadOnlyList<int> ClusterToSegment,
    IReadOnlyList<SegmentCountScore> Candidates,
    string Criterion);

/// <summary>
/// KMeans on standardised log recency, frequency, monetary and profit, with the number of segments
/// chosen automatically, readable names and ids kept stable against a previous model.
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
    /// each new segment takes the id of the nearest old centre, so ids stay stable across retraining.
    /// </summary>
    public static TrainedSegmentModel Train(MLContext ml, IReadOnlyList<CustomerFeatures> customers, SegmentOptions options, IReadOnlyList<SegmentProfile>? previous = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(options);
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
        var (profiles, clusterToSegment) = Profile(customers, inputs, fit.Clusters, chosen, previous);
        return new TrainedSegmentModel(fit.Model, profiles, clusterToSegment, fits.Select(f => f.Score).ToList(), criterion);
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

    private static (IReadOnlyList<SegmentProfile> Profiles, int[] ClusterToSegment) Profile(
        IReadOnlyList<CustomerFeatures> customers, List<SegmentInput> inputs, int[] clusters, int k, IReadOnlyList<SegmentProfile>? previous)
    {
        var totalProfit = customers.Sum(c => c.ProfitTotal);
        var totalRevenue = customers.Sum(c => c.RevenueTotal);
        double? overallMargin = totalRevenue > 0 ? customers.Sum(c => c.GrossProfitTotal) / totalRevenue : null;
        var logMean = Enumerable.Range(0, 4).Select(j => inputs.Average(i => (double)i.Rfm[j])).ToArray();
        var logSd = Enumerable.Range(0, 4).Select(j => StandardDeviation(inputs.Select(i => (double)i.Rfm[j]), logMean[j])).ToArray();
        var tenureLog = customers.Select(c => (double)SegmentFeatures.SignedLog(c.TenureDays)).ToArray();
        var tenureMean = tenureLog.Average();
        var tenureSd = StandardDeviation(tenureLog, tenureMean);

        var members = Enumerable.Range(0, k).Select(c => Enumerable.Range(0, clusters.Length).Where(i => clusters[i] == c).ToList()).ToList();
        var centroids = members.Select(m => Enumerable.Range(0, 4).Select(j => m.Average(i => (double)inputs[i].Rfm[j])).ToArray()).ToList();
        var meanProfit = members.Select(m => m.Average(i => customers[i].ProfitTotal)).ToList();
        var clusterToSegment = AssignIds(centroids, meanProfit, previous);

        var named = members.Select((m, c) =>
        {
            var revenue = m.Sum(i => customers[i].RevenueTotal);
            double? margin = revenue > 0 ? m.Sum(i => customers[i].GrossProfitTotal) / revenue : null;
            var z = Enumerable.Range(0, 4).Select(j => logSd[j] > 0 ? (centroids[c][j] - logMean[j]) / logSd[j] : 0).ToArray();
            var tenureZ = tenureSd > 0 ? (m.Average(i => tenureLog[i]) - tenureMean) / tenureSd : 0;
            var (name, reason) = SegmentNames.Name(z[0], z[1], z[2], tenureZ, margin, overallMargin);
            return (name, reason, margin);
        }).ToList();
        var names = SegmentNames.Disambiguate(named.Select(n => n.name).ToList(), meanProfit);

        var profiles = members.Select((m, c) => new SegmentProfile
        {
            Id = clusterToSegment[c + 1],
            Name = names[c],
            NameReason = named[c].reason,
            Customers = m.Count,
            ShareOfCustomers = (double)m.Count / customers.Count,
            ShareOfProfit = totalProfit != 0 ? m.Sum(i => customers[i].ProfitTotal) / totalProfit : 0,
            MeanRecencyDays = m.Average(i => customers[i].RecencyDays),
            MeanPurchaseDays = m.Average(i => customers[i].PurchaseDays),
            MeanRevenue = m.Average(i => customers[i].RevenueTotal),
            MeanProfit = meanProfit[c],
            MarginRate = named[c].margin,
            MeanTenureDays = m.Average(i => customers[i].TenureDays),
            Centroid = centroids[c],
        }).OrderBy(p => p.Id).ToList();
        return (profiles, clusterToSegment);
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
