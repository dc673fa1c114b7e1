using Microsoft.ML;
using MlCustomer.Core.Data;
using MlCustomer.Core.Evaluation;

namespace MlCustomer.Core.Bundle;

/// <summary>Two bundles measured on the same customers, metric by metric.</summary>
/// <param name="Champion">The champion's evaluation (on its own customers).</param>
/// <param name="Challenger">The challenger's evaluation (on its own customers).</param>
/// <param name="PairedCustomers">Customers both were measured on: the differences are computed on these.</param>
/// <param name="Pairing">Which customers were paired, in words.</param>
/// <param name="Differences">Each metric: challenger − champion with its bootstrap 95% interval.</param>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="Seed">Bootstrap seed.</param>
public sealed record BundleComparison(
    BundleEvaluation Champion,
    BundleEvaluation Challenger,
    int PairedCustomers,
    string Pairing,
    IReadOnlyList<MetricDifference> Differences,
    int Resamples,
    int Seed)
{
    /// <summary>
    /// One line: where the challenger is better or worse (the interval excludes no difference) and where the
    /// difference is within noise, e.g. "challenger better on churn AUC by +0.012 [+0.004, +0.020]; value Gini within noise".
    /// </summary>
    public string Verdict()
    {
        static string On(IEnumerable<MetricDifference> differences) =>
            string.Join(", ", differences.Select(d => $"{d.Metric} by {d.Describe()}"));
        var better = Differences.Where(d => d.Verdict == DifferenceVerdict.Better).ToList();
        var worse = Differences.Where(d => d.Verdict == DifferenceVerdict.Worse).ToList();
        var noise = Differences.Where(d => d.Verdict == DifferenceVerdict.WithinNoise && !d.Identical).ToList();
        var identical = Differences.Where(d => d.Identical).ToList();
        var parts = new List<string>();
        if (better.Count > 0)
        {
            parts.Add($"challenger better on {On(better)}");
        }

        if (worse.Count > 0)
        {
            parts.Add($"{(parts.Count == 0 ? "challenger " : "")}worse on {On(worse)}");
        }

        if (noise.Count > 0)
        {
            parts.Add(parts.Count == 0
                ? $"challenger within noise of the champion on every metric ({string.Join(", ", noise.Select(d => d.Metric))})"
                : $"{string.Join(", ", noise.Select(d => d.Metric))} within noise");
        }

        if (identical.Count > 0)
        {
            parts.Add($"{string.Join(", ", identical.Select(d => d.Metric))} identical");
        }

        return parts.Count == 0 ? "no metric could be compared" : string.Join("; ", parts);
    }
}

/// <summary>
/// Compares a challenger bundle with the champion on the same data and the same customers: each is evaluated as
/// <see cref="BundleEvaluator"/> does (held-out customers at or before the training date, every customer after it),
/// the customers both were measured on are paired, and every metric's difference gets a paired bootstrap 95%
/// interval over those customers.
/// </summary>
public static class BundleComparer
{
    /// <summary>Evaluates both bundles at <paramref name="asOf"/> (default: the champion's default evaluation date) and compares them.</summary>
    /// <exception cref="ArgumentException">The bundles predict over different horizons, or share no customer to measure on.</exception>
    public static BundleComparison Compare(
        MLContext ml,
        ModelBundle champion,
        ModelBundle challenger,
        CustomerDataSet data,
        DateOnly? asOf,
        int resamples = PairedBootstrap.DefaultResamples,
        int seed = PairedBootstrap.DefaultSeed,
        Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(challenger);
        if (champion.Card.ChurnHorizonDays != challenger.Card.ChurnHorizonDays || champion.Card.ValueHorizonDays != challenger.Card.ValueHorizonDays)
        {
            throw new ArgumentException(
                $"Bundles {champion.Card.Version} and {challenger.Card.Version} predict over different horizons " +
                $"({champion.Card.ChurnHorizonDays}/{champion.Card.ValueHorizonDays} against {challenger.Card.ChurnHorizonDays}/{challenger.Card.ValueHorizonDays} days): " +
                "their outcomes differ, so they cannot be compared customer by customer.");
        }

        var window = BundleEvaluator.WindowFor(champion.Card, data, asOf);
        progress?.Invoke($"scoring with {champion.Card.Version}");
        var first = BundleEvaluator.Evaluate(ml, champion, data, window);
        progress?.Invoke($"scoring with {challenger.Card.Version}");
        var second = BundleEvaluator.Evaluate(ml, challenger, data, window);
        return Compare(first, second, $"at {window.AsOfDate:yyyy-MM-dd}: at their training date each measures only on the customers it held out. Compare them out-of-time (a later --as-of).", resamples, seed, progress);
    }

