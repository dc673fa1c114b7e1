using System.Diagnostics;
using System.Diagnostics.Metrics;
using MlCustomer.Api.Models;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Api.Observability;

/// <summary>
/// Every product metric and trace of the service, defined in this one place; the code that does the work records
/// with one call (<see cref="Scored"/>, <see cref="ModelReloaded"/>, <see cref="BeginRun"/>, <see cref="RunFinished"/>).
/// Exported by OpenTelemetry (see <see cref="ObservabilityExtensions"/>) as Prometheus text on <c>/metrics</c> and by OTLP.
/// </summary>
/// <remarks>
/// Static rather than per container: the recording sites (the scoring paths, the model host, the run worker) then need
/// no new dependency, and a process serves one API. The gauges read the state last handed to them.
/// </remarks>
public static class ApiTelemetry
{
    /// <summary>The meter and activity source name (<c>AddMeter</c>/<c>AddSource</c>).</summary>
    public const string Name = "MlCustomer";

    /// <summary>Online scoring: <c>POST /scores</c>.</summary>
    public const string OnlinePath = "online";

    /// <summary>CSV scoring: <c>POST /scores/csv</c>.</summary>
    public const string CsvPath = "csv";

    /// <summary>Scoring runs over the whole base.</summary>
    public const string RunPath = "run";

    /// <summary>Traces of scoring runs and data reads.</summary>
    public static readonly ActivitySource Activities = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> CustomersScored = Meter.CreateCounter<long>(
        "mlcustomer.customers.scored", "{customer}", "Customers scored, by path (online, csv, run) and model version");

