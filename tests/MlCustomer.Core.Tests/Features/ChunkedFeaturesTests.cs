using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.SampleData;
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

    [Fact]
    public void DriftCountedThroughOneReusedRowIsTheDriftOfAllRows()
    {
        var contract = sample.Result.Bundle.Card.FeatureContract;
        var chunked = FeatureBuilder.BuildInChunks(sample.Data, sample.Features with { IncludeLabels = false }, 64);
        var rows = new FeatureRows(contract, chunked.AttributeNames);
        var customers = chunked.Chunks.SelectMany(c => c).ToList();
        var all = customers.Select(rows.From).ToList();
        // As a run counts them: one row overwritten for each customer.
        var counts = new FeatureDriftCounts(contract);
        var reused = rows.From(customers[0]);
        foreach (var customer in customers)
        {
            rows.Fill(customer, reused);
            counts.Add(reused);
        }

        Assert.Equal(all.Count, counts.Rows);
        Assert.Equal(FeatureDrift.Measure(contract, all), counts.Results());
        Assert.Throws<ArgumentException>(() => rows.Fill(customers[0], new ModelRow()));
    }

    [Fact]
    public void DriftCountedInPartsAndAddedUpIsTheDriftOfAllRows()
    {
        // As a run counts them: each thread (or replica) its own parts, in any order, the counts added at the end.
        var contract = sample.Result.Bundle.Card.FeatureContract;
        var chunked = FeatureBuilder.BuildInChunks(sample.Data, sample.Features with { IncludeLabels = false }, 100);
        var rows = new FeatureRows(contract, chunked.AttributeNames);
        var all = chunked.Chunks.SelectMany(c => c).Select(rows.From).ToList();
        var parts = all.Chunk(100).Select(part =>
        {
            var counts = new FeatureDriftCounts(contract);
            foreach (var row in part)
            {
                counts.Add(row);
            }

            return counts;
        }).Reverse().ToList();

        var total = new FeatureDriftCounts(contract);
        foreach (var part in parts)
        {
            // Through bytes, as replicas sharing a run store each chunk's counts.
            total.Add(FeatureDriftCounts.FromBytes(contract, part.ToBytes()));
        }

        Assert.Throws<ArgumentException>(() => FeatureDriftCounts.FromBytes(contract, parts[0].ToBytes().AsSpan(..^8)));

        Assert.Equal(all.Count, total.Rows);
        Assert.Equal(FeatureDrift.Measure(contract, all), total.Results());
    }

    [Theory]
    [InlineData(10, 1_000)]
    [InlineData(300_000, 50_000)]
    [InlineData(300_000, 7)]
    public void GroupingInPartsKeepsEachCustomersRowsInFileOrderAndCustomersInOrderOfTheirFirstRow(int rows, int customers)
    {
        // Enough rows for one part per core (2^16 rows a part): the parts' customers overlap and are merged.
        var random = new Random(7);
        var source = Enumerable.Range(0, rows).Select(i => (Customer: $"c{random.Next(customers)}", Row: i)).ToList();

        var grouped = Grouped<(string Customer, int Row)>.ByCustomer(source, r => r.Customer);

        var expected = source.GroupBy(r => r.Customer).ToList();
        Assert.Equal(expected.Select(g => g.Key), grouped.Customers);
        Assert.All(expected, g => Assert.Equal(g, grouped.Of(g.Key)));
        Assert.Equal(0, grouped.Of("nobody").Count);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void RowsGroupedByTheLoadersCustomerNumbersMakeTheSameTableAsRowsGroupedById(bool withCustomers, bool withEvents)
    {
        var folder = sample.DataFolder;
        var loaded = CustomerDataLoader.Load(
            Path.Combine(folder, SampleDataGenerator.TransactionsFile), withCustomers ? Path.Combine(folder, SampleDataGenerator.CustomersFile) : null,
            new LoadOptions(), withEvents ? Path.Combine(folder, SampleDataGenerator.ServiceEventsFile) : null);
        Assert.NotNull(loaded.Numbering);
        // The same rows in a data set the loader did not number: grouped by id.
        var byId = new CustomerDataSet(loaded.Transactions, loaded.Customers, loaded.AttributeNames, loaded.CostIsEstimated, loaded.Report)
        {
            ServiceEvents = loaded.ServiceEvents,
            ServiceEventMeasures = loaded.ServiceEventMeasures,
            CustomersExportDate = loaded.CustomersExportDate,
        };
        var options = sample.Features with { IncludeLabels = false };

        var numbered = FeatureBuilder.Build(loaded, options);
        var expected = FeatureBuilder.Build(byId, options);

        Assert.Equal(expected.Rows.Count, numbered.Rows.Count);
        Assert.Equal(expected.Rows, numbered.Rows);
        Assert.Equal(expected.Report.ToText(), numbered.Report.ToText());
    }

    [Fact]
    public void CustomersInAnyFileOrderMakeTheTableInIdOrder()
    {
        // The sample's customers file is in id order (the table's order is then the file's, unsorted); reversed it is sorted.
        var data = sample.Data;
        var reversed = new CustomerDataSet(data.Transactions, [.. data.Customers!.Reverse()], data.AttributeNames, data.CostIsEstimated, data.Report)
        {
            ServiceEvents = data.ServiceEvents,
            ServiceEventMeasures = data.ServiceEventMeasures,
            CustomersExportDate = data.CustomersExportDate,
        };
        var options = sample.Features with { IncludeLabels = false };

        var table = FeatureBuilder.Build(reversed, options);

        Assert.Equal(FeatureBuilder.Build(data, options).Rows, table.Rows);
        Assert.Equal(table.Rows.Select(r => r.CustomerId).Order(StringComparer.Ordinal), table.Rows.Select(r => r.CustomerId));
    }

    [Theory]
    [InlineData(10, 1_000)]
    [InlineData(300_000, 50_000)]
    public void GroupingByCustomerNumberKeepsEachCustomersRowsInFileOrderAndCustomersInOrderOfTheirFirstRow(int rows, int customers)
    {
        var random = new Random(11);
        var source = Enumerable.Range(0, rows).Select(i => (Customer: $"c{random.Next(customers)}", Row: i)).ToList();
        var numbering = new CustomerNumbering();
        var numbers = source.Select(r => numbering.Number(r.Customer)).ToArray();
        // A customer numbered without rows (e.g. only in the customers file) has none, and is not among the customers with rows.
        numbering.Number("no rows");

        var grouped = Grouped<(string Customer, int Row)>.ByNumber(source, numbers, numbering);

        var expected = source.GroupBy(r => r.Customer).ToList();
        Assert.Equal(expected.Select(g => g.Key), grouped.Customers);
        Assert.All(expected, g => Assert.Equal(g, grouped.Of(g.Key)));
        Assert.Equal(0, grouped.Of("no rows").Count);
        Assert.Equal(0, grouped.Of("nobody").Count);
        Assert.Throws<ArgumentException>(() => Grouped<(string, int)>.ByNumber(source, numbers[1..], numbering));
    }
}