    /// <summary>
    /// Two table bundles on the same labelled customer table: each evaluated as <see cref="CustomerTables.TableScoring.Evaluate"/>
    /// does (held-out rows on its training file, every row on another file), then paired and bootstrapped.
    /// </summary>
    public static BundleComparison CompareOnTable(
        MLContext ml, ModelBundle champion, ModelBundle challenger, string table,
        int resamples = PairedBootstrap.DefaultResamples, int seed = PairedBootstrap.DefaultSeed, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(challenger);
        progress?.Invoke($"scoring with {champion.Card.Version}");
        var first = CustomerTables.TableScoring.Evaluate(ml, champion, table);
        progress?.Invoke($"scoring with {challenger.Card.Version}");
        var second = CustomerTables.TableScoring.Evaluate(ml, challenger, table);
        return Compare(first, second, $"in {Path.GetFileName(table)}: on its training file each measures only on the rows it held out. Compare them on a new labelled table.", resamples, seed, progress);
    }

    /// <summary>Pairs two evaluations by customer and bootstraps every metric's difference over the customers both were measured on.</summary>
    public static BundleComparison Compare(
        BundleEvaluation first, BundleEvaluation second, string whyNoneShared, int resamples, int seed, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);

        var challengerById = second.Scored.ToDictionary(s => s.CustomerId, StringComparer.Ordinal);
        var pairs = first.Scored.Where(s => challengerById.ContainsKey(s.CustomerId)).Select(s => (A: s, B: challengerById[s.CustomerId])).ToList();
        if (pairs.Count == 0)
        {
            throw new ArgumentException($"Bundles {first.Version} and {second.Version} share no customer to measure on {whyNoneShared}");
        }

        var pairing = pairs.Count == first.Customers && pairs.Count == second.Customers
            ? $"{pairs.Count:N0} customers, the same for both ({Basis(first)})"
            : $"{pairs.Count:N0} customers both were measured on (champion {first.Customers:N0}, challenger {second.Customers:N0}; {Basis(first)} / {Basis(second)})";

        progress?.Invoke("bootstrapping the differences");
        var differences = new List<MetricDifference>();
        void Add(string metric, bool higherIsBetter, Func<IReadOnlyList<EvaluatedCustomer>, int[], double?> compute, string format = "+0.000;-0.000;0.000")
        {
            var a = pairs.Select(p => p.A).ToList();
            var b = pairs.Select(p => p.B).ToList();
            if (PairedBootstrap.Difference(metric, higherIsBetter, pairs.Count, i => compute(a, i), i => compute(b, i), resamples, seed) is { } difference)
            {
                differences.Add(difference with { Format = format });
            }
        }

        if (first.Churn is not null && second.Churn is not null)
        {
            var churned = pairs.Select(p => p.A.Churned == true).ToList();
            Add("churn AUC", true, (s, i) => BinaryMetrics.Auc(Probabilities(s, i), PairedBootstrap.Gather(churned, i)));
            Add("churn log loss", false, (s, i) => BinaryMetrics.LogLoss(Probabilities(s, i), PairedBootstrap.Gather(churned, i)));
            Add("churn Brier", false, (s, i) => Brier(Probabilities(s, i), PairedBootstrap.Gather(churned, i)), "+0.0000;-0.0000;0.0000");
        }

        if (first.Value is not null && second.Value is not null)
        {
            var actual = pairs.Select(p => p.A.ActualProfit ?? 0).ToList();
            Add("value Gini", true, (s, i) => RegressionMetrics.NormalizedGini(Predictions(s, i), PairedBootstrap.Gather(actual, i)));
            Add("value MAE", false, (s, i) => Mae(Predictions(s, i), PairedBootstrap.Gather(actual, i)), "+0.00;-0.00;0.00");
        }

        return new BundleComparison(first, second, pairs.Count, pairing, differences, resamples, seed);
    }

    /// <summary>The basis in words: "held-out", "out-of-time" or "new rows".</summary>
    public static string Basis(BundleEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        return evaluation.Basis switch
        {
            EvaluationBasis.HeldOut => "held-out",
            EvaluationBasis.OutOfTime => "out-of-time",
            _ => "new rows",
        };
    }

    private static double[] Probabilities(IReadOnlyList<EvaluatedCustomer> scored, int[] indices)
    {
        var result = new double[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            result[i] = scored[indices[i]].ChurnProbability;
        }

        return result;
    }

    private static double[] Predictions(IReadOnlyList<EvaluatedCustomer> scored, int[] indices)
    {
        var result = new double[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            result[i] = scored[indices[i]].PredictedGrossProfit ?? 0;
        }

        return result;
    }

    private static double Brier(double[] probabilities, bool[] labels)
    {
        var sum = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var error = probabilities[i] - (labels[i] ? 1 : 0);
            sum += error * error;
        }

        return sum / probabilities.Length;
    }

    private static double Mae(double[] predicted, double[] actual)
    {
        var sum = 0.0;
        for (var i = 0; i < predicted.Length; i++)
        {
            sum += Math.Abs(predicted[i] - actual[i]);
        }

        return sum / predicted.Length;
    }
}

