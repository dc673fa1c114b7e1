namespace MlCustomer.Core.Modeling;

/// <summary>
/// Drift counted row by row: each feature's customers per training bin (numeric) or category, so a scoring run measures
/// drift over its chunks as they pass instead of holding every customer's model row. <see cref="Results"/> is exactly
/// what <see cref="FeatureDrift.Measure"/> answers for the same rows (Measure counts with this class).
/// </summary>
public sealed class FeatureDriftCounts
{
    private readonly FeatureContract contract;
    private readonly long[][] counts;
    private readonly (int Slot, bool Numeric, IReadOnlyList<double> Edges, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>? Categories, string Prefix)[] features;
    private long rows;

    /// <summary>Starts counting against <paramref name="contract"/>'s training distributions.</summary>
    /// <exception cref="InvalidOperationException">The contract holds no training distribution (a bundle trained before drift checks).</exception>
    public FeatureDriftCounts(FeatureContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        this.contract = contract;
        var (numeric, categorical) = (0, 0);
        features = new (int, bool, IReadOnlyList<double>, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>>?, string)[contract.Features.Count];
        counts = new long[contract.Features.Count][];
        for (var f = 0; f < features.Length; f++)
        {
            var feature = contract.Features[f];
            _ = feature.BinShares
                ?? throw new InvalidOperationException(
                    $"The model card holds no training distribution of '{feature.Name}': the bundle was trained before drift checks. Retrain it to check drift.");
            if (feature.Kind == FeatureKind.Numeric)
            {
                var edges = feature.BinEdges ?? [];
                features[f] = (numeric++, true, edges, null, "");
                counts[f] = new long[edges.Count + 2];
            }
            else
            {
                var categories = feature.Categories ?? [];
                var index = categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
                features[f] = (categorical++, false, [], index.GetAlternateLookup<ReadOnlySpan<char>>(), feature.Name + "=");
                counts[f] = new long[categories.Count + 1];
            }
        }
    }

    /// <summary>Rows counted so far.</summary>
    public long Rows => rows;

    /// <summary>Counts one customer's model row.</summary>
    /// <exception cref="ArgumentException">The row does not fit the contract.</exception>
    public void Add(ModelRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var schema = contract.Schema;
        if (row.Numeric.Length != schema.NumericNames.Count || row.Categorical.Length != schema.CategoricalNames.Count)
        {
            throw new ArgumentException(
                $"The rows do not fit the contract's {schema.NumericNames.Count} numeric and {schema.CategoricalNames.Count} categorical features.", nameof(row));
        }

        rows++;
        for (var f = 0; f < features.Length; f++)
        {
            var (slot, numeric, edges, categories, prefix) = features[f];
            if (numeric)
            {
                var value = (double)row.Numeric[slot];
                counts[f][double.IsNaN(value) ? edges.Count + 1 : FeatureDrift.Bin(edges, value)]++;
            }
            else
            {
                // Looked up by the span after the prefix: a million rows' categories without a million substrings.
                var text = row.Categorical[slot].AsSpan();
                var value = text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : text;
                counts[f][categories!.Value.TryGetValue(value, out var i) ? i : categories.Value.Dictionary.Count]++;
            }
        }
    }

    /// <summary>
    /// Adds the rows <paramref name="other"/> counted (against the same contract): counts are whole numbers, so rows counted
    /// on several threads, or chunk by chunk on several replicas, add up to exactly the counts of one pass over them all.
    /// </summary>
    /// <exception cref="ArgumentException">The other counts are against another contract.</exception>
    public void Add(FeatureDriftCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!ReferenceEquals(other.contract, contract) && !other.contract.Features.Select(f => f.Name).SequenceEqual(contract.Features.Select(f => f.Name)))
        {
            throw new ArgumentException("The drift counts were made against another feature contract.", nameof(other));
        }

        rows += other.rows;
        for (var f = 0; f < counts.Length; f++)
        {
            if (other.counts[f].Length != counts[f].Length)
            {
                throw new ArgumentException($"The drift counts of '{contract.Features[f].Name}' have other bins.", nameof(other));
            }

            for (var b = 0; b < counts[f].Length; b++)
            {
                counts[f][b] += other.counts[f][b];
            }
        }
    }

    /// <summary>
    /// The counts as bytes (the rows, then each feature's bins in the contract's order, little-endian 64-bit): replicas
    /// that share a run store each chunk's counts, and the run's holder adds them up (<see cref="FromBytes"/>).
    /// </summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[sizeof(long) * (1 + counts.Sum(c => c.Length))];
        var at = 0;
        Write(rows);
        foreach (var bins in counts)
        {
            foreach (var count in bins)
            {
                Write(count);
            }
        }

        return bytes;

        void Write(long value)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), value);
            at += sizeof(long);
        }
    }

    /// <summary>Counts written by <see cref="ToBytes"/> against the same contract.</summary>
    /// <exception cref="ArgumentException">The bytes do not hold counts of this contract's bins.</exception>
    public static FeatureDriftCounts FromBytes(FeatureContract contract, ReadOnlySpan<byte> bytes)
    {
        var read = new FeatureDriftCounts(contract);
        var expected = sizeof(long) * (1 + read.counts.Sum(c => c.Length));
        if (bytes.Length != expected)
        {
            throw new ArgumentException($"Stored drift counts of {bytes.Length} bytes do not fit the contract's bins ({expected} bytes).", nameof(bytes));
        }

        var at = 0;
        read.rows = Read(bytes);
        foreach (var bins in read.counts)
        {
            for (var b = 0; b < bins.Length; b++)
            {
                bins[b] = Read(bytes);
            }
        }

        return read;

        long Read(ReadOnlySpan<byte> from)
        {
            var value = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(from[at..]);
            at += sizeof(long);
            return value;
        }
    }

    /// <summary>Every feature against its training distribution, most moved first.</summary>
    /// <exception cref="ArgumentException">No rows were counted.</exception>
    public IReadOnlyList<FeatureDriftResult> Results()
    {
        if (rows == 0)
        {
            throw new ArgumentException("There are no customers to compare with training.");
        }

        var results = new List<FeatureDriftResult>(features.Length);
        for (var f = 0; f < features.Length; f++)
        {
            var feature = contract.Features[f];
            IReadOnlyList<double> now = [.. counts[f].Select(c => (double)c / rows)];
            if (features[f].Numeric)
            {
                var edges = features[f].Edges;
                results.Add(FeatureDrift.Result(feature.Name, feature.BinShares!, now, FeatureDrift.BinNames(edges), missingBin: edges.Count + 1));
            }
            else
            {
                var categories = feature.Categories ?? [];
                results.Add(FeatureDrift.Result(
                    feature.Name, feature.BinShares!, now, [.. categories, "not seen in training"], missingBin: categories.ToList().IndexOf(ModelDatasets.MissingCategory)));
            }
        }

        return results.OrderByDescending(r => r.Psi).ThenBy(r => r.Feature, StringComparer.Ordinal).ToList();
    }
}
