using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Features;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Storage;

namespace MlCustomer.Benchmarks;

/// <summary>
/// Where a scoring run's CPU goes, step by step, on a generated customer base: the Core steps the run's worker takes
/// (features, drift rows, scores with reasons in chunks, the rules' decisions, the summary inputs), one after the other so
/// that each step's process CPU time is its own (the worker overlaps them; storage is measured from the API's log).
/// Run: <c>dotnet run -c Release --project tests/MlCustomer.Benchmarks -- run-cpu DATA</c> (a folder written by the
/// console's <c>generate --customers N -o DATA</c>).
/// </summary>
internal static class RunCpu
{
    // The run's storage step alone: each customer's compact row encoded (reasons, facts) and written with the API's
    // RunScoresWriter to a fresh SQLite file in chunks, as the worker does (there it overlaps with scoring).
    private static void StoreRows(FeatureTable table, List<CustomerScore> scores, CustomerDecision?[] decided, Action<string, Action> step)
    {
        var folder = Directory.CreateTempSubdirectory("run-cpu-");
        try
        {
            var store = new ScoreStore(
                Options.Create(new StorageOptions { DatabasePath = Path.Combine(folder.FullName, "scores.db") }),
                new HostingEnvironment { ContentRootPath = folder.FullName }, NullLogger<ScoreStore>.Instance);
            store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
            var runId = Guid.NewGuid().ToString("N");
            store.CreateRunAsync(
                new ScoringRun { Id = runId, Status = RunStatus.Running, RequestedBy = "run-cpu", RequestedAt = DateTimeOffset.UtcNow },
                CancellationToken.None).GetAwaiter().GetResult();
            var names = new Dictionary<string, int>(StringComparer.Ordinal);
            var rows = new CompactScore[table.Rows.Count];
            step("encoding (compact rows)", () =>
            {
                for (var i = 0; i < rows.Length; i++)
                {
                    var score = scores[i];
                    rows[i] = new CompactScore(
                        score.CustomerId, score.ChurnProbability, "low", score.SegmentId, score.PredictedGrossProfit, score.PredictedRevenue,
                        CompactEncoding.WriteReasons(score.ChurnReasons, score.ValueReasons, n => names.TryGetValue(n, out var at) ? at : names[n] = names.Count),
                        decided[i] is null ? null : CompactEncoding.WriteFacts(table.Rows[i]), score.GrossProfitInterval, score.RevenueInterval);
                }
            });
            step("storage (RunScoresWriter, chunks of 4,096)", () =>
            {
                var key = store.NextScoreKeyAsync(CancellationToken.None).GetAwaiter().GetResult();
                var writer = store.BeginRunScoresAsync(runId, key, CancellationToken.None).GetAwaiter().GetResult();
                foreach (var chunk in rows.Chunk(ChunkSize))
                {
                    foreach (var row in chunk)
                    {
                        writer.Add(row);
                    }

                    writer.CommitChunk();
                }

                writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            });
            Console.WriteLine($"database file {new FileInfo(store.DatabaseFile!).Length / (double)rows.Length:0} bytes per customer (before a checkpoint)");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private const int ChunkSize = 4_096;

    public static int Run(string folder)
    {
        var ml = new MLContext(seed: 1);
        var bundle = ModelBundle.Load(ml, Path.Combine(ScoringBenchmarks.RepositoryRoot(), "models"));
        var scorer = new BundleScorer(ml, bundle);
        var decisions = new BundleDecisions(bundle);
        var events = Path.Combine(folder, "service-events.csv");
        var data = CustomerDataLoader.Load(
            Path.Combine(folder, "transactions.csv"), Path.Combine(folder, "customers.csv"), new LoadOptions(), File.Exists(events) ? events : null);
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}; {data.Transactions.Count:N0} order lines");
        FeatureTable table = null!;
        var featureOptions = new FeatureOptions
        {
            AsOfDate = data.LastOrderDate,
            ChurnHorizonDays = bundle.Card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays,
            ValueHorizonDays = bundle.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
            IncludeLabels = false,
            SnapshotAttributesBeforeExport = bundle.Card.SnapshotAttributesBeforeExport,
        };
        // What a run does before its first chunk: order lines and service events grouped by customer, the customers in id
        // order, the exclusions and the report's counts.
        Step("features: the plan before the first chunk (grouping, exclusions, counts)", () => FeatureBuilder.BuildInChunks(data, featureOptions, ChunkSize));
        Step("features (FeatureBuilder.Build)", () => table = FeatureBuilder.Build(data, new FeatureOptions
        {
            AsOfDate = data.LastOrderDate,
            ChurnHorizonDays = bundle.Card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays,
            ValueHorizonDays = bundle.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
            IncludeLabels = false,
            SnapshotAttributesBeforeExport = bundle.Card.SnapshotAttributesBeforeExport,
        }));
        var n = table.Rows.Count;
        Console.WriteLine($"{n:N0} customers");
        var contract = bundle.Card.FeatureContract;
        Step("drift rows + FeatureDrift.Measure", () =>
        {
            var rows = new FeatureRows(contract, table.AttributeNames);
            FeatureDrift.Measure(contract, [.. table.Rows.Select(rows.From)]);
        });
        var scores = new List<CustomerScore>(n);
        Step("scores, no reasons (chunks)", () =>
        {
            foreach (var chunk in table.Rows.Chunk(ChunkSize))
            {
                scorer.Score(chunk, table.AttributeNames, 0);
            }
        });
        Step("scores with 3 reasons per model (chunks)", () =>
        {
            foreach (var chunk in table.Rows.Chunk(ChunkSize))
            {
                scores.AddRange(scorer.Score(chunk, table.AttributeNames));
            }
        });
        var decided = new CustomerDecision?[n];
        Step("decisions with words (both cores)", () => Parallel.ForEach(Partitioner.Create(0, n, 512), range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                decided[i] = decisions.Decide(table.Rows[i], scores[i]);
            }
        }));
        Step("summary inputs (TierMember, candidates, pyramid, candidates built)", () =>
        {
            var members = new List<TierMember>(n);
            var candidates = new TargetCandidates.Builder();
            foreach (var d in decided)
            {
                members.Add(TierMember.Of(d!));
                candidates.Add(d!);
            }

            ProfitConcentration.Compute(members);
            candidates.Build();
        });
        StoreRows(table, scores, decided, Step);
        return 0;

        void Step(string name, Action step)
        {
            GC.Collect();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes();
            var wall = Stopwatch.StartNew();
            step();
            var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            var count = Math.Max(table?.Rows.Count ?? data.Customers?.Count ?? 1, 1);
            Console.WriteLine(
                $"{name}: CPU {cpuMs:N0} ms ({cpuMs * 1000 / count:0.0} µs per customer), wall {wall.ElapsedMilliseconds:N0} ms, allocated {(GC.GetTotalAllocatedBytes() - allocated) / 1048576.0:N0} MB");
        }
    }
}
