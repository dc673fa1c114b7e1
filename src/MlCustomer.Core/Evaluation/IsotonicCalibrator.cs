using System.Globalization;
using System.Text.Json.Serialization;

namespace MlCustomer.Core.Evaluation;

/// <summary>
/// Isotonic calibration: a non-decreasing step function fitted by pool-adjacent-violators, stored as one
/// point per block (the mean score of the block and its share of positives). Scores between two block centres
/// are mapped by linear interpolation; scores beyond the first or last centre get that block's value.
/// </summary>
public sealed record IsotonicCalibrator : IProbabilityCalibrator
{
    /// <summary>The <see cref="Method"/> name and JSON type discriminator.</summary>
    public const string MethodName = "isotonic";

    /// <summary>Creates a calibrator from known blocks (e.g. loaded from a model card); use <see cref="Fit"/> to learn them.</summary>
    /// <param name="blockCentres">Mean score of each block, strictly increasing.</param>
    /// <param name="blockValues">Calibrated probability of each block, in [0, 1] and non-decreasing.</param>
    /// <exception cref="ArgumentException">Missing, empty or mismatched arrays, or values that are not monotone.</exception>
    [JsonConstructor]
    public IsotonicCalibrator(double[] blockCentres, double[] blockValues)
    {
        if (blockCentres is null || blockValues is null || blockCentres.Length == 0)
        {
            throw new ArgumentException(
                "An isotonic calibrator needs at least one block; create one with IsotonicCalibrator.Fit(scores, labels).",
                nameof(blockCentres));
        }

        InputChecks.SameLength(blockCentres.Length, nameof(blockCentres), blockValues.Length, nameof(blockValues));
        InputChecks.Finite(blockCentres, nameof(blockCentres));
        InputChecks.Probabilities(blockValues, nameof(blockValues));
        for (var i = 1; i < blockCentres.Length; i++)
        {
            if (!(blockCentres[i] > blockCentres[i - 1]))
            {
                throw new ArgumentException($"{nameof(blockCentres)}[{i}] is not above the one before; centres must strictly increase.", nameof(blockCentres));
            }

            if (blockValues[i] < blockValues[i - 1])
            {
                throw new ArgumentException($"{nameof(blockValues)}[{i}] is below the one before; values must not decrease.", nameof(blockValues));
            }
        }

        BlockCentres = blockCentres;
        BlockValues = blockValues;
    }

    /// <summary>Mean score of each block, strictly increasing.</summary>
    public double[] BlockCentres { get; }

    /// <summary>Share of positives in each block: the calibrated probability at its centre; non-decreasing.</summary>
    public double[] BlockValues { get; }

    /// <inheritdoc />
    public string Method => MethodName;

    /// <summary>
    /// Fits the step function by pool-adjacent-violators: customers with equal scores are pooled first, then
    /// neighbouring pools are merged while the earlier one has a share of positives at or above the later one,
    /// which leaves strictly increasing blocks.
    /// </summary>
    /// <param name="scores">Raw model score per customer (any finite number).</param>
    /// <param name="labels">Whether each customer is positive.</param>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a non-finite score.</exception>
    public static IsotonicCalibrator Fit(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        InputChecks.ScoresAndLabels(scores, nameof(scores), labels, nameof(labels));
        var n = scores.Length;
        var sortedScores = scores.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(sortedScores, order);

        // The stack of blocks so far: weight, sum of labels, sum of scores.
        var weight = new List<double>();
        var positives = new List<double>();
        var scoreSum = new List<double>();
        var start = 0;
        while (start < n)
        {
            var end = start;
            double w = 0, pos = 0, sum = 0;
            while (end < n && sortedScores[end] == sortedScores[start])
            {
                w++;
                pos += labels[order[end]] ? 1 : 0;
                sum += sortedScores[end];
                end++;
            }

            weight.Add(w);
            positives.Add(pos);
            scoreSum.Add(sum);
            while (weight.Count > 1 && MeanOf(positives, weight, weight.Count - 2) >= MeanOf(positives, weight, weight.Count - 1))
            {
                var last = weight.Count - 1;
                weight[last - 1] += weight[last];
                positives[last - 1] += positives[last];
                scoreSum[last - 1] += scoreSum[last];
                weight.RemoveAt(last);
                positives.RemoveAt(last);
                scoreSum.RemoveAt(last);
            }

            start = end;
        }

        var centres = new double[weight.Count];
        var values = new double[weight.Count];
        for (var k = 0; k < weight.Count; k++)
        {
            centres[k] = scoreSum[k] / weight[k];
            values[k] = positives[k] / weight[k];
        }

        return new IsotonicCalibrator(centres, values);
    }

    /// <inheritdoc />
    public double Calibrate(double score)
    {
        InputChecks.FiniteNumber(score, nameof(score));
        return Interpolate(score);
    }

    /// <inheritdoc />
    public double[] Calibrate(ReadOnlySpan<double> scores)
    {
        InputChecks.Finite(scores, nameof(scores));
        var probabilities = new double[scores.Length];
        for (var i = 0; i < scores.Length; i++)
        {
            probabilities[i] = Interpolate(scores[i]);
        }

        return probabilities;
    }

    /// <summary>Records compare arrays by reference; these compare the blocks themselves.</summary>
    public bool Equals(IsotonicCalibrator? other) =>
        other is not null && BlockCentres.AsSpan().SequenceEqual(other.BlockCentres) && BlockValues.AsSpan().SequenceEqual(other.BlockValues);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(BlockCentres.Length, BlockCentres[0], BlockValues[^1]);

    /// <summary>One-line summary, e.g. "Isotonic calibration: 12 blocks, scores 0.031–0.94 → probabilities 0–0.875".</summary>
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"Isotonic calibration: {BlockCentres.Length} blocks, scores {BlockCentres[0]:G4}–{BlockCentres[^1]:G4} → probabilities {BlockValues[0]:G4}–{BlockValues[^1]:G4}");

    private static double MeanOf(List<double> sums, List<double> weights, int k) => sums[k] / weights[k];

    private double Interpolate(double score)
    {
        if (score <= BlockCentres[0])
        {
            return BlockValues[0];
        }

        if (score >= BlockCentres[^1])
        {
            return BlockValues[^1];
        }

        // First centre above the score; the score lies between centres upper − 1 and upper.
        var search = Array.BinarySearch(BlockCentres, score);
        if (search >= 0)
        {
            return BlockValues[search];
        }

        var upper = ~search;
        var lower = upper - 1;
        var t = (score - BlockCentres[lower]) / (BlockCentres[upper] - BlockCentres[lower]);
        return BlockValues[lower] + (t * (BlockValues[upper] - BlockValues[lower]));
    }
}