/// <summary>One metric of a promotion check: the champion's and the challenger's held-out value.</summary>
/// <param name="Metric">e.g. "churn AUC".</param>
/// <param name="Champion">The active bundle's value.</param>
/// <param name="Challenger">The challenger's value.</param>
/// <param name="HigherIsBetter">Direction of the metric.</param>
/// <param name="Tolerance">How far the challenger may fall behind before it counts as worse.</param>
/// <param name="Worse">True when the challenger is behind by more than the tolerance.</param>
public sealed record PromotionMetric(string Metric, double Champion, double Challenger, bool HigherIsBetter, double Tolerance, bool Worse);

/// <summary>What a promotion check found.</summary>
/// <param name="Comparable">True when both bundles were measured on the same customers with the same outcomes.</param>
/// <param name="Worse">True when the challenger is worse on a metric beyond its tolerance, or the two cannot be compared.</param>
/// <param name="Basis">On which customers the metrics were compared, in words.</param>
/// <param name="Verdict">The decision in one sentence.</param>
/// <param name="Metrics">Each metric compared (empty when not comparable).</param>
public sealed record PromotionVerdict(bool Comparable, bool Worse, string Basis, string Verdict, IReadOnlyList<PromotionMetric> Metrics);

/// <summary>
/// Whether a challenger bundle may replace the active one (<c>POST /models/reload</c>, <c>promote</c>). Both are judged on
/// their held-out customers, as their cards measured them: when both held out the same customers of the same data (same
/// held-out list SHA-256, same input files, same as-of date and horizons) those metrics are on the same customers with the
/// same outcomes, and the challenger is worse when its churn AUC is lower by more than <see cref="AucTolerance"/>, its
/// churn log loss higher by more than <see cref="LogLossTolerance"/>, or its value Gini lower by more than
/// <see cref="GiniTolerance"/>. Bundles measured on different customers cannot be compared from their cards: the check
/// says so and counts as a refusal, so that a retrain on new data is promoted only after a backtest on the same customers
/// (<c>compare</c> at a later as-of date) and a forced reload.
/// </summary>
public static class BundlePromotion
{
    /// <summary>How much lower the challenger's held-out churn AUC may be and still count as level.</summary>
    public const double AucTolerance = 0.005;

    /// <summary>How much higher the challenger's held-out churn log loss may be and still count as level.</summary>
    public const double LogLossTolerance = 0.005;

    /// <summary>How much lower the challenger's held-out value Gini may be and still count as level.</summary>
    public const double GiniTolerance = 0.01;

    /// <summary>Judges <paramref name="challenger"/> against <paramref name="champion"/> from their cards.</summary>
    public static PromotionVerdict Judge(ModelCard champion, ModelCard challenger)
    {
        ArgumentNullException.ThrowIfNull(champion);
        ArgumentNullException.ThrowIfNull(challenger);
        if (string.Equals(champion.Version, challenger.Version, StringComparison.Ordinal))
        {
            return new PromotionVerdict(true, false, "the same bundle version", $"{challenger.Version} is the version already serving: nothing changes.", []);
        }

        if (Different(champion, challenger) is { } why)
        {
            return new PromotionVerdict(false, true, why,
                $"{challenger.Version} and {champion.Version} were not measured on the same customers ({why}), so their held-out metrics cannot be compared: " +
                "backtest them on the same customers (mlcustomer compare A B at a later --as-of, or on a new labelled table), then reload with force=true.", []);
        }

        var metrics = new List<PromotionMetric>();
        void Add(string metric, double? a, double? b, bool higherIsBetter, double tolerance)
        {
            if (a is { } first && b is { } second)
            {
                var behind = higherIsBetter ? first - second : second - first;
                metrics.Add(new PromotionMetric(metric, first, second, higherIsBetter, tolerance, behind > tolerance));
            }
        }

        Add("churn AUC", champion.Churn.Holdout.Auc, challenger.Churn.Holdout.Auc, true, AucTolerance);
        Add("churn log loss", champion.Churn.Holdout.LogLoss, challenger.Churn.Holdout.LogLoss, false, LogLossTolerance);
        Add("value Gini", champion.LifetimeValue?.Holdout.NormalizedGini, challenger.LifetimeValue?.Holdout.NormalizedGini, true, GiniTolerance);
        var basis = $"the {challenger.Split.HoldoutCustomers:N0} customers both held out (held-out list SHA-256 {challenger.Split.HeldOut!.Sha256[..12]}), metrics from their cards";
        static string Show(PromotionMetric m) =>
            $"{m.Metric} {m.Challenger:0.0000} against {m.Champion:0.0000} ({m.Challenger - m.Champion:+0.0000;-0.0000;0.0000}, tolerance {m.Tolerance})";
        var worse = metrics.Where(m => m.Worse).ToList();
        var verdict = worse.Count > 0
            ? $"{challenger.Version} is worse than {champion.Version} on {string.Join("; ", worse.Select(Show))}"
            : $"{challenger.Version} is at least level with {champion.Version}: {string.Join("; ", metrics.Select(Show))}";
        return new PromotionVerdict(true, worse.Count > 0, basis, verdict, metrics);
    }

