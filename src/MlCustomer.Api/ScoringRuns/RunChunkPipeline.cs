using System.Collections.Concurrent;
using System.Diagnostics;
using MlCustomer.Api.Models;
using MlCustomer.Api.Observability;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>
/// A scoring run's chunks through features, drift counts, scores, decisions and compact rows on every core, one whole
/// chunk per thread at a time, and through the run's summary inputs and the store on one writer thread in customer order.
/// A chunk per thread instead of each step spread over the cores chunk after chunk: no step waits for the slowest core
/// (the scorer's segment assignment and the drift counts run on one thread), and the writer overlaps with all of them.
/// At most <see cref="ChunksInFlight"/> chunks are made before the writer has stored them, so memory beyond the loaded
/// data is a few chunks (and the summary inputs), whatever the base.
/// </summary>
public sealed class RunChunkPipeline
{
    private readonly FeatureChunks table;
    private readonly ModelGeneration generation;
    private readonly ScoringOptions settings;
    private readonly FeatureContract contract;
    private readonly bool countsDrift;
    private readonly ConcurrentDictionary<string, int> reasonIndex = new(StringComparer.Ordinal);
    private readonly List<string> reasonNames = [];
    private long featureTicks, driftTicks, modelTicks, ruleTicks, encodeTicks;
    private Exception? failure;

    public RunChunkPipeline(FeatureChunks table, ModelGeneration generation, ScoringOptions settings)
    {
        this.table = table;
        this.generation = generation;
        this.settings = settings;
        contract = generation.Card.FeatureContract;
        // Bundles trained before drift checks hold no training distributions, and their runs record none.
        countsDrift = table.Count > 0 && contract.Features.All(f => f.BinShares is not null);
        var decides = generation.Card.Tiers is not null;
        Members = new List<TierMember>(decides ? table.Count : 0);
        MovementFacts = new List<MovementFacts>(decides ? table.Count : 0);
        ChurnProbabilities = new double[table.Count];
        PredictedProfits = new double[table.Count];
    }

    /// <summary>Threads making chunks: one per core.</summary>
    public static int Workers => Math.Max(1, Environment.ProcessorCount);

    /// <summary>Chunks made and not yet stored, at most: each worker's, and one more each waiting for the writer.</summary>
    public static int ChunksInFlight => 2 * Workers;

    /// <summary>The reasons' feature names by their index in the compact rows.</summary>
    public IReadOnlyList<string> ReasonNames => reasonNames;

    public Dictionary<int, string> SegmentNames { get; } = [];

    public List<TierMember> Members { get; }

    public TargetCandidates.Builder Candidates { get; } = new();

    public List<MovementFacts> MovementFacts { get; }

    public double[] ChurnProbabilities { get; }

    public double[] PredictedProfits { get; }

    /// <summary>Drift counted over every chunk; null when the bundle holds no training distributions.</summary>
    public FeatureDriftCounts? Drift { get; private set; }

    /// <summary>Wall time spent storing on the writer thread.</summary>
    public TimeSpan WriteTime { get; private set; }

    /// <summary>The workers' thread time per step (summed over the workers).</summary>
    public (TimeSpan Features, TimeSpan Drift, TimeSpan Models, TimeSpan Rules, TimeSpan Encoding) WorkerTime => (
        Stopwatch.GetElapsedTime(0, featureTicks), Stopwatch.GetElapsedTime(0, driftTicks), Stopwatch.GetElapsedTime(0, modelTicks),
        Stopwatch.GetElapsedTime(0, ruleTicks), Stopwatch.GetElapsedTime(0, encodeTicks));

