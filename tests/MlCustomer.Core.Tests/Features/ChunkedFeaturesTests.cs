using MlCustomer.Core.Bundle;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tests.Bundle;

namespace MlCustomer.Core.Tests.Features;

/// <summary>
/// A scoring run makes features and counts drift a chunk at a time: the chunks are the whole table's rows in its order
/// with the same report, and drift counted chunk by chunk is the drift of all rows at once.
/// </summary>
public sealed class ChunkedFeaturesTests(SmallSampleBundle sample) : IClassFixture<SmallSampleBundle>
{
    [Theory]
    [InlineData(1)]
    [InlineData(97)]
    [InlineData(100_000)]
    public void ChunksAreTheTablesRowsInOrderWithTheSameReport(int chunkSize)
    {
        var options = sample.Features with { IncludeLabels = false };
        var table = FeatureBuilder.Build(sample.Data, options);

        var chunked = FeatureBuilder.BuildInChunks(sample.Data, options, chunkSize);
        var chunks = chunked.Chunks.ToList();

        Assert.Equal(table.Rows.Count, chunked.Count);
        Assert.All(chunks.SkipLast(1), c => Assert.Equal(chunkSize, c.Length));
        Assert.Equal(table.Rows, chunks.SelectMany(c => c));
        Assert.Equal(table.AttributeNames, chunked.AttributeNames);
        Assert.Equal(table.Report.ToText(), chunked.Report.ToText());
    }

    [Fact]
    public void DriftCountedChunkByChunkIsTheDriftOfAllRows()
    {
        var contract = sample.Result.Bundle.Card.FeatureContract;
        var chunked = FeatureBuilder.BuildInChunks(sample.Data, sample.Features with { IncludeLabels = false }, 64);
        var rows = new FeatureRows(contract, chunked.AttributeNames);
        var counts = new FeatureDriftCounts(contract);
        var all = new List<ModelRow>();
        foreach (var chunk in chunked.Chunks)
        {
            foreach (var row in chunk)
            {
                counts.Add(rows.From(row));
                all.Add(rows.From(row));
            }
        }

        Assert.Equal(all.Count, counts.Rows);
        Assert.Equal(FeatureDrift.Measure(contract, all), counts.Results());
        Assert.Throws<ArgumentException>(() => new FeatureDriftCounts(contract).Results());
    }
}