    // Why two cards' held-out metrics are not on the same customers with the same outcomes, or null when they are. A
    // refitted card still carries its evaluation fit's held-out metrics on the customers it lists, so it compares too.
    private static string? Different(ModelCard a, ModelCard b)
    {
        if (a.Split.HeldOut is not { Count: > 0 } first || b.Split.HeldOut is not { Count: > 0 } second)
        {
            return "one of them held no customers out, or its card does not list them";
        }

        if (!string.Equals(first.Sha256, second.Sha256, StringComparison.Ordinal))
        {
            return $"different held-out customers ({first.Count:N0} and {second.Count:N0}, lists {first.Sha256[..12]} and {second.Sha256[..12]})";
        }

        if (!a.Data.Files.Select(f => f.Sha256).SequenceEqual(b.Data.Files.Select(f => f.Sha256), StringComparer.Ordinal))
        {
            return "trained on different data files";
        }

        if (a.AsOfDate != b.AsOfDate || a.ChurnHorizonDays != b.ChurnHorizonDays || a.ValueHorizonDays != b.ValueHorizonDays)
        {
            return "different as-of dates or horizons, so different outcomes";
        }

        return null;
    }
}

/// <summary>
/// The console's <c>promote</c>: judges a challenger folder against the bundle in a serving folder with
/// <see cref="BundlePromotion"/>, and when it may go in, keeps the serving bundle in <c>FOLDER.previous</c> and copies
/// the challenger's files into the serving folder (which the API's start bundle, or a reload, then loads).
/// </summary>
public static class BundleFolderPromotion
{
    /// <summary>Where the bundle that served before is kept.</summary>
    public static string PreviousFolder(string active) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(active)) + ".previous";

    /// <summary>Judges and, unless refused, promotes; returns the verdict (null when nothing was serving) and whether the files moved.</summary>
    /// <exception cref="ModelBundleException">The challenger is not a complete, unaltered bundle.</exception>
    public static (PromotionVerdict? Verdict, bool Promoted) Promote(MLContext ml, string challenger, string active, bool force)
    {
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentNullException.ThrowIfNull(active);
        // The challenger must load and match its digests before anything is compared or copied.
        ArgumentNullException.ThrowIfNull(ml);
        var candidate = ModelBundle.Load(ml, challenger);
        BundleVersion.Verify(challenger);
        var serving = File.Exists(Path.Combine(active, ModelBundle.CardFile)) ? ModelBundle.ReadCard(active) : null;
        var verdict = serving is null ? null : BundlePromotion.Judge(serving, candidate.Card);
        if (verdict is { Worse: true } && !force)
        {
            return (verdict, false);
        }

        // Staged first: the challenger may be FOLDER.previous itself (promoting back), which the move below replaces.
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(active));
        var staging = full + ".incoming";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        CopyFiles(challenger, staging);
        if (serving is not null)
        {
            var previous = PreviousFolder(active);
            if (Directory.Exists(previous))
            {
                Directory.Delete(previous, recursive: true);
            }

            Directory.Move(full, previous);
        }
        else if (Directory.Exists(full))
        {
            // Files that are not a bundle are not ours to replace; an empty folder is.
            if (Directory.EnumerateFileSystemEntries(full).Any())
            {
                Directory.Delete(staging, recursive: true);
                throw new ArgumentException($"{full} holds files but no {ModelBundle.CardFile}: it is not a bundle folder, so promote does not replace it.");
            }

            Directory.Delete(full);
        }

        Directory.Move(staging, full);
        return (verdict, true);
    }

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }
}
