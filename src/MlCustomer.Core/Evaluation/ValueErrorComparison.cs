using System.Globalization;

namespace MlCustomer.Core.Evaluation;

/// <summary>A metric on the held-out customers with its percentile bootstrap 95% interval.</summary>
/// <param name="Value">The metric on all the held-out customers.</param>
/// <param name="Lower">2.5th percentile over the resamples.</param>
/// <param name="Upper">97.5th percentile over the resamples.</param>
public sealed record MetricInterval(double Value, double Lower, double Upper)
{
    /// <summary>"12.34 [11.90, 12.80]" with the given .NET format.</summary>
    public string Describe(string format = "0.00") => string.Create(
        CultureInfo.InvariantCulture, $"{Value.ToString(format, CultureInfo.InvariantCulture)} [{Lower.ToString(format, CultureInfo.InvariantCulture)}, {Upper.ToString(format, CultureInfo.InvariantCulture)}]");
}

/// <summary>One value model's held-out errors and ranking, each with a bootstrap interval.</summary>
/// <param name="Model">"trees", "BG/NBD + Gamma-Gamma" or "chosen".</param>
/// <param name="Mae">Mean absolute error, in currency over the horizon.</param>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="Gini">Normalized Gini; null where it is undefined.</param>
public sealed record ModelErrors(string Model, MetricInterval Mae, MetricInterval Rmse, MetricInterval? Gini);

/// <summary>
/// The value model next to its parts on the held-out customers: the trees alone, BG/NBD + Gamma-Gamma alone and the
/// chosen model, with percentile bootstrap 95% intervals (customers resampled, the same draw for every model) and the
/// paired differences chosen − BG/NBD, so "never worse than BG/NBD on error" can be read with its uncertainty.
/// </summary>
/// <param name="Models">Each model's metrics.</param>
/// <param name="ChosenVersusBgNbd">Chosen (challenger) − BG/NBD (champion) for MAE, RMSE and normalized Gini; empty without BG/NBD.</param>
/// <param name="Resamples">Bootstrap resamples.</param>
public sealed record ValueErrorComparison(IReadOnlyList<ModelErrors> Models, IReadOnlyList<MetricDifference> ChosenVersusBgNbd, int Resamples)
{
    /// <summary>
    /// Most held-out customers the bootstrap resamples. The resamples' positions take resamples × customers × 4 bytes
    /// (800 MB at 200,000) and every resample is a pass over them per model and metric. Above it the intervals come from
    /// a fixed-seed random sample of this many held-out customers (the values themselves still count every one), so they
    /// are those of this many customers: wider, never narrower, than all the held-out customers' would be.
    /// </summary>
    public const int DefaultMaxBootstrapCustomers = 200_000;

    /// <summary>Held-out customers the values count; null on cards written before it was recorded.</summary>
    public int? HeldOutCustomers { get; init; }

    /// <summary>Held-out customers the bootstrap drew from: all of them, or the fixed-seed sample above the cap.</summary>
    public int? BootstrapCustomers { get; init; }

    /// <summary>The seed of the sample and the resamples.</summary>
    public int? Seed { get; init; }

    /// <summary>True when the intervals come from a sample of the held-out customers (see <see cref="DefaultMaxBootstrapCustomers"/>).</summary>
    public bool Sampled => BootstrapCustomers is { } sample && HeldOutCustomers is { } all && sample < all;

    /// <summary>How the intervals were drawn, in words: resamples, customers, and the sample when there is one.</summary>
    public string Sampling => Sampled
        ? string.Create(CultureInfo.InvariantCulture,
            $"bootstrap 95% intervals from {Resamples:N0} resamples of a random sample of {BootstrapCustomers:N0} of the {HeldOutCustomers:N0} held-out customers (seed {Seed}; the values count every one, the intervals are those of {BootstrapCustomers:N0} customers, so wider than all of them would give)")
        : string.Create(CultureInfo.InvariantCulture,
            $"bootstrap 95% intervals from {Resamples:N0} resamples of {(HeldOutCustomers is { } n ? $"the {n:N0}" : "the")} held-out customers");

    /// <summary>The name of the trees-alone row.</summary>
    public const string Trees = "trees";

    /// <summary>The name of the chosen model's row.</summary>
    public const string Chosen = "chosen";

    /// <summary>Computes the comparison; <paramref name="models"/> are named predictions of the same held-out customers.</summary>
    /// <remarks>
    /// Above <paramref name="maxBootstrapCustomers"/> held-out customers the resamples are drawn from a random sample of that
    /// many (seeded with <paramref name="seed"/>); the values in the table still count every customer.
    /// </remarks>
    public static ValueErrorComparison Compute(
        IReadOnlyList<(string Name, double[] Predicted)> models, double[] actual, string? bgNbd, int resamples = 1000, int seed = PairedBootstrap.DefaultSeed,
        int maxBootstrapCustomers = DefaultMaxBootstrapCustomers)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentOutOfRangeException.ThrowIfZero(actual.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBootstrapCustomers, 1);
        var n = actual.Length;
        var sample = BootstrapSample(n, maxBootstrapCustomers, seed);
        var m = sample.Length;
        var sampledActual = PairedBootstrap.Gather(actual, sample);

        // Positions in the sample (all the held-out customers below the cap), the same draws for every model and metric.
        var random = new Random(seed);
        var draws = new int[resamples][];
        for (var r = 0; r < resamples; r++)
        {
            draws[r] = new int[m];
            for (var i = 0; i < m; i++)
            {
                draws[r][i] = random.Next(m);
            }
        }

