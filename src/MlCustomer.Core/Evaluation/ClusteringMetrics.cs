using System.Numerics;

namespace MlCustomer.Core.Evaluation;

/// <summary>
/// Internal quality of a segmentation (no labels needed), on the same standardised features the clustering
/// used. Cluster ids may be any integers (e.g. ML.NET's 1-based PredictedLabel cast to int); Euclidean distance.
/// </summary>
public static class ClusteringMetrics
{
    /// <summary>Default number of points whose silhouette is averaged.</summary>
    public const int DefaultSilhouetteSample = 2000;

    /// <summary>
    /// Mean silhouette, (b − a) / max(a, b), over a seeded random sample of points, each measured against all
    /// points: a = mean distance to the rest of its own cluster, b = lowest mean distance to another cluster.
    /// Points alone in their cluster count 0, as in scikit-learn. Cost O(sample × n × dimensions).
    /// </summary>
    /// <param name="points">One row of features per point, all of the same length.</param>
    /// <param name="assignments">Cluster id per point.</param>
    /// <param name="sampleSize">Points to average over; all points when this is at least their number.</param>
    /// <param name="seed">Seed of the sample, so a report can be reproduced.</param>
    /// <returns>The mean silhouette, in [−1, 1]; higher means tighter, better separated clusters.</returns>
    /// <exception cref="ArgumentException">Empty, ragged or non-finite points, mismatched assignments, or fewer than two clusters.</exception>
    public static double Silhouette(double[][] points, int[] assignments, int sampleSize = DefaultSilhouetteSample, int seed = 0) =>
        SilhouetteCore(points, assignments, sampleSize, seed);

    /// <inheritdoc cref="Silhouette(double[][], int[], int, int)"/>
    public static double Silhouette(float[][] points, int[] assignments, int sampleSize = DefaultSilhouetteSample, int seed = 0) =>
        SilhouetteCore(points, assignments, sampleSize, seed);

    /// <summary>
    /// Davies–Bouldin index: the mean over clusters of the worst ratio (sᵢ + sⱼ) / dᵢⱼ, where s is the mean
    /// distance of a cluster's points to its centroid and d the distance between centroids. Lower is better,
    /// 0 is the minimum. Clusters with identical centroids are skipped in that ratio, as in scikit-learn.
    /// </summary>
    /// <param name="points">One row of features per point, all of the same length.</param>
    /// <param name="assignments">Cluster id per point.</param>
    /// <exception cref="ArgumentException">Empty, ragged or non-finite points, mismatched assignments, or fewer than two clusters.</exception>
    public static double DaviesBouldin(double[][] points, int[] assignments) => DaviesBouldinCore(points, assignments);

    /// <inheritdoc cref="DaviesBouldin(double[][], int[])"/>
    public static double DaviesBouldin(float[][] points, int[] assignments) => DaviesBouldinCore(points, assignments);

    private static double SilhouetteCore<T>(T[][] points, int[] assignments, int sampleSize, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (cluster, sizes) = Check(points, assignments);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleSize, 1);
        var n = points.Length;
        var sample = SampleIndices(n, sampleSize, seed);
        var distanceSums = new double[sizes.Length];
        var total = 0.0;
        foreach (var i in sample)
        {
            Array.Clear(distanceSums);
            for (var j = 0; j < n; j++)
            {
                if (j != i)
                {
                    distanceSums[cluster[j]] += Distance(points[i], points[j]);
                }
            }

            var own = cluster[i];
            if (sizes[own] == 1)
            {
                continue; // a point alone in its cluster has silhouette 0
            }

            var a = distanceSums[own] / (sizes[own] - 1);
            var b = double.PositiveInfinity;
            for (var c = 0; c < sizes.Length; c++)
            {
                if (c != own)
                {
                    b = Math.Min(b, distanceSums[c] / sizes[c]);
                }
            }

            var spread = Math.Max(a, b);
            total += spread > 0 ? (b - a) / spread : 0;
        }

