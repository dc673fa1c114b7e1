using System.Collections.Concurrent;
using System.Diagnostics;
using MlCustomer.Api.Models;
using MlCustomer.Api.Observability;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.ScoringRuns;

// Replicas sharing a PostgreSQL store. A free replica first looks for a run to hold (queued on any replica, or abandoned by a
// dead holder and started with the bundle this replica serves): the holder plans the run's chunks, measures its features'
// drift, scores chunks like everyone else, and once the last chunk is done computes the run's summaries from the summary
// inputs each chunk's replica stored with it (or kept, for its own chunks) and ends it. Otherwise the replica looks for a chunk of any running run started with its bundle and scores that one.
internal sealed partial class ScoringRunWorker
{
    // The data a replica read for the shared run it works on (one at a time): read once, whichever chunks it claims.
    private SharedRunInput? sharedInput;

    // The data itself, read as soon as a run of this replica's bundle is held, before the holder has planned it.
    private (string RunId, CustomerDataSet Data, long LoadMilliseconds)? sharedData;

    private sealed record SharedRunInput(string RunId, DateOnly AsOf, CustomerDataSet Data, FeatureChunks Table, long LoadMilliseconds, ConcurrentDictionary<string, int> ReasonPositions);

    private async Task ExecuteSharedRunsAsync(CancellationToken stoppingToken)
    {
        var settings = storage.Value.Storage;
        var leaseTime = TimeSpan.FromSeconds(settings.RunLeaseSeconds);
        var poll = TimeSpan.FromSeconds(settings.RunPollSeconds);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            var worked = false;
            // The generation is held while this replica works with it and let go before it waits (a reload retires it).
            using (var model = host.Acquire())
            try
            {
                if (model is not null)
                {
                    if (await store.ClaimRunAsync(model.Generation.Version, leaseTime, stoppingToken) is { } run)
                    {
                        await HoldRunAsync(run, model.Generation, leaseTime, stoppingToken);
                        worked = true;
                    }
                    else if (await store.RunWithChunksToClaimAsync(model.Generation.Version, stoppingToken) is var (sharedRunId, asOf))
                    {
                        // The data first (seconds for a big base), then the claims: the lease times the chunk's work only.
                        await InputAsync(sharedRunId, asOf, model.Generation, stoppingToken);
                        await ScoreChunksAsync(sharedRunId, model.Generation, leaseTime, keepInputs: false, stoppingToken);
                        worked = true;
                    }
                    else if (await store.RunBeingPlannedAsync(model.Generation.Version, stoppingToken) is { } planned && sharedData?.RunId != planned)
                    {
                        await DataAsync(planned, stoppingToken);
                        worked = true;
                    }
                    else
                    {
                        // Nothing to work on: the last run's data (hundreds of MB for a big base) is not kept.
                        (sharedInput, sharedData) = (null, null);
                        foreach (var (runId, version) in await store.RunsOfOtherBundlesAsync(model.Generation.Version, stoppingToken))
                        {
                            if (reported.Add(runId))
                            {
                                LogOtherBundle(logger, runId, version, model.Generation.Version);
                            }
                        }
                    }
                }
            }
            catch (Exception e) when (e is System.Data.Common.DbException or DataFileException or IOException or InvalidOperationException or ArgumentException)
            {
                // A chunk that failed here is claimed again after its lease (by this replica or another); the holder of a run
                // fails the run itself (HoldRunAsync).
                LogSharedWorkFailed(logger, e);
            }

            if (!worked)
            {
                await queue.WaitAsync(poll, stoppingToken);
            }
        }
    }

    // The data and features of a shared run, read once per run by each replica that works on it; the customers must be the
    // ones the run was planned on.
    private async Task<SharedRunInput> InputAsync(string runId, DateOnly? asOf, ModelGeneration generation, CancellationToken cancellationToken)
    {
        if (sharedInput is { } cached && cached.RunId == runId)
        {
            return cached;
        }

        sharedInput = null;
        var (dataSet, loadMs) = await DataAsync(runId, cancellationToken);
        var clock = Stopwatch.StartNew();
        var at = asOf ?? dataSet.LastOrderDate;
        dataSet.CheckAsOfDate(at, "asOfDate");
        var table = FeatureBuilder.BuildInChunks(dataSet, new FeatureOptions
        {
            AsOfDate = at,
            ChurnHorizonDays = generation.Card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays,
            ValueHorizonDays = generation.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
            IncludeLabels = false,
            SnapshotAttributesBeforeExport = generation.Card.SnapshotAttributesBeforeExport,
        }, ChunkSize);
        LogReadyForChunks(logger, runId, table.Count, store.ReplicaId);
        return sharedInput = new SharedRunInput(runId, at, dataSet, table, loadMs + clock.ElapsedMilliseconds, new ConcurrentDictionary<string, int>(StringComparer.Ordinal));
    }

    private async Task<(CustomerDataSet Data, long LoadMilliseconds)> DataAsync(string runId, CancellationToken cancellationToken)
    {
        if (sharedData is { } cached && cached.RunId == runId)
        {
            return (cached.Data, cached.LoadMilliseconds);
        }

        sharedData = null;
        var clock = Stopwatch.StartNew();
        var dataSet = await data.LoadForRunAsync(runId, cancellationToken);
        sharedData = (runId, dataSet, clock.ElapsedMilliseconds);
        return (dataSet, clock.ElapsedMilliseconds);
    }

    // Claims and scores chunks of the run until none is left to claim, each chunk written while the next ones are scored: up to
    // RunChunkWriters chunks are written at once, each over its own connection in its own transaction (a server backend each),
    // so the store's work on one chunk (COPY, its primary key, the commit) and this replica's encoding of another run beside
    // the scoring of the next instead of one after the other on one thread and one backend. At most that many scored chunks
    // wait in memory. A claim lost meanwhile (this replica was too slow, another re-claimed the chunk) stores nothing.
    // The summary inputs of the chunks stored, by chunk index, when kept (the run's holder keeps them for its summaries).
    private async Task<Dictionary<int, ChunkSummaryInputs>> ScoreChunksAsync(
        string runId, ModelGeneration generation, TimeSpan leaseTime, bool keepInputs, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<int, ChunkSummaryInputs>();
        var writers = storage.Value.Storage.RunChunkWriters;
        var writing = new List<Task>(writers);
        // Where this replica's time went (wall): what bounds its chunks, the scoring or the writing, is in the log.
        var (claiming, scoring, waiting, started) = (new Stopwatch(), new Stopwatch(), new Stopwatch(), Stopwatch.StartNew());
        var (chunks, writeTicks) = (0, 0L);
        // The next chunk is claimed while this one is scored: the claim's round trip (a few ms, ~5% of a chunk) off the scoring's
        // path. A replica holds at most one claimed chunk it has not started on; should it fail, that claim expires like any other.
        var claim = store.ClaimChunkAsync(generation.Version, leaseTime, runId, cancellationToken);
        try
        {
            while (true)
            {
                claiming.Start();
                var claimed = await claim;
                claiming.Stop();
                if (claimed is not { } chunk)
                {
                    break;
                }

                claim = store.ClaimChunkAsync(generation.Version, leaseTime, runId, cancellationToken);
                scoring.Start();
                var scored = await ScoreClaimedChunkAsync(chunk, generation, cancellationToken);
                scoring.Stop();
                chunks++;
                if (writing.Count == writers)
                {
                    // A writer free first (a failed write's exception surfaces here and ends this replica's work on the run).
                    waiting.Start();
                    var written = await Task.WhenAny(writing);
                    waiting.Stop();
                    writing.Remove(written);
                    await written;
                }

                writing.Add(Task.Run(async () =>
                {
                    var writeStarted = Stopwatch.GetTimestamp();
                    if (await WriteScoredChunkAsync(chunk, scored, cancellationToken) && keepInputs)
                    {
                        lock (stored)
                        {
                            stored[chunk.ChunkIndex] = scored.Inputs;
                        }
                    }

                    Interlocked.Add(ref writeTicks, Stopwatch.GetTimestamp() - writeStarted);
                }, cancellationToken));
            }

            waiting.Start();
            await Task.WhenAll(writing);
            waiting.Stop();
        }
        catch (Exception) when (writing.Any(w => !w.IsCompleted) || !claim.IsCompleted)
        {
            // The chunks being written end (stored or rolled back), and the claim asked for answers (its chunk, if any, is claimed
            // again once its lease expires), before this replica gives up on the run.
            await Task.WhenAny(Task.WhenAll(writing));
            await Task.WhenAny(claim);
            throw;
        }

        if (chunks > 0)
        {
            var writeMs = (long)Stopwatch.GetElapsedTime(0, writeTicks).TotalMilliseconds;
            LogChunkSteps(logger, runId, store.ReplicaId, chunks, started.ElapsedMilliseconds, claiming.ElapsedMilliseconds, scoring.ElapsedMilliseconds,
                waiting.ElapsedMilliseconds, writers, writeMs);
        }

        return stored;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} steps on replica {Replica} (wall ms): {Chunks} chunk(s) in {TotalMs}: claiming {ClaimMs}, scoring {ScoreMs}, waiting for one of {Writers} writer(s) {WaitMs}; the writers' own {WriteMs} in all")]
    private static partial void LogChunkSteps(ILogger logger, string runId, string replica, int chunks, long totalMs, long claimMs, long scoreMs, long waitMs, int writers, long writeMs);

    // A claimed chunk scored: its rows, the segment names they point at, its drift counts and its summary inputs.
    private sealed record ScoredChunk(CompactScore[] Rows, Dictionary<int, string> Segments, byte[]? DriftCounts, ChunkSummaryInputs Inputs);

    // Scores one claimed chunk (on every core) and counts its drift, for the chunk to be stored.
    private async Task<ScoredChunk> ScoreClaimedChunkAsync(ChunkClaim chunk, ModelGeneration generation, CancellationToken cancellationToken)
    {
        var input = await InputAsync(chunk.RunId, chunk.AsOfDate, generation, cancellationToken);
        if (chunk.FirstRow + chunk.RowCount > input.Table.Count)
        {
            throw new InvalidOperationException(
                $"Scoring run {chunk.RunId} was planned on more customers than this replica reads ({input.Table.Count}): the data differs between replicas; every replica must read the same data.");
        }

        var rows = input.Table.RowsBetween(chunk.FirstRow, chunk.FirstRow + chunk.RowCount);
        // The chunk's drift, counted here while its features are at hand and stored with it: the holder adds the chunks' counts up.
        var drift = ChunkDrift.For(generation, input.Table.AttributeNames, rows.Length);
        drift?.Count(rows);
        var (scores, decisions, compact) = ScoreChunk(generation, rows, input.Table.AttributeNames,
            feature => input.ReasonPositions.GetOrAdd(feature, name => store.ReasonPosition(chunk.RunId, name)));
        var segments = new Dictionary<int, string>();
        foreach (var score in scores)
        {
            if (score.SegmentId is { } id && score.SegmentName is { } name)
            {
                segments.TryAdd(id, name);
            }
        }

        // What the end of the run needs of these customers, stored with the chunk: the holder combines every chunk's without
        // reading a customer row back.
        return new ScoredChunk(compact, segments, drift?.Total().ToBytes(), ChunkSummaryInputs.Of(scores, decisions));
    }

    // Stores a scored chunk with its drift counts and summary inputs; false when the claim was lost meanwhile.
    private async Task<bool> WriteScoredChunkAsync(ChunkClaim chunk, ScoredChunk scored, CancellationToken cancellationToken)
    {
        if (await store.WriteChunkAsync(chunk, scored.Rows, scored.Segments, scored.DriftCounts, scored.Inputs.ToBytes(), cancellationToken))
        {
            LogChunkStored(logger, chunk.RunId, chunk.ChunkIndex, chunk.RowCount, store.ReplicaId);
            return true;
        }

        LogChunkLost(logger, chunk.RunId, chunk.ChunkIndex, store.ReplicaId);
        return false;
    }

    // The holder of a run: keeps its lease alive, plans it, scores chunks until none is left to claim, waits for the chunks
    // others hold, then ends the run once. A holder that lost its lease stops without writing.
    private async Task HoldRunAsync(ScoringRun run, ModelGeneration generation, TimeSpan leaseTime, CancellationToken stoppingToken)
    {
        using var telemetry = ApiTelemetry.BeginRun(logger, run.Id);
        LogClaimed(logger, run.Id, store.ReplicaId, generation.Version);
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var done = new CancellationTokenSource();
        var heartbeat = Task.Run(() => RenewLeaseAsync(run, leaseTime, lost, done.Token), CancellationToken.None);
        try
        {
            run = await Task.Run(() => ExecuteSharedRunAsync(run, generation, leaseTime, lost.Token), lost.Token);
        }
        catch (Exception e) when (e is RunLeaseLostException || (e is OperationCanceledException && lost.IsCancellationRequested && !stoppingToken.IsCancellationRequested))
        {
            LogLeaseLost(logger, run.Id, store.ReplicaId);
            return;
        }
        catch (Exception e) when (e is DataFileException or ArgumentException or ModelBundleException or InvalidOperationException or IOException or System.Data.Common.DbException)
        {
            run = run with { Status = RunStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, Error = e.Message };
            LogRunFailed(logger, e, run.Id);
        }
        finally
        {
            await done.CancelAsync();
            await heartbeat;
        }

        if (!await store.UpdateLeasedRunAsync(run, CancellationToken.None))
        {
            LogLeaseLost(logger, run.Id, store.ReplicaId);
            return;
        }

        if (run.Status == RunStatus.Failed)
        {
            await store.DeleteUnfinishedScoresAsync(CancellationToken.None);
        }

        ApiTelemetry.RunFinished(run, run.Status == RunStatus.Succeeded ? await store.GetDriftAsync(run.Id, CancellationToken.None) : null);
        if (run.Status == RunStatus.Succeeded)
        {
            await PruneAsync(stoppingToken);
            await CompareWithPreviousRunAsync(stoppingToken);
        }
    }

    private async Task<ScoringRun> ExecuteSharedRunAsync(ScoringRun run, ModelGeneration generation, TimeSpan leaseTime, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var input = await InputAsync(run.Id, run.AsOfDate ?? run.RequestedAsOfDate, generation, cancellationToken);
        var loadMs = clock.ElapsedMilliseconds;
        var cpuAfterLoad = Environment.CpuUsage.TotalTime;
        // The chunks' phase from the plan on (the planning counts among the chunks' time).
        clock.Restart();
        await store.PlanChunksAsync(run.Id, input.AsOf, input.Table.Count, storage.Value.Storage.RunChunkCustomers, cancellationToken);

        // Chunks, this replica's share, then the wait for the others' (taking over any whose holder died). The summary inputs of
        // the chunks this replica scores are kept (as a single process keeps them), by chunk; the others' are read from the store.
        var held = new Dictionary<int, ChunkSummaryInputs>();
        var chunkCount = 0;
        while (true)
        {
            foreach (var (index, inputs) in await ScoreChunksAsync(run.Id, generation, leaseTime, keepInputs: true, cancellationToken))
            {
                held[index] = inputs;
            }

            var (doneChunks, chunks) = await store.ChunkProgressAsync(run.Id, cancellationToken);
            if (doneChunks == chunks)
            {
                chunkCount = chunks;
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        var scoringMs = clock.ElapsedMilliseconds;

        // The features' drift: the counts each chunk's replica stored with it, added up.
        clock.Restart();
        var featureDrift = await FeatureDriftAsync(run.Id, input, generation, cancellationToken);
        var featuresMs = clock.ElapsedMilliseconds;

        // The end of the run, once.
        clock.Restart();
        var segmentNames = await store.RunNamesAsync(run.Id, "segment", cancellationToken);
        var reasonNames = await store.RunNamesAsync(run.Id, "reason", cancellationToken);
        var decides = generation.Card.Tiers is not null;
        var context = RunContext(generation, [.. Enumerable.Range(0, reasonNames.Count).Select(i => reasonNames[i])], segmentNames);
        var chunkInputs = await ChunkInputsAsync(run.Id, held, chunkCount, cancellationToken);
        var customers = chunkInputs is not null
            ? await CompleteFromChunkInputsAsync(run, generation, chunkInputs, input.Table.Count, featureDrift, context, decides, cancellationToken)
            : await CompleteFromStoredRowsAsync(run, generation, input.Table.Count, featureDrift, context, segmentNames, decides, cancellationToken);
        LogRunSucceeded(logger, run.Id, customers, generation.Version, (long)(Environment.CpuUsage.TotalTime - cpuAfterLoad).TotalMilliseconds);
        return run with
        {
            Status = RunStatus.Succeeded,
            AsOfDate = input.AsOf,
            ModelVersion = generation.Version,
            FinishedAt = DateTimeOffset.UtcNow,
            TransactionsRead = input.Data.Transactions.Count,
            CustomersScored = customers,
            LoadMilliseconds = Math.Max(loadMs, input.LoadMilliseconds),
            FeaturesMilliseconds = featuresMs,
            ScoringMilliseconds = scoringMs,
            StoringMilliseconds = clock.ElapsedMilliseconds,
        };
    }

    // Every chunk's summary inputs in chunk order: the ones this replica scored from memory, the others' as their replicas stored
    // them. Null when a chunk was stored without them (by a replica of a version before migration 15) or in a format this
    // replica does not read: the summaries then come from the stored rows.
    private async Task<IReadOnlyList<ChunkSummaryInputs>?> ChunkInputsAsync(
        string runId, Dictionary<int, ChunkSummaryInputs> held, int chunkCount, CancellationToken cancellationToken)
    {
        var others = held.Count == chunkCount ? [] : await store.ChunkSummaryInputsAsync(runId, [.. held.Keys], cancellationToken);
        var decoded = new ChunkSummaryInputs?[others.Count];
        Parallel.For(0, others.Count, i => decoded[i] = others[i].Inputs is { } bytes ? Decode(bytes) : null);
        if (decoded.Any(d => d is null))
        {
            LogSummariesFromRows(logger, runId, decoded.Count(d => d is null));
            return null;
        }

        if (held.Count + others.Count != chunkCount)
        {
            throw new InvalidOperationException($"Scoring run {runId} has {chunkCount} chunks, but {held.Count + others.Count} were found done; start a new run.");
        }

        LogSummariesFromChunks(logger, runId, held.Count, others.Count);
        var all = held.Select(c => (c.Key, c.Value)).Concat(others.Select((o, i) => (o.ChunkIndex, decoded[i]!))).OrderBy(c => c.Item1).Select(c => c.Item2).ToList();
        held.Clear();
        return all;

        // Damaged inputs count as missing: the stored rows are the truth the summaries then come from.
        static ChunkSummaryInputs? Decode(byte[] bytes)
        {
            try
            {
                return ChunkSummaryInputs.FromBytes(bytes);
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }
    }

    // The summaries from every chunk's summary inputs in chunk order, which is customer order: exactly the lists a single process
    // keeps as it scores, whichever replica scored which chunk; no stored row is read back.
    private async Task<int> CompleteFromChunkInputsAsync(
        ScoringRun run, ModelGeneration generation, IReadOnlyList<ChunkSummaryInputs> chunks, int customers, IReadOnlyList<FeatureDriftResult> featureDrift,
        DecisionContext context, bool decides, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var churnProbabilities = chunks.SelectMany(c => c.ChurnProbabilities).ToArray();
        if (churnProbabilities.Length != customers)
        {
            throw new InvalidOperationException($"Scoring run {run.Id}'s chunks hold {churnProbabilities.Length} customers of {customers}; start a new run.");
        }

        var predictedProfits = chunks.SelectMany(c => c.PredictedProfits).ToArray();
        var decided = chunks.Sum(c => c.Decided.Length);
        var members = new List<TierMember>(decides ? decided : 0);
        var movementFacts = new List<MovementFacts>(decides ? decided : 0);
        var candidates = new TargetCandidates.Builder();
        if (decides)
        {
            foreach (var chunk in chunks)
            {
                foreach (var customer in chunk.Decided)
                {
                    members.Add(customer.Member);
                    movementFacts.Add(customer.Movement);
                    candidates.Add(customer.Facts);
                }
            }
        }

        // Movement merges two runs' facts by id: in ordinal id order already (chunks follow the table), sorted here only if not.
        if (!movementFacts.Zip(movementFacts.Skip(1)).All(p => string.CompareOrdinal(p.First.CustomerId, p.Second.CustomerId) < 0))
        {
            movementFacts.Sort((a, b) => string.CompareOrdinal(a.CustomerId, b.CustomerId));
        }

        var combineMs = clock.ElapsedMilliseconds;
        clock.Restart();
        var outputDrift = Task.Run(() => generation.Card.OutputDrift(churnProbabilities, predictedProfits), cancellationToken);
        var pyramid = Task.Run(() => decides ? ProfitConcentration.Compute(members) : null, cancellationToken);
        var targetCandidates = Task.Run(() => decides ? candidates.Build() : null, cancellationToken);
        var drift = new RunDrift(featureDrift, await outputDrift);
        var (summary, built) = (await pyramid, await targetCandidates);
        var computeMs = clock.ElapsedMilliseconds;
        clock.Restart();
        await using (var writer = await store.BeginRunScoresAsync(run.Id, run.ScoreKey!.Value, cancellationToken))
        {
            await writer.CompleteAsync(drift, context, summary, built, cancellationToken, decides ? movementFacts : null);
        }

        LogSummarySteps(logger, run.Id, combineMs, computeMs, clock.ElapsedMilliseconds);
        return churnProbabilities.Length;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} steps of the summaries (wall ms): combining the chunks' inputs {CombineMs}, drift, pyramid and candidates {ComputeMs}, encoded and stored {StoreMs}")]
    private static partial void LogSummarySteps(ILogger logger, string runId, long combineMs, long computeMs, long storeMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId}: summaries from {Held} chunk(s) scored here and the stored summary inputs of {Stored} chunk(s) other replicas scored; no stored row read back")]
    private static partial void LogSummariesFromChunks(ILogger logger, string runId, int held, int stored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scoring run {RunId}: {Chunks} chunk(s) were stored without summary inputs this replica reads (a replica of another version scored them, or they are damaged); the holder reads every stored row back for the summaries")]
    private static partial void LogSummariesFromRows(ILogger logger, string runId, int chunks);

    // The summaries when some chunk was stored without summary inputs: from the stored rows, each decision rebuilt by the same
    // Core function the views use (it reads exactly as it was decided), in id order as a single replica would have made them.
    private async Task<int> CompleteFromStoredRowsAsync(
        ScoringRun run, ModelGeneration generation, int customers, IReadOnlyList<FeatureDriftResult> featureDrift, DecisionContext context,
        IReadOnlyDictionary<int, string> segmentNames, bool decides, CancellationToken cancellationToken)
    {
        var stored = new List<(string Id, double Churn, int? Segment, double? Profit, byte[]? Facts)>(customers);
        await foreach (var row in store.RunRowsAsync(run.ScoreKey!.Value, cancellationToken))
        {
            stored.Add(row);
        }

        if (stored.Count != customers)
        {
            throw new InvalidOperationException($"Scoring run {run.Id} stored {stored.Count} customers of {customers}; start a new run.");
        }

        var decided = new CustomerDecision?[stored.Count];
        Parallel.For(0, stored.Count, i => decided[i] = context.Decide(
            stored[i].Id, stored[i].Churn, stored[i].Profit, stored[i].Segment is { } s ? segmentNames.GetValueOrDefault(s) : null, stored[i].Facts));
        var members = new List<TierMember>(decides ? stored.Count : 0);
        var candidates = new TargetCandidates.Builder();
        var movementFacts = new List<MovementFacts>(decides ? stored.Count : 0);
        foreach (var decision in decided)
        {
            if (decision is not null)
            {
                members.Add(TierMember.Of(decision));
                candidates.Add(decision);
                movementFacts.Add(MovementFacts.Of(decision));
            }
        }

        var drift = new RunDrift(featureDrift, generation.Card.OutputDrift(
            [.. stored.Select(r => r.Churn)], [.. stored.Select(r => r.Profit ?? double.NaN)]));
        await using (var writer = await store.BeginRunScoresAsync(run.Id, run.ScoreKey.Value, cancellationToken))
        {
            await writer.CompleteAsync(
                drift, context, decides ? ProfitConcentration.Compute(members) : null, decides ? candidates.Build() : null, cancellationToken,
                decides ? movementFacts : null);
        }

        return stored.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId}: replica {Replica} read the data and built the features of {Customers} customers; it claims chunks from now on")]
    private static partial void LogReadyForChunks(ILogger logger, string runId, int customers, string replica);

    // The run's feature drift from its chunks' stored counts (whole numbers: the same sums whichever replica counted which chunk,
    // and exactly what one pass over every customer counts). A chunk stored without counts (by a replica of a version that did
    // not count them, during a rolling update) makes the holder count every customer's features itself, as it did before.
    private async Task<IReadOnlyList<FeatureDriftResult>> FeatureDriftAsync(
        string runId, SharedRunInput input, ModelGeneration generation, CancellationToken cancellationToken)
    {
        if (ChunkDrift.For(generation, input.Table.AttributeNames, input.Table.Count) is not { } drift)
        {
            return [];
        }

        var stored = await store.ChunkDriftCountsAsync(runId, cancellationToken);
        if (stored.Any(c => c is null))
        {
            LogDriftRecounted(logger, runId, stored.Count(c => c is null));
            for (var from = 0; from < input.Table.Count; from += ChunkSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                drift.Count(input.Table.RowsBetween(from, Math.Min(from + ChunkSize, input.Table.Count)));
            }

            return drift.Total().Results();
        }

        var total = new FeatureDriftCounts(drift.Contract);
        foreach (var counts in stored)
        {
            total.Add(FeatureDriftCounts.FromBytes(drift.Contract, counts));
        }

        if (total.Rows != input.Table.Count)
        {
            throw new InvalidOperationException($"Scoring run {runId}'s chunks counted the drift of {total.Rows} customers of {input.Table.Count}; start a new run.");
        }

        return total.Results();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scoring run {RunId}: {Chunks} chunk(s) were stored without drift counts (a replica of an older version scored them); the holder counts every customer's drift itself")]
    private static partial void LogDriftRecounted(ILogger logger, string runId, int chunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} chunk {Chunk} ({Customers} customers) stored by replica {Replica}")]
    private static partial void LogChunkStored(ILogger logger, string runId, int chunk, int customers, string replica);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scoring run {RunId} chunk {Chunk}: replica {Replica}'s claim expired and the chunk was claimed again; this replica stored nothing of it")]
    private static partial void LogChunkLost(ILogger logger, string runId, int chunk, string replica);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Working on a shared scoring run failed here; its chunk is claimed again after its lease")]
    private static partial void LogSharedWorkFailed(ILogger logger, Exception exception);
}