    // Latency of the models' call for one request or one run chunk: from well under a millisecond (one customer) to
    // seconds (a 4,096-customer chunk with reasons).
    private static readonly Histogram<double> PredictionDuration = Meter.CreateHistogram(
        "mlcustomer.prediction.duration", "s", "Time the models took to score one request or one scoring-run chunk, by path and model version",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Histogram<double> ChurnProbability = Meter.CreateHistogram(
        "mlcustomer.churn.probability", null, "Churn probabilities served, by path and model version",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95] });

    // In the bundle's currency; the buckets span a small shop's customers to its best accounts and returns below zero.
    private static readonly Histogram<double> PredictedGrossProfit = Meter.CreateHistogram(
        "mlcustomer.predicted.gross_profit", null, "Predicted gross profit over the value horizon served (bundle currency), by path and model version",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [-100, 0, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000] });

    private static readonly Counter<long> Reloads = Meter.CreateCounter<long>(
        "mlcustomer.model.reloads", "{reload}", "Model reloads by outcome (succeeded, invalid_path, refused)");

    private static readonly Histogram<double> ReloadDuration = Meter.CreateHistogram(
        "mlcustomer.model.reload.duration", "s", "Time a reload took (load, checks, warm-up), by outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram(
        "mlcustomer.scoring_run.duration", "s", "Scoring runs' time from start to end, by final status",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600] });

    private static readonly Counter<long> Runs = Meter.CreateCounter<long>(
        "mlcustomer.scoring_runs", "{run}", "Scoring runs finished, by final status (succeeded, failed)");

    // The hosts serving in this process (one in production; test hosts come and go side by side).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ModelHost, object> Models = [];

    private static LatestRun? latestRun;

    // The scope every log line of a run carries: {"Message": "Scoring run <id>", "RunId": "<id>"} in JSON logs.
    private static readonly Func<ILogger, string, IDisposable?> RunLogScope = LoggerMessage.DefineScope<string>("Scoring run {RunId}");

    static ApiTelemetry()
    {
        Meter.CreateObservableGauge("mlcustomer.model.info", ObserveModel, null, "1 for the model bundle being served, labelled with its version");
        Meter.CreateObservableGauge("mlcustomer.scoring_run.throughput", () => latestRun is { Throughput: { } t } ? [new Measurement<double>(t)] : Array.Empty<Measurement<double>>(),
            "{customer}/s", "Customers scored per second of the latest succeeded run (start to end)");
        Meter.CreateObservableGauge("mlcustomer.scoring_run.customers", () => latestRun is { } run ? [new Measurement<long>(run.Customers)] : Array.Empty<Measurement<long>>(),
            "{customer}", "Customers scored by the latest succeeded run");
        Meter.CreateObservableGauge("mlcustomer.drift.psi", ObserveDrift, null,
            "Population stability index of each feature and model output in the latest succeeded run against training (≥ 0.25: shifted)");
    }

    /// <summary>Lets the model-info gauge report what <paramref name="host"/> serves, until <see cref="Forget"/>.</summary>
    public static void Observe(ModelHost host) => Models.AddOrUpdate(host, host);

    /// <summary>Stops reporting <paramref name="host"/> (its application stopped).</summary>
    public static void Forget(ModelHost host) => Models.Remove(host);

    /// <summary>Records one scoring call: customers scored, the models' time, and the distribution of what was served.</summary>
    public static void Scored(string path, string modelVersion, IReadOnlyList<CustomerScore> scores, TimeSpan modelTime)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var tags = new TagList { { "path", path }, { "model.version", modelVersion } };
        CustomersScored.Add(scores.Count, tags);
        PredictionDuration.Record(modelTime.TotalSeconds, tags);
        if (!ChurnProbability.Enabled && !PredictedGrossProfit.Enabled)
        {
            return;
        }

        foreach (var score in scores)
        {
            ChurnProbability.Record(score.ChurnProbability, tags);
            if (score.PredictedGrossProfit is { } profit)
            {
                PredictedGrossProfit.Record(profit, tags);
            }
        }
    }

    /// <summary>Records a reload attempt and its outcome.</summary>
    public static void ModelReloaded(ReloadOutcome outcome, TimeSpan duration)
    {
        var tags = new TagList { { "outcome", OutcomeName(outcome) } };
        Reloads.Add(1, tags);
        ReloadDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>A trace span and a log scope carrying the run id for everything logged while the run executes.</summary>
    public static IDisposable BeginRun(ILogger logger, string runId)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var activity = Activities.StartActivity("scoring run");
        activity?.SetTag("mlcustomer.run.id", runId);
        var scope = RunLogScope(logger, runId);
        return new RunScope(activity, scope);
    }

    /// <summary>Records a finished run: its status and duration, and, when it succeeded, its throughput and drift for the gauges.</summary>
    public static void RunFinished(ScoringRun run, RunDrift? drift)
    {
        ArgumentNullException.ThrowIfNull(run);
        var tags = new TagList { { "status", run.Status } };
        Runs.Add(1, tags);
        Activity.Current?.SetTag("mlcustomer.run.status", run.Status);
        if (run.StartedAt is not { } started || run.FinishedAt is not { } finished)
        {
            return;
        }

        var seconds = (finished - started).TotalSeconds;
        RunDuration.Record(seconds, tags);
        if (run.Status == RunStatus.Succeeded)
        {
            var customers = run.CustomersScored ?? 0;
            latestRun = new LatestRun(customers, seconds > 0 ? customers / seconds : null,
                drift is null ? [] : [.. drift.Features.Select(f => ("feature", f.Feature, f.Psi)), .. drift.Outputs.Select(o => ("output", o.Feature, o.Psi))]);
        }
    }

    /// <summary>The wire name of a reload outcome.</summary>
    public static string OutcomeName(ReloadOutcome outcome) => outcome switch
    {
        ReloadOutcome.Succeeded => "succeeded",
        ReloadOutcome.InvalidPath => "invalid_path",
        _ => "refused",
    };

    private static IEnumerable<Measurement<int>> ObserveModel()
    {
        foreach (var (host, _) in Models)
        {
            if (host.Current is { } generation)
            {
                yield return new Measurement<int>(1, new KeyValuePair<string, object?>("model.version", generation.Version));
            }
        }
    }

    private static IEnumerable<Measurement<double>> ObserveDrift()
    {
        foreach (var (kind, name, psi) in latestRun?.Psi ?? [])
        {
            if (double.IsFinite(psi))
            {
                yield return new Measurement<double>(psi, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("feature", name));
            }
        }
    }

    private sealed record LatestRun(long Customers, double? Throughput, IReadOnlyList<(string Kind, string Name, double Psi)> Psi);

    private sealed class RunScope(Activity? activity, IDisposable? scope) : IDisposable
    {
        public void Dispose()
        {
            scope?.Dispose();
            activity?.Dispose();
        }
    }
}