    /// <summary>
    /// Makes every chunk and hands its rows to <paramref name="write"/> (called on one thread, in chunk order, each chunk
    /// followed by <paramref name="commit"/>). A failure anywhere stops the workers and is thrown here.
    /// </summary>
    public async Task RunAsync(Action<CompactScore> write, Action commit, CancellationToken cancellationToken)
    {
        var chunkCount = table.ChunkCount;
        var made = new TaskCompletionSource<Chunk>[chunkCount];
        for (var c = 0; c < chunkCount; c++)
        {
            made[c] = new TaskCompletionSource<Chunk>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var room = new SemaphoreSlim(ChunksInFlight);
        var next = -1;
        var drifts = new FeatureDriftCounts?[Workers];
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(() =>
        {
            var drift = countsDrift ? new FeatureDriftCounts(contract) : null;
            var modelRows = countsDrift ? new FeatureRows(contract, table.AttributeNames) : null;
            drifts[w] = drift;
            while (true)
            {
                // Room first, then the next chunk: the chunks waiting for the writer are always the lowest ones.
                room.Wait(stop.Token);
                var c = Interlocked.Increment(ref next);
                if (c >= chunkCount)
                {
                    room.Release();
                    return;
                }

                try
                {
                    made[c].SetResult(Make(c, drift, modelRows));
                }
                catch (Exception e)
                {
                    // Kept for the writer, which may be waiting for an earlier chunk when the workers stop.
                    Interlocked.CompareExchange(ref failure, e, null);
                    made[c].SetException(e);
                    stop.Cancel();
                    return;
                }
            }
        }, stop.Token)).ToArray();

        try
        {
            var writeClock = new Stopwatch();
            var offset = 0;
            for (var c = 0; c < chunkCount; c++)
            {
                var chunk = await made[c].Task.WaitAsync(stop.Token);
                made[c] = null!;
                writeClock.Start();
                Summarize(chunk, offset);
                foreach (var row in chunk.Rows)
                {
                    write(row);
                }

                commit();
                writeClock.Stop();
                offset += chunk.Rows.Length;
                room.Release();
            }

            WriteTime = writeClock.Elapsed;
        }
        catch (OperationCanceledException) when (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
        finally
        {
            // The workers stop at their next chunk once stopped; none may outlive the run's writer.
            try
            {
                await Task.WhenAll(workers);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped because the run failed or was cancelled: that failure is the one thrown.
            }
        }

        foreach (var drift in drifts)
        {
            if (drift is not null)
            {
                (Drift ??= new FeatureDriftCounts(contract)).Add(drift);
            }
        }
    }

    // One chunk, start to end, on the calling thread (the scorer spreads its own blocks over the cores when they are free).
    private Chunk Make(int index, FeatureDriftCounts? drift, FeatureRows? modelRows)
    {
        var started = Stopwatch.GetTimestamp();
        var customers = table.Chunk(index);
        var featuresMade = Stopwatch.GetTimestamp();
        Interlocked.Add(ref featureTicks, featuresMade - started);
        if (drift is not null && customers.Length > 0)
        {
            // One row per chunk, overwritten for each customer: counted, not kept.
            var row = modelRows!.From(customers[0]);
            foreach (var customer in customers)
            {
                modelRows.Fill(customer, row);
                drift.Add(row);
            }
        }

        var driftCounted = Stopwatch.GetTimestamp();
        Interlocked.Add(ref driftTicks, driftCounted - featuresMade);
        var scores = generation.Scorer.Score(customers, table.AttributeNames, settings.Reasons);
        var scored = Stopwatch.GetTimestamp();
        Interlocked.Add(ref modelTicks, scored - driftCounted);
        ApiTelemetry.Scored(ApiTelemetry.RunPath, generation.Version, scores, Stopwatch.GetElapsedTime(driftCounted, scored));
        var decisions = new CustomerDecision?[customers.Length];
        for (var i = 0; i < customers.Length; i++)
        {
            decisions[i] = generation.Decisions.Decide(customers[i], scores[i]);
        }

        var decidedAt = Stopwatch.GetTimestamp();
        Interlocked.Add(ref ruleTicks, decidedAt - scored);
        var rows = new CompactScore[customers.Length];
        for (var i = 0; i < customers.Length; i++)
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
                CompactEncoding.WriteReasons(score.ChurnReasons, score.ValueReasons, ReasonIndex),
                decision is null ? null : CompactEncoding.WriteFacts(customers[i]),
                score.GrossProfitInterval,
                score.RevenueInterval);
        }

        // What the run's summaries need of each customer, made here on the worker's core: the writer's thread, the one
        // serial step, only appends them.
        var churn = new double[customers.Length];
        var profits = new double[customers.Length];
        var members = new List<TierMember>(customers.Length);
        var facts = new List<MovementFacts>(customers.Length);
        var decided = new List<CustomerDecision>(customers.Length);
        for (var i = 0; i < customers.Length; i++)
        {
            churn[i] = scores[i].ChurnProbability;
            profits[i] = scores[i].PredictedGrossProfit ?? double.NaN;
            if (decisions[i] is { } decision)
            {
                members.Add(TierMember.Of(decision));
                facts.Add(Core.Tiers.MovementFacts.Of(decision));
                decided.Add(decision);
            }
        }

        Interlocked.Add(ref encodeTicks, Stopwatch.GetTimestamp() - decidedAt);
        return new Chunk(scores, decided, rows, churn, profits, members, facts);
    }

    // The run's summary inputs, in customer order (the writer's thread: the builders are not shared); the chunk's worker
    // made them, so this is appending.
    private void Summarize(Chunk chunk, int offset)
    {
        foreach (var score in chunk.Scores)
        {
            if (score.SegmentId is { } segmentId && score.SegmentName is { } segmentName)
            {
                SegmentNames.TryAdd(segmentId, segmentName);
            }
        }

        chunk.ChurnProbabilities.CopyTo(ChurnProbabilities, offset);
        chunk.PredictedProfits.CopyTo(PredictedProfits, offset);
        Members.AddRange(chunk.Members);
        MovementFacts.AddRange(chunk.MovementFacts);
        foreach (var decision in chunk.Decided)
        {
            Candidates.Add(decision);
        }
    }

    // Names are added rarely (a few dozen per run) under a lock; read from every worker while chunks are encoded.
    private int ReasonIndex(string feature)
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

    private sealed record Chunk(
        IReadOnlyList<CustomerScore> Scores, List<CustomerDecision> Decided, CompactScore[] Rows, double[] ChurnProbabilities, double[] PredictedProfits,
        List<TierMember> Members, List<MovementFacts> MovementFacts);
}
