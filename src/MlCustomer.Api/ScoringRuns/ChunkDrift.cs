using System.Collections.Concurrent;
using MlCustomer.Api.Models;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>
/// A run's features' drift, counted chunk by chunk on every core as the chunks are made: each thread counts its part of a
/// chunk through one reused model row into its own counts, and the counts (whole numbers) add up at the end to exactly
/// what one pass over every customer counts, whichever thread counted which customer.
/// </summary>
internal sealed class ChunkDrift
{
    // Below this a part costs more to hand to another thread than to count.
    private const int CustomersPerPart = 1_024;

    private readonly FeatureContract contract;
    private readonly FeatureRows modelRows;
    private readonly ConcurrentBag<(FeatureDriftCounts Counts, ModelRow Row)> idle = [];
    private readonly ConcurrentBag<FeatureDriftCounts> all = [];

    private ChunkDrift(FeatureContract contract, IReadOnlyList<string> attributeNames)
    {
        this.contract = contract;
        modelRows = new FeatureRows(contract, attributeNames);
    }

    /// <summary>
    /// Counts for a run of <paramref name="customers"/> customers with <paramref name="generation"/>'s models; null when its
    /// bundle holds no training distributions (trained before drift checks: its runs record none) or there is no customer.
    /// </summary>
    public static ChunkDrift? For(ModelGeneration generation, IReadOnlyList<string> attributeNames, int customers)
    {
        var contract = generation.Card.FeatureContract;
        return customers > 0 && contract.Features.All(f => f.BinShares is not null) ? new ChunkDrift(contract, attributeNames) : null;
    }

    /// <summary>The contract the counts are against.</summary>
    public FeatureContract Contract => contract;

    /// <summary>Counts one chunk's customers (on every core).</summary>
    public void Count(CustomerFeatures[] chunk)
    {
        if (chunk.Length == 0)
        {
            return;
        }

        Parallel.ForEach(Partitioner.Create(0, chunk.Length, CustomersPerPart), Rent, (range, _, counter) =>
        {
            // One model row overwritten for each customer: counted, not kept.
            for (var i = range.Item1; i < range.Item2; i++)
            {
                modelRows.Fill(chunk[i], counter.Row);
                counter.Counts.Add(counter.Row);
            }

            return counter;
        }, idle.Add);
    }

    /// <summary>Every customer counted so far, in one set of counts.</summary>
    public FeatureDriftCounts Total()
    {
        var total = new FeatureDriftCounts(contract);
        foreach (var counts in all)
        {
            total.Add(counts);
        }

        return total;
    }

    private (FeatureDriftCounts Counts, ModelRow Row) Rent()
    {
        if (idle.TryTake(out var counter))
        {
            return counter;
        }

        var counts = new FeatureDriftCounts(contract);
        all.Add(counts);
        return (counts, new ModelRow { Numeric = new float[contract.Schema.NumericNames.Count], Categorical = new string[contract.Schema.CategoricalNames.Count] });
    }
}