        return total / sample.Length;
    }

    private static double DaviesBouldinCore<T>(T[][] points, int[] assignments)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (cluster, sizes) = Check(points, assignments);
        var k = sizes.Length;
        var dimensions = points[0].Length;
        var centroids = new double[k][];
        for (var c = 0; c < k; c++)
        {
            centroids[c] = new double[dimensions];
        }

        for (var i = 0; i < points.Length; i++)
        {
            var centroid = centroids[cluster[i]];
            for (var d = 0; d < dimensions; d++)
            {
                centroid[d] += double.CreateChecked(points[i][d]);
            }
        }

        for (var c = 0; c < k; c++)
        {
            for (var d = 0; d < dimensions; d++)
            {
                centroids[c][d] /= sizes[c];
            }
        }

        var scatter = new double[k];
        for (var i = 0; i < points.Length; i++)
        {
            scatter[cluster[i]] += DistanceToCentroid(points[i], centroids[cluster[i]]);
        }

        for (var c = 0; c < k; c++)
        {
            scatter[c] /= sizes[c];
        }

        var sum = 0.0;
        for (var c = 0; c < k; c++)
        {
            var worst = 0.0;
            for (var other = 0; other < k; other++)
            {
                var separation = other == c ? 0 : Distance(centroids[c], centroids[other]);
                if (separation > 0)
                {
                    worst = Math.Max(worst, (scatter[c] + scatter[other]) / separation);
                }
            }

            sum += worst;
        }

        return sum / k;
    }

    /// <summary>Validates the input and maps cluster ids to 0..k−1; returns the dense ids and cluster sizes.</summary>
    private static (int[] Cluster, int[] Sizes) Check<T>(T[][] points, int[] assignments)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(assignments);
        InputChecks.NotEmpty(points.Length, nameof(points));
        InputChecks.SameLength(points.Length, nameof(points), assignments.Length, nameof(assignments));
        var dimensions = points[0]?.Length ?? 0;
        for (var i = 0; i < points.Length; i++)
        {
            var row = points[i];
            if (row is null || row.Length != dimensions || dimensions == 0)
            {
                throw new ArgumentException($"points[{i}] has {row?.Length ?? 0} values; every point needs the same, non-zero number ({dimensions}).", nameof(points));
            }

            for (var d = 0; d < dimensions; d++)
            {
                if (!T.IsFinite(row[d]))
                {
                    throw new ArgumentException($"points[{i}][{d}] is {row[d]}; every value must be a finite number.", nameof(points));
                }
            }
        }

        var ids = new Dictionary<int, int>();
        var cluster = new int[assignments.Length];
        var sizes = new List<int>();
        for (var i = 0; i < assignments.Length; i++)
        {
            if (!ids.TryGetValue(assignments[i], out var dense))
            {
                dense = ids.Count;
                ids.Add(assignments[i], dense);
                sizes.Add(0);
            }

            cluster[i] = dense;
            sizes[dense]++;
        }

        if (sizes.Count < 2)
        {
            throw new ArgumentException("assignments must use at least two clusters; the metric is undefined for one.", nameof(assignments));
        }

        return (cluster, [.. sizes]);
    }

    private static int[] SampleIndices(int n, int sampleSize, int seed)
    {
        var all = new int[n];
        for (var i = 0; i < n; i++)
        {
            all[i] = i;
        }

        if (sampleSize >= n)
        {
            return all;
        }

        // Partial Fisher–Yates: the first sampleSize entries become a uniform sample without replacement.
        var random = new Random(seed);
        for (var i = 0; i < sampleSize; i++)
        {
            var j = random.Next(i, n);
            (all[i], all[j]) = (all[j], all[i]);
        }

        return all[..sampleSize];
    }

    private static double Distance<T>(T[] x, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sum = 0.0;
        for (var d = 0; d < x.Length; d++)
        {
            var diff = double.CreateChecked(x[d]) - double.CreateChecked(y[d]);
            sum += diff * diff;
        }

        return Math.Sqrt(sum);
    }

    private static double DistanceToCentroid<T>(T[] x, double[] centroid)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sum = 0.0;
        for (var d = 0; d < x.Length; d++)
        {
            var diff = double.CreateChecked(x[d]) - centroid[d];
            sum += diff * diff;
        }

        return Math.Sqrt(sum);
    }
}