        var rows = models.Select(model =>
        {
            var sampled = PairedBootstrap.Gather(model.Predicted, sample);
            return new ModelErrors(
                model.Name,
                Interval(Mae(model.Predicted, actual)!.Value, draws, draw => Mae(PairedBootstrap.Gather(sampled, draw), PairedBootstrap.Gather(sampledActual, draw))),
                Interval(Rmse(model.Predicted, actual)!.Value, draws, draw => Rmse(PairedBootstrap.Gather(sampled, draw), PairedBootstrap.Gather(sampledActual, draw))),
                Gini(model.Predicted, actual) is { } gini ? Interval(gini, draws, ResampledGiniOf(sampled, sampledActual)) : null);
        }).ToList();

        var differences = new List<MetricDifference>();
        var chosen = models.FirstOrDefault(m => m.Name == Chosen).Predicted;
        var baseline = models.FirstOrDefault(m => m.Name == bgNbd).Predicted;
        if (chosen is not null && baseline is not null)
        {
            var (sampledBaseline, sampledChosen) = (PairedBootstrap.Gather(baseline, sample), PairedBootstrap.Gather(chosen, sample));
            foreach (var (metric, higher, compute, resampled, format) in new (string, bool, Func<double[], double[], double?>, Func<double[], Func<int[], double?>>, string)[]
            {
                ("value MAE", false, Mae, predicted => ix => Mae(PairedBootstrap.Gather(predicted, ix), PairedBootstrap.Gather(sampledActual, ix)), "+0.00;-0.00;0.00"),
                ("value RMSE", false, Rmse, predicted => ix => Rmse(PairedBootstrap.Gather(predicted, ix), PairedBootstrap.Gather(sampledActual, ix)), "+0.00;-0.00;0.00"),
                ("value normalized Gini", true, Gini, predicted => ResampledGiniOf(predicted, sampledActual), "+0.000;-0.000;0.000"),
            })
            {
                // The sample's own customers, resampled; the values on every held-out customer.
                if (compute(baseline, actual) is { } championAll && compute(chosen, actual) is { } challengerAll
                    && PairedBootstrap.Difference(metric, higher, m, resampled(sampledBaseline), resampled(sampledChosen), resamples, seed) is { } difference)
                {
                    differences.Add(difference with { Champion = championAll, Challenger = challengerAll, Format = format });
                }
            }
        }

        return new ValueErrorComparison(rows, differences, resamples) { HeldOutCustomers = n, BootstrapCustomers = m, Seed = seed };
    }

    // Every index below the cap; above it a seeded random choice of maxCustomers of them (partial Fisher–Yates), in order.
    private static int[] BootstrapSample(int customers, int maxCustomers, int seed)
    {
        var all = Enumerable.Range(0, customers).ToArray();
        if (customers <= maxCustomers)
        {
            return all;
        }

        var random = new Random(seed);
        for (var i = 0; i < maxCustomers; i++)
        {
            var j = random.Next(i, customers);
            (all[i], all[j]) = (all[j], all[i]);
        }

        var sample = all[..maxCustomers];
        Array.Sort(sample);
        return sample;
    }

    private static double? Mae(double[] predicted, double[] actual)
    {
        var sum = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            sum += Math.Abs(predicted[i] - actual[i]);
        }

        return sum / actual.Length;
    }

    private static double? Rmse(double[] predicted, double[] actual)
    {
        var sum = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            sum += (predicted[i] - actual[i]) * (predicted[i] - actual[i]);
        }

        return Math.Sqrt(sum / actual.Length);
    }

    private static double? Gini(double[] predicted, double[] actual) => RegressionMetrics.NormalizedGini(predicted, actual);

    // The normalized Gini of a resample of the sample's customers (positions 0..m − 1), each resample one pass over the
    // customers sorted once (ResampledGini) instead of two sorts: 1,000 resamples of 200,000 customers per model and
    // difference were most of the comparison's CPU time.
    private static Func<int[], double?> ResampledGiniOf(double[] predicted, double[] actual)
    {
        var gini = new ResampledGini(predicted, actual);
        return draw => gini.Of(ResampledGini.TimesDrawn(actual.Length, draw));
    }

    private static MetricInterval Interval(double all, int[][] draws, Func<int[], double?> metric)
    {
        var values = new List<double>(draws.Length);
        foreach (var draw in draws)
        {
            if (metric(draw) is { } v)
            {
                values.Add(v);
            }
        }

        values.Sort();
        return values.Count == 0
            ? new MetricInterval(all, all, all)
            : new MetricInterval(all, PairedBootstrap.Percentile(values, 0.025), PairedBootstrap.Percentile(values, 0.975));
    }

    /// <summary>The table in words, one model per clause.</summary>
    public string Describe() => Sampling + ": " + string.Join("; ", Models.Select(m =>
        $"{m.Model}: MAE {m.Mae.Describe()}, RMSE {m.Rmse.Describe()}" + (m.Gini is { } g ? $", Gini {g.Describe("0.000")}" : "")))
        + (ChosenVersusBgNbd.Count == 0 ? "" : "; chosen − BG/NBD: " + string.Join(", ", ChosenVersusBgNbd.Select(d => $"{d.Metric} {d.Describe()} ({d.VerdictText})")));
}
