using System.Diagnostics;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Customers;
using MlCustomer.Api.Models;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>
/// Scores the whole customer base, one queued run at a time: loads the configured data files, builds
/// features at the run's as-of date with the trainer's builder, scores with the model generation current
/// when the run starts (kept for the whole run), decides each customer's tier, flags and action with that
/// generation's rules, and stores every score and decision in one transaction.
/// </summary>
internal sealed partial class ScoringRunWorker(
    QueuedScoringRuns queue,
    ScoreStore store,
    ModelHost host,
    IOptions<DataOptions> data,
    IOptions<ScoringOptions> scoring,
    IHostEnvironment environment,
    ILogger<ScoringRunWorker> logger) : BackgroundService
{
    // Scoring in chunks bounds the size of each IDataView the scorer builds.
    private const int ChunkSize = 4_096;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var runId in queue.ReadAllAsync(stoppingToken))
        {
            var run = await store.GetRunAsync(runId, stoppingToken);
            if (run is null)
            {
                continue;
            }

            run = run with { Status = RunStatus.Running, StartedAt = DateTimeOffset.UtcNow };
            await store.UpdateRunAsync(run, stoppingToken);
            try
            {
                run = await Task.Run(() => ExecuteRunAsync(run, stoppingToken), stoppingToken);
            }
            catch (Exception e) when (e is DataFileException or ArgumentException or ModelBundleException or InvalidOperationException or IOException or System.Data.Common.DbException)
            {
                // These carry messages written for the person who started the run (file, line, what to do).
                run = run with { Status = RunStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, Error = e.Message };
                LogRunFailed(logger, e, run.Id);
            }

            await store.UpdateRunAsync(run, CancellationToken.None);
        }
    }

    private async Task<ScoringRun> ExecuteRunAsync(ScoringRun run, CancellationToken cancellationToken)
    {
        using var lease = host.Acquire() ?? throw new InvalidOperationException("No model is loaded; a run can start once GET /health/ready is healthy.");
        var generation = lease.Generation;
        var options = data.Value;
        var clock = Stopwatch.StartNew();
        var transactionsPath = Path.GetFullPath(options.TransactionsPath, environment.ContentRootPath);
        var customersPath = string.IsNullOrWhiteSpace(options.CustomersPath) ? null : Path.GetFullPath(options.CustomersPath, environment.ContentRootPath);
        var serviceEventsPath = string.IsNullOrWhiteSpace(options.ServiceEventsPath) ? null : Path.GetFullPath(options.ServiceEventsPath, environment.ContentRootPath);
        var dataSet = CustomerDataLoader.Load(transactionsPath, customersPath, new LoadOptions(), serviceEventsPath);
        var loadMs = clock.ElapsedMilliseconds;

        clock.Restart();
        var asOf = run.RequestedAsOfDate ?? dataSet.LastOrderDate;
        dataSet.CheckAsOfDate(asOf, "asOfDate");
        var table = FeatureBuilder.Build(dataSet, new FeatureOptions
        {
            AsOfDate = asOf,
            ChurnHorizonDays = generation.Card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays,
            ValueHorizonDays = generation.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
            IncludeLabels = false,
            SnapshotAttributesBeforeExport = generation.Card.SnapshotAttributesBeforeExport,
        });
        var featuresMs = clock.ElapsedMilliseconds;

        // How far these customers are from the ones the models learned from; bundles trained before drift checks
        // hold no training distributions, and their runs record none.
        var contract = generation.Card.FeatureContract;
        IReadOnlyList<FeatureDriftResult> featureDrift = [];
        if (table.Rows.Count > 0 && contract.Features.All(f => f.BinShares is not null))
        {
            var rows = new FeatureRows(contract, table.AttributeNames);
            featureDrift = FeatureDrift.Measure(contract, [.. table.Rows.Select(rows.From)]);
        }

        clock.Restart();
        var settings = scoring.Value;
        var stored = new List<StoredScore>(table.Rows.Count);
        foreach (var chunk in table.Rows.Chunk(ChunkSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scores = generation.Scorer.Score(chunk, table.AttributeNames, settings.Reasons);
            for (var i = 0; i < scores.Count; i++)
            {
                var score = scores[i];
                var decision = generation.Decisions.Decide(chunk[i], score);
                var result = ScoresApi.ToResult(score, [], settings, decision);
                stored.Add(new StoredScore
                {
                    RunId = run.Id,
                    CustomerId = score.CustomerId,
                    ChurnProbability = score.ChurnProbability,
                    RiskBand = result.RiskBand,
                    SegmentId = score.SegmentId,
                    SegmentName = score.SegmentName,
                    PredictedGrossProfit = score.PredictedGrossProfit,
                    PredictedRevenue = score.PredictedRevenue,
                    ChurnReasonsJson = CustomersApi.ToJson(result.ChurnReasons),
                    ValueReasonsJson = CustomersApi.ToJson(result.ValueReasons),
                    ModelVersion = generation.Version,
                    AsOfDate = asOf,
                    Decision = decision is null ? null : StoredDecision.From(decision),
                });
            }
        }

        var scoringMs = clock.ElapsedMilliseconds;
        clock.Restart();
        var drift = new RunDrift(
            featureDrift,
            generation.Card.OutputDrift([.. stored.Select(s => s.ChurnProbability)], [.. stored.Select(s => s.PredictedGrossProfit ?? double.NaN)]));
        await store.InsertScoresAsync(stored, run.Id, drift, cancellationToken);
        LogRunSucceeded(logger, run.Id, stored.Count, generation.Version);
        return run with
        {
            Status = RunStatus.Succeeded,
            AsOfDate = asOf,
            ModelVersion = generation.Version,
            FinishedAt = DateTimeOffset.UtcNow,
            TransactionsRead = dataSet.Transactions.Count,
            CustomersScored = stored.Count,
            LoadMilliseconds = loadMs,
            FeaturesMilliseconds = featuresMs,
            ScoringMilliseconds = scoringMs,
            StoringMilliseconds = clock.ElapsedMilliseconds,
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scoring run {RunId} failed")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} stored {Customers} scores from model {Version}")]
    private static partial void LogRunSucceeded(ILogger logger, string runId, int customers, string version);
}
