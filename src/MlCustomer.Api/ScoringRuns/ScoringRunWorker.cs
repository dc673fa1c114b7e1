using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Models;
using MlCustomer.Api.Observability;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.SampleData;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>
/// Scores the whole customer base, one queued run at a time: loads the configured data files, builds
/// features at the run's as-of date with the trainer's builder, scores with the model generation current
/// when the run starts (kept for the whole run), decides each customer's tier, flags and action with that
/// generation's rules, and stores every customer's compact scores (the decision as the facts it was made on) chunk by
/// chunk, then the run's pyramid and its target candidates, which make the rows visible; then prunes runs beyond the retention policy.
/// On a PostgreSQL store the replicas share the runs instead: see <c>ScoringRunWorker.Shared.cs</c>.
/// </summary>
internal sealed partial class ScoringRunWorker(
    QueuedScoringRuns queue,
    ScoreStore store,
    ModelHost host,
    ScoringRunData data,
    IOptions<ScoringOptions> scoring,
    IOptions<StorageOptions> storage,
    IOptions<DataOptions> runs,
    IHostEnvironment environment,
    ILogger<ScoringRunWorker> logger) : BackgroundService
{
    // Scoring in chunks bounds the size of each IDataView the scorer builds.
    private const int ChunkSize = 4_096;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A replica on PostgreSQL rehearses too (into the same throw-away SQLite file): a shared run's chunks go through the
        // same features, models and rules, which are most of its CPU; only the PostgreSQL write path stays cold.
        if (runs.Value.WarmUpRunOnStart)
        {
            await WarmUpAsync(stoppingToken);
        }

        if (store.IsPostgreSql)
        {
            await ExecuteSharedRunsAsync(stoppingToken);
            return;
        }

        await foreach (var runId in queue.ReadAllAsync(stoppingToken))
        {
            var run = await store.GetRunAsync(runId, stoppingToken);
            if (run is null)
            {
                continue;
            }

            using var telemetry = ApiTelemetry.BeginRun(logger, run.Id);
            run = run with { Status = RunStatus.Running, StartedAt = DateTimeOffset.UtcNow };
            await store.UpdateRunAsync(run, stoppingToken);
            try
            {
                using var model = host.Acquire() ?? throw new InvalidOperationException("No model is loaded; a run can start once GET /health/ready is healthy.");
                var scoreKey = await store.NextScoreKeyAsync(stoppingToken);
                run = await Task.Run(() => ExecuteRunAsync(run, model.Generation, scoreKey, stoppingToken), stoppingToken);
            }
            catch (Exception e) when (e is DataFileException or ArgumentException or ModelBundleException or InvalidOperationException or IOException or System.Data.Common.DbException)
            {
                // These carry messages written for the person who started the run (file, line, what to do).
                run = run with { Status = RunStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, Error = e.Message };
                LogRunFailed(logger, e, run.Id);
                // Chunks are committed as they are written: a failed run's rows go (no view ever read them).
                await store.DeleteUnfinishedScoresAsync(CancellationToken.None);
            }

            await store.UpdateRunAsync(run, CancellationToken.None);
            ApiTelemetry.RunFinished(run, run.Status == RunStatus.Succeeded ? await store.GetDriftAsync(run.Id, CancellationToken.None) : null);
            if (run.Status == RunStatus.Succeeded)
            {
                await PruneAsync(stoppingToken);
                await CompareWithPreviousRunAsync(stoppingToken);
            }
        }
    }

    // The rehearsal's size: enough customers that every per-customer method runs thousands of times, in chunks small enough
    // that the per-chunk ones run dozens of times a pass (a method is re-compiled optimised after 30 calls, then again with
    // what those calls taught the compiler after 30 more).
    private const int WarmUpCustomers = 2_000;
    private const int WarmUpChunkSize = 64;
    private const int WarmUpMaxPasses = 8;

    // A pass that makes the compiler compile fewer methods than this means the run's code is compiled; the pause between
    // passes gives the background compiler (which starts after 100 ms without new methods) time to finish its queue.
    private const int WarmUpSettledMethods = 10;
    private static readonly TimeSpan WarmUpPause = TimeSpan.FromMilliseconds(300);

    // The first run after a start used to cost 2–5 s more CPU at 1,000,000 customers than the next (perf: 2.7 s on the
    // runtime's tiered-compilation thread re-compiling the run's hot methods, the rest in the slower code running until
    // then). A rehearsal of the same steps on generated customers, into a throw-away SQLite file, pays most of it
    // here, once (on in the shipped settings: see DataOptions.WarmUpRunOnStart for the gain measured), before the worker takes runs (none can be queued before a model is loaded, which the rehearsal waits for). It records
    // nothing: no run, no metrics, no rows in the real store. A failure is logged and leaves the first run cold.
    private async Task WarmUpAsync(CancellationToken stoppingToken)
    {
        ModelLease? model;
        while ((model = host.Acquire()) is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken);
        }

        var folder = Directory.CreateTempSubdirectory("mlcustomer-run-warm-up-");
        try
        {
            using (model)
            {
                // A customer-table bundle has no scoring runs (the API refuses them): nothing to rehearse.
                if (model.Generation.Card.Table is not null)
                {
                    return;
                }

                var cpu = Environment.CpuUsage.TotalTime;
                var wall = Stopwatch.StartNew();
                var compiledBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
                var passes = await Task.Run(() => RehearseAsync(model.Generation, folder.FullName, stoppingToken), stoppingToken);
                var (wallMs, cpuMs) = ((long)wall.Elapsed.TotalMilliseconds, (long)(Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
                var methods = System.Runtime.JitInfo.GetCompiledMethodCount() - compiledBefore;
                LogWarmedUp(logger, passes, WarmUpCustomers, wallMs, cpuMs, methods);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever goes wrong in a rehearsal (a bundle whose contract the generated customers do not fit, a full disk)
            // must not stop the worker, or the service: the first run is then merely cold.
            LogWarmUpFailed(logger, e);
        }
        finally
        {
            // The throw-away file's pooled connections go with it.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException e)
            {
                LogWarmUpFolderLeft(logger, e, folder.FullName);
            }
        }
    }

    private async Task<int> RehearseAsync(ModelGeneration generation, string folder, CancellationToken cancellationToken)
    {
        SampleDataGenerator.Write(new SampleDataOptions { Customers = WarmUpCustomers }, folder);
        var dataSet = CustomerDataLoader.Load(
            Path.Combine(folder, SampleDataGenerator.TransactionsFile), Path.Combine(folder, SampleDataGenerator.CustomersFile), new LoadOptions(),
            Path.Combine(folder, SampleDataGenerator.ServiceEventsFile));
        var rehearsalStore = new ScoreStore(
            Options.Create(new StorageOptions { DatabasePath = Path.Combine(folder, "warm-up.db") }), environment,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ScoreStore>.Instance);
        await rehearsalStore.InitializeAsync(cancellationToken);
        var pass = 0;
        while (pass < WarmUpMaxPasses)
        {
            pass++;
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            var run = new ScoringRun { Id = $"warm-up-{pass}", Status = RunStatus.Running, RequestedBy = "warm-up", RequestedAt = DateTimeOffset.UtcNow };
            await rehearsalStore.CreateRunAsync(run, cancellationToken);
            var scoreKey = await rehearsalStore.NextScoreKeyAsync(cancellationToken);
            await ScoreLoadedAsync(run, generation, scoreKey, dataSet, 0, rehearsalStore, WarmUpChunkSize, rehearsal: true, cancellationToken);
            await Task.Delay(WarmUpPause, cancellationToken);
            if (System.Runtime.JitInfo.GetCompiledMethodCount() - compiled < WarmUpSettledMethods)
            {
                break;
            }
        }

        return pass;
    }

    // Renews the lease every third of its time until the run ends; when the lease is gone (another replica took the run
    // over after this one failed to renew in time), the run is cancelled here. A renewal that fails on the database is
    // tried again at the next beat: the lease still has two thirds of its time.
    private async Task RenewLeaseAsync(ScoringRun run, TimeSpan leaseTime, CancellationTokenSource lost, CancellationToken done)
    {
        using var beat = new PeriodicTimer(leaseTime / 3);
        try
        {
            while (await beat.WaitForNextTickAsync(done))
            {
                try
                {
                    if (!await store.RenewLeaseAsync(run, leaseTime, done))
                    {
                        await lost.CancelAsync();
                        return;
                    }
                }
                catch (System.Data.Common.DbException e)
                {
                    LogRenewFailed(logger, e, run.Id);
                }
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    // The movement page compares the current run with the one before by default: that comparison (a merge of both runs'
    // stored movement facts, seconds at a million customers) is made here, once, as the run ends, so the page's first call
    // after a run reads it from the store's kept comparison instead of paying for it. A failure only leaves it for the page.
    private async Task CompareWithPreviousRunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await Movement.MovementApi.RunsAsync(null, null, store, cancellationToken) is { Runs: var (from, to) })
            {
                await store.GetMovementSummaryAsync(from, to, cancellationToken);
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or ArgumentException)
        {
            LogMovementFailed(logger, e);
        }
    }

    // The retention policy runs after each succeeded run; a failure to prune leaves old runs for the next one.
    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.PruneAsync(storage.Value.KeepScoringRuns, cancellationToken);
        }
        catch (System.Data.Common.DbException e)
        {
            LogPruneFailed(logger, e);
        }
    }

    private async Task<ScoringRun> ExecuteRunAsync(ScoringRun run, ModelGeneration generation, long scoreKey, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var dataSet = await data.LoadForRunAsync(run.Id, cancellationToken);
        return await ScoreLoadedAsync(run, generation, scoreKey, dataSet, clock.ElapsedMilliseconds, store, ChunkSize, rehearsal: false, cancellationToken);
    }

    // Everything a run does after loading its data: features, scores, decisions, the compact rows stored into `into`, and
    // the summaries. A rehearsal (the start-up warm-up) takes the same steps into a throw-away store, unrecorded.
    private async Task<ScoringRun> ScoreLoadedAsync(
        ScoringRun run, ModelGeneration generation, long scoreKey, CustomerDataSet dataSet, long loadMs, ScoreStore into, int chunkSize, bool rehearsal,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // CPU time of the whole process after loading: on a shared machine wall time says more about the neighbours.
        var cpuAfterLoad = Environment.CpuUsage.TotalTime;
        // What the garbage collector did meanwhile, for the log: a cold run (the first after start-up) and a warm one differ there.
        var gcAfterLoad = RunGarbage.Now();

        var asOf = run.RequestedAsOfDate ?? dataSet.LastOrderDate;
        dataSet.CheckAsOfDate(asOf, "asOfDate");
        // Features are made a chunk at a time as the scoring loop asks for them (the counts first): the run holds one
        // chunk's features and model rows, not the whole base's.
        var table = FeatureBuilder.BuildInChunks(dataSet, new FeatureOptions
        {
            AsOfDate = asOf,
            ChurnHorizonDays = generation.Card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays,
            ValueHorizonDays = generation.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
            IncludeLabels = false,
            SnapshotAttributesBeforeExport = generation.Card.SnapshotAttributesBeforeExport,
        }, chunkSize);
        var featuresMs = clock.ElapsedMilliseconds;

        // How far these customers are from the ones the models learned from, counted chunk by chunk; bundles trained
        // before drift checks hold no training distributions, and their runs record none.
        var driftCounts = ChunkDrift.For(generation, table.AttributeNames, table.Count);
        // Building each chunk's features is timed inside the loop and added to the features step.
        var featureTime = new Stopwatch();

        clock.Restart();
        var count = table.Count;
        var decides = generation.Card.Tiers is not null;
        var reasonNames = new List<string>();
        // Read from both cores while a chunk is encoded; names are added (rarely: a few dozen per run) under a lock.
        var reasonIndex = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var segmentNames = new Dictionary<int, string>();
        var members = new List<TierMember>(decides ? count : 0);
        var candidates = new TargetCandidates.Builder();
        var movementFacts = new List<MovementFacts>(decides ? count : 0);
        var churnProbabilities = new double[count];
        var predictedProfits = new double[count];

        // Scoring and deciding one chunk (both cores) overlaps with writing the one before (SQLite writes on one thread):
        // at most two chunks wait in between, so memory beyond the features is a few chunks, whatever the base.
        var chunks = Channel.CreateBounded<CompactScore[]>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        await using var writer = await into.BeginRunScoresAsync(run.Id, scoreKey, cancellationToken);
        // Where the time goes, for the log: models, rules, encoding, waiting for the writer, and the writer's own time.
        var (modelTime, ruleTime, encodeTime, waitTime, writeTime) = (new Stopwatch(), new Stopwatch(), new Stopwatch(), new Stopwatch(), new Stopwatch());
        var storing = Task.Run(async () =>
        {
            try
            {
                await foreach (var rows in chunks.Reader.ReadAllAsync(cancellationToken))
                {
                    writeTime.Start();
                    foreach (var row in rows)
                    {
                        writer.Add(row);
                    }

                    writer.CommitChunk();
                    writeTime.Stop();
                }
            }
            catch (Exception e)
            {
                // The scoring loop must not wait for room in a channel nobody reads any more: closing it ends the loop,
                // and the writer's own exception is what the run reports (awaited below).
                chunks.Writer.TryComplete(e);
                throw;
            }
        }, cancellationToken);
        try
        {
            var offset = 0;
            using var chunkSource = table.Chunks.GetEnumerator();
            while (true)
            {
                featureTime.Start();
                var more = chunkSource.MoveNext();
                var chunk = more ? chunkSource.Current : [];
                driftCounts?.Count(chunk);
                featureTime.Stop();
                if (!more)
                {
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                var (scores, decisions, rows) = ScoreChunk(generation, chunk, table.AttributeNames, ReasonIndex, (modelTime, ruleTime, encodeTime), record: !rehearsal);
                encodeTime.Start();
                // The run's summary inputs, in customer order (one thread: the builders are not shared).
                for (var i = 0; i < chunk.Length; i++)
                {
                    var score = scores[i];
                    var decision = decisions[i];
                    if (score.SegmentId is { } segmentId && score.SegmentName is { } segmentName)
                    {
                        segmentNames.TryAdd(segmentId, segmentName);
                    }

                    churnProbabilities[offset + i] = score.ChurnProbability;
                    predictedProfits[offset + i] = score.PredictedGrossProfit ?? double.NaN;
                    if (decision is not null)
                    {
                        members.Add(TierMember.Of(decision));
                        candidates.Add(decision);
                        movementFacts.Add(MovementFacts.Of(decision));
                    }
                }

                offset += chunk.Length;
                encodeTime.Stop();
                waitTime.Start();
                await chunks.Writer.WriteAsync(rows, cancellationToken);
                waitTime.Stop();
            }
        }
        finally
        {
            chunks.Writer.TryComplete();
            // The writer must be idle before it is committed or disposed; a failure here is the run's failure.
            await storing;
        }

        var scoringMs = clock.ElapsedMilliseconds - featureTime.ElapsedMilliseconds;
        featuresMs += featureTime.ElapsedMilliseconds;
        IReadOnlyList<FeatureDriftResult> featureDrift = driftCounts?.Total() is { Rows: > 0 } total ? total.Results() : [];
        if (!rehearsal)
        {
            LogRunSteps(logger, run.Id, modelTime.ElapsedMilliseconds, ruleTime.ElapsedMilliseconds, encodeTime.ElapsedMilliseconds, waitTime.ElapsedMilliseconds,
                writeTime.ElapsedMilliseconds);
        }

        clock.Restart();
        // The end-of-run summaries are independent of each other: made on every core.
        var outputDrift = Task.Run(() => generation.Card.OutputDrift(churnProbabilities, predictedProfits), cancellationToken);
        var pyramid = Task.Run(() => decides ? ProfitConcentration.Compute(members) : null, cancellationToken);
        var targetCandidates = Task.Run(() => decides ? candidates.Build() : null, cancellationToken);
        var drift = new RunDrift(featureDrift, await outputDrift);
        var context = RunContext(generation, reasonNames, segmentNames);
        // Movement merges two runs' facts by id: the feature table is in ordinal id order already, sorted here only if not.
        if (!movementFacts.Zip(movementFacts.Skip(1)).All(p => string.CompareOrdinal(p.First.CustomerId, p.Second.CustomerId) < 0))
        {
            movementFacts.Sort((a, b) => string.CompareOrdinal(a.CustomerId, b.CustomerId));
        }

        await writer.CompleteAsync(
            drift, context, await pyramid, await targetCandidates, cancellationToken,
            decides ? movementFacts : null);
        if (!rehearsal)
        {
            var garbage = RunGarbage.Now() - gcAfterLoad;
            LogRunStored(logger, run.Id, count, generation.Version, (long)(Environment.CpuUsage.TotalTime - cpuAfterLoad).TotalMilliseconds, garbage);
        }

        return run with
        {
            Status = RunStatus.Succeeded,
            AsOfDate = asOf,
            ModelVersion = generation.Version,
            FinishedAt = DateTimeOffset.UtcNow,
            TransactionsRead = dataSet.Transactions.Count,
            CustomersScored = count,
            LoadMilliseconds = loadMs,
            FeaturesMilliseconds = featuresMs,
            ScoringMilliseconds = scoringMs,
            StoringMilliseconds = clock.ElapsedMilliseconds,
        };

        int ReasonIndex(string feature)
        {
            if (reasonIndex.TryGetValue(feature, out var index))
            {
                return index;
            }

            lock (reasonNames)
            {
                if (!reasonIndex.TryGetValue(feature, out index))
                {
                    index = reasonNames.Count;
                    reasonNames.Add(feature);
                    reasonIndex[feature] = index;
                }

                return index;
            }
        }
    }

    // One chunk's scores (with reasons), rule decisions and compact rows: what every run stores of its customers, whether one
    // replica executes it whole or replicas share its chunks. The stopwatches, when given, time the three steps.
    private (IReadOnlyList<CustomerScore> Scores, CustomerDecision?[] Decisions, CompactScore[] Rows) ScoreChunk(
        ModelGeneration generation, CustomerFeatures[] chunk, IReadOnlyList<string> attributeNames, Func<string, int> reasonIndex,
        (Stopwatch Model, Stopwatch Rules, Stopwatch Encode)? timers = null, bool record = true)
    {
        var settings = scoring.Value;
        timers?.Model.Start();
        var chunkStarted = Stopwatch.GetTimestamp();
        var scores = generation.Scorer.Score(chunk, attributeNames, settings.Reasons);
        timers?.Model.Stop();
        if (record)
        {
            ApiTelemetry.Scored(ApiTelemetry.RunPath, generation.Version, scores, Stopwatch.GetElapsedTime(chunkStarted));
        }

        timers?.Rules.Start();
        var decisions = new CustomerDecision?[chunk.Length];
        Parallel.ForEach(Partitioner.Create(0, chunk.Length, 512), range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                decisions[i] = generation.Decisions.Decide(chunk[i], scores[i]);
            }
        });

        timers?.Rules.Stop();
        timers?.Encode.Start();
        var rows = new CompactScore[chunk.Length];
        Parallel.ForEach(Partitioner.Create(0, chunk.Length, 512), range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                var score = scores[i];
                var decision = decisions[i];
                rows[i] = new CompactScore(
                    score.CustomerId,
                    score.ChurnProbability,
                    decision is null ? settings.RiskBand(score.ChurnProbability) : WireNames.Of(decision.RiskBand),
                    score.SegmentId,
                    score.PredictedGrossProfit,
                    score.PredictedRevenue,
                    CompactEncoding.WriteReasons(score.ChurnReasons, score.ValueReasons, reasonIndex, score.RevenueReasons),
                    decision is null ? null : CompactEncoding.WriteFacts(chunk[i]),
                    score.GrossProfitInterval,
                    score.RevenueInterval);
            }
        });

        timers?.Encode.Stop();
        return (scores, decisions, rows);
    }

    // What a run stores once beside its compact rows to read them back (reason and segment names, baselines, rules):
    // the same whether one replica executed the run or replicas shared its chunks.
    private static DecisionContext RunContext(ModelGeneration generation, IReadOnlyList<string> reasonNames, IReadOnlyDictionary<int, string> segmentNames) =>
        new()
        {
            ValueHorizonDays = generation.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
            RulesJson = generation.Card.Tiers is not null ? generation.Decisions.Rules.ToJson() : null,
            TierCutoffs = generation.Card.Tiers,
            ReasonFeatures = reasonNames,
            SegmentNames = segmentNames,
            Currency = generation.Card.AmountUnits(),
            ChurnBaseline = generation.Scorer.Explainer?.ChurnBaseline,
            ValueBaseline = generation.Scorer.Explainer?.ValueBaseline,
            RevenueBaseline = generation.Scorer.Explainer?.RevenueBaseline,
        };

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} claimed by replica {Replica} with bundle {Version}")]
    private static partial void LogClaimed(ILogger logger, string runId, string replica, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scoring run {RunId} was taken over by another replica: replica {Replica} lost its lease and stopped it without writing more")]
    private static partial void LogLeaseLost(ILogger logger, string runId, string replica);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scoring run {RunId} waits for work (an abandoned holder or unclaimed chunks) but was started with bundle {RunVersion}; this replica serves {Version} and leaves it to the replicas serving that bundle (a run never mixes model versions)")]
    private static partial void LogOtherBundle(ILogger logger, string runId, string runVersion, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for a scoring run to execute in the shared store failed; trying again at the next poll")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease on scoring run {RunId} failed; trying again at the next beat")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} steps (wall ms): models {ModelMs}, rules {RuleMs}, encoding {EncodeMs}, waiting for the writer {WaitMs}; the writer's own {WriteMs}")]
    private static partial void LogRunSteps(ILogger logger, string runId, long modelMs, long ruleMs, long encodeMs, long waitMs, long writeMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Comparing the new scoring run with the one before failed; the movement page compares them when asked")]
    private static partial void LogMovementFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning old scoring runs failed; the next run tries again")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring runs warmed up: {Passes} rehearsals of {Customers} generated customers in {WallMs} ms ({CpuMs} ms of CPU, {Methods} methods compiled)")]
    private static partial void LogWarmedUp(ILogger logger, int passes, int customers, long wallMs, long cpuMs, long methods);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scoring run rehearsal at start-up failed; the first run will be slower (its code compiles as it runs)")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scoring run rehearsal's throw-away folder {Folder} could not be deleted")]
    private static partial void LogWarmUpFolderLeft(ILogger logger, Exception exception, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scoring run {RunId} failed")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} stored {Customers} scores from model {Version}; CPU after loading {CpuMs} ms")]
    private static partial void LogRunSucceeded(ILogger logger, string runId, int customers, string version, long cpuMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} stored {Customers} scores from model {Version}; CPU after loading {CpuMs} ms; garbage collection after loading: {Garbage}")]
    private static partial void LogRunStored(ILogger logger, string runId, int customers, string version, long cpuMs, RunGarbage garbage);
}

/// <summary>
/// The garbage collector's counters at one moment (collections per generation, time paused, bytes allocated) and the
/// process's page faults: the difference of two says what a run cost the collector and the kernel, beside its CPU time.
/// </summary>
internal readonly record struct RunGarbage(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long AllocatedBytes, long MinorPageFaults)
{
    public static RunGarbage Now() => new(
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(), MinorFaults());

    public static RunGarbage operator -(RunGarbage after, RunGarbage before) => new(
        after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.Paused - before.Paused,
        after.AllocatedBytes - before.AllocatedBytes, after.MinorPageFaults - before.MinorPageFaults);

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"collections gen0 {Gen0}, gen1 {Gen1}, gen2 {Gen2}; paused {Paused.TotalMilliseconds:F0} ms; allocated {AllocatedBytes / (1 << 20)} MB; minor page faults {MinorPageFaults}");

    // Field 10 of /proc/self/stat (after the parenthesised command name); -1 where there is no /proc (not Linux).
    private static long MinorFaults()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
