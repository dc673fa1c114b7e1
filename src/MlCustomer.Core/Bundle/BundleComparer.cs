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
