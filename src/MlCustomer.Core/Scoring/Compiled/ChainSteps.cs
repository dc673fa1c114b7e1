namespace MlCustomer.Core.Scoring.Compiled;

/// <summary>
/// The per-row state of one evaluation: one buffer per column the chain produces, allocated once and
/// reused for every row (inputs are referenced, never copied). One workspace per thread.
/// </summary>
public sealed class ChainWorkspace
{
    internal ChainWorkspace(IReadOnlyList<ColumnSlot> columns)
    {
        Floats = new float[columns.Count][];
        Texts = new string[columns.Count][];
        Keys = new int[columns.Count][];
        foreach (var column in columns)
        {
            switch (column.Kind)
            {
                case ColumnKind.Floats when !column.IsInput:
                    Floats[column.Index] = new float[column.Size];
                    break;
                case ColumnKind.Keys:
                    Keys[column.Index] = new int[column.Size];
                    break;
            }
        }
    }

    internal float[][] Floats { get; }

    internal string[][] Texts { get; }

    internal int[][] Keys { get; }

    // Scratch for a step that works on a block of rows (the block's first workspace lends it); grown on demand, then reused.
    private float[] blockScratch = [];

    internal float[] BlockScratch(int length)
    {
        if (blockScratch.Length < length)
        {
            blockScratch = new float[length];
        }

        return blockScratch;
    }
}

/// <summary>What a column holds while a row is evaluated.</summary>
internal enum ColumnKind
{
    /// <summary>A float scalar (size 1) or vector.</summary>
    Floats,

    /// <summary>A text vector (an input).</summary>
    Texts,

    /// <summary>Key indices, 1-based, 0 = not in the vocabulary.</summary>
    Keys,

    /// <summary>Produced by a transformer this compiler does not reproduce; reading it makes the output unsupported.</summary>
    Unsupported,
}

/// <summary>One column of the chain: where it lives in a workspace and what made it.</summary>
internal sealed record ColumnSlot(int Index, string Name, ColumnKind Kind, int Size, ChainStep? Producer, bool IsInput = false, string? Unsupported = null);

/// <summary>One step of a compiled chain: reads columns of the workspace and writes one.</summary>
internal abstract class ChainStep
{
    protected ChainStep(IReadOnlyList<ColumnSlot> inputs) => Inputs = inputs;

    /// <summary>The columns this step reads.</summary>
    public IReadOnlyList<ColumnSlot> Inputs { get; }

    /// <summary>Computes the step's output(s) for the row in <paramref name="workspace"/>.</summary>
    public abstract void Run(ChainWorkspace workspace);

    /// <summary>
    /// Computes the step's output(s) for a block of rows, one workspace each; the same as <see cref="Run"/>
    /// on each, which is what a step without a faster way for blocks does.
    /// </summary>
    public virtual void RunBlock(ReadOnlySpan<ChainWorkspace> workspaces)
    {
        foreach (var workspace in workspaces)
        {
            Run(workspace);
        }
    }
}

/// <summary>Text terms → 1-based keys by a learned vocabulary (ML.NET ValueToKeyMapping on text); unknown → 0.</summary>
internal sealed class TermsToKeys(ColumnSlot input, ColumnSlot output, Dictionary<string, int> vocabulary) : ChainStep([input])
{
    public override void Run(ChainWorkspace workspace)
    {
        var terms = workspace.Texts[input.Index];
        var keys = workspace.Keys[output.Index];
        for (var i = 0; i < keys.Length; i++)
        {
            var term = terms[i];
            keys[i] = term is not null && vocabulary.TryGetValue(term, out var key) ? key : 0;
        }
    }
}

/// <summary>Keys → counts per key (ML.NET KeyToVector with a count vector, the one-hot "bag"); key 0 adds nothing.</summary>
internal sealed class KeysToCounts(ColumnSlot input, ColumnSlot output) : ChainStep([input])
{
    public override void Run(ChainWorkspace workspace)
    {
        var counts = workspace.Floats[output.Index];
        Array.Clear(counts);
        foreach (var key in workspace.Keys[input.Index])
        {
            if (key > 0)
            {
                counts[key - 1] += 1f;
            }
        }
    }
}

/// <summary>Float columns one after another (ML.NET Concatenate).</summary>
internal sealed class Concatenate(IReadOnlyList<ColumnSlot> inputs, ColumnSlot output) : ChainStep(inputs)
{
    public override void Run(ChainWorkspace workspace)
    {
        var target = workspace.Floats[output.Index].AsSpan();
        foreach (var input in Inputs)
        {
            workspace.Floats[input.Index].AsSpan(0, input.Size).CopyTo(target);
            target = target[input.Size..];
        }
    }
}

/// <summary>A tree ensemble's raw score, and with a Platt calibrator its probability (ML.NET binary or regression scorer).</summary>
internal sealed class TreeScore(
    ColumnSlot features, FlatTreeEnsemble trees, ColumnSlot score, ColumnSlot? probability, (double Slope, double Offset)? platt, ColumnSlot? entries)
    : ChainStep([features])
{
    /// <summary>The trees' table entries of the row, kept for a contribution step over the same trees; null when not kept.</summary>
    public ColumnSlot? Entries => entries;

    /// <summary>The trees.</summary>
    public FlatTreeEnsemble Trees => trees;

    /// <summary>The feature column read.</summary>
    public ColumnSlot Features => features;

    public override void Run(ChainWorkspace workspace)
    {
        var value = entries is null
            ? trees.Score(workspace.Floats[features.Index])
            : trees.Score(workspace.Floats[features.Index], workspace.Keys[entries.Index]);
        Write(workspace, value);
    }

    // Up to FlatTreeEnsemble.BlockRows rows per call: their features transposed (slot-major in groups of 8) so the
    // trees decide a split for 8 of them with one vector compare. Trees that cannot, or a longer block, go row by row.
    public override void RunBlock(ReadOnlySpan<ChainWorkspace> workspaces)
    {
        if (!trees.ScoresBlocks || workspaces.Length > FlatTreeEnsemble.BlockRows)
        {
            base.RunBlock(workspaces);
            return;
        }

        const int lanes = FlatTreeEnsemble.Lanes;
        var slots = trees.SlotCount;
        var groups = (workspaces.Length + lanes - 1) / lanes;
        var transposed = workspaces[0].BlockScratch(groups * slots * lanes);
        for (var k = 0; k < workspaces.Length; k++)
        {
            var row = workspaces[k].Floats[features.Index];
            var at = ((k / lanes) * slots * lanes) + (k % lanes);
            for (var s = 0; s < slots; s++)
            {
                transposed[at + (s * lanes)] = row[s];
            }
        }

        // The block's entries go to the first workspace's entries column, for the contribution step (which reads
        // them there when it too runs a block: same trees, so the same ScoresBlocks).
        Span<float> scores = stackalloc float[workspaces.Length];
        trees.ScoreBlock(transposed, scores, entries is null ? [] : workspaces[0].Keys[entries.Index]);
        for (var k = 0; k < workspaces.Length; k++)
        {
            Write(workspaces[k], scores[k]);
        }
    }

    private void Write(ChainWorkspace workspace, float value)
    {
        workspace.Floats[score.Index][0] = value;
        if (probability is not null && platt is { } p)
        {
            // ML.NET PlattCalibrator.PredictProbability, in the same precision.
            workspace.Floats[probability.Index][0] = float.IsNaN(value) ? value : (float)(1 / (1 + Math.Exp((p.Slope * value) + p.Offset)));
        }
    }
}

/// <summary>Per-slot tree contributions (ML.NET FeatureContributionCalculator, every slot kept, not normalized).</summary>
/// <remarks>
/// With <c>entries</c> (kept by the scorer of the same trees for the same row) the row's leaves are not
/// found a second time.
/// </remarks>
internal sealed class TreeContributions(ColumnSlot features, FlatTreeEnsemble trees, ColumnSlot output, ColumnSlot? entries)
    : ChainStep(entries is null ? [features] : [features, entries])
{
    public override void Run(ChainWorkspace workspace)
    {
        var contributions = workspace.Floats[output.Index];
        Array.Clear(contributions);
        if (entries is null)
        {
            trees.AddContributions(workspace.Floats[features.Index], contributions);
        }
        else
        {
            trees.AddContributions(workspace.Keys[entries.Index], contributions);
        }
    }

    // With entries from a block scored at once (TreeScore.RunBlock: the same trees score blocks exactly when these
    // do), the block's rows are added tree by tree together from the entries it left in the first workspace.
    public override void RunBlock(ReadOnlySpan<ChainWorkspace> workspaces)
    {
        if (entries is null || !trees.ScoresBlocks || workspaces.Length > FlatTreeEnsemble.BlockRows)
        {
            base.RunBlock(workspaces);
            return;
        }

        // Group after group of 8 rows, each from its own entries (ScoreBlock's layout: group g's at g · trees · 8).
        const int lanes = FlatTreeEnsemble.Lanes;
        var blockEntries = workspaces[0].Keys[entries.Index].AsSpan();
        for (var first = 0; first < workspaces.Length; first += lanes)
        {
            var rows = Math.Min(lanes, workspaces.Length - first);
            var rowContributions = default(BlockArrays<float>);
            for (var k = 0; k < rows; k++)
            {
                rowContributions[k] = workspaces[first + k].Floats[output.Index];
                Array.Clear(rowContributions[k]);
            }

            var groupEntries = trees.TreeCount * lanes;
            trees.AddContributionsBlock(blockEntries.Slice((first / lanes) * groupEntries, groupEntries), ((ReadOnlySpan<float[]>)rowContributions)[..rows]);
        }
    }
}

/// <summary>One array per row of a group of 8, on the stack (nothing allocated per block).</summary>
[System.Runtime.CompilerServices.InlineArray(FlatTreeEnsemble.Lanes)]
internal struct BlockArrays<T>
{
    private T[] first;
}

/// <summary>The product of two float columns, a scalar times a scalar or a vector (ML.NET Expression "(a, b) => a * b").</summary>
internal sealed class Multiply(ColumnSlot left, ColumnSlot right, ColumnSlot output) : ChainStep([left, right])
{
    public override void Run(ChainWorkspace workspace)
    {
        var a = workspace.Floats[left.Index];
        var b = workspace.Floats[right.Index];
        var result = workspace.Floats[output.Index];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = a[left.Size == 1 ? 0 : i] * b[right.Size == 1 ? 0 : i];
        }
    }
}

/// <summary>NaN → the replacement of its slot (ML.NET ReplaceMissingValues); other values pass through.</summary>
internal sealed class ReplaceMissing(ColumnSlot input, ColumnSlot output, float[] replacements) : ChainStep([input])
{
    public override void Run(ChainWorkspace workspace)
    {
        var x = workspace.Floats[input.Index];
        var result = workspace.Floats[output.Index];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = float.IsNaN(x[i]) ? replacements[i] : x[i];
        }
    }
}

/// <summary>(x − offset) × scale per slot (ML.NET affine normalizer, e.g. NormalizeMeanVariance); no offset when it fixes zero.</summary>
internal sealed class Affine(ColumnSlot input, ColumnSlot output, float[] scale, float[]? offset) : ChainStep([input])
{
    public override void Run(ChainWorkspace workspace)
    {
        var x = workspace.Floats[input.Index];
        var result = workspace.Floats[output.Index];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = offset is null ? x[i] * scale[i] : (x[i] - offset[i]) * scale[i];
        }
    }
}

/// <summary>
/// The nearest KMeans centroid, 1-based, and the squared distances (ML.NET KMeans scorer: ‖x‖² + ‖c‖² − 2·x·c,
/// at least 0, in float; the first of equal distances wins).
/// </summary>
internal sealed class NearestCentroid(ColumnSlot features, float[][] centroids, ColumnSlot label, ColumnSlot distances) : ChainStep([features])
{
    private readonly float[] centroidNorms = centroids.Select(c => Dot(c, c)).ToArray();

    public override void Run(ChainWorkspace workspace)
    {
        var x = workspace.Floats[features.Index];
        var scores = workspace.Floats[distances.Index];
        var norm = Dot(x, x);
        var best = 0;
        for (var k = 0; k < centroids.Length; k++)
        {
            scores[k] = Math.Max(0f, (-2 * Dot(centroids[k], x)) + centroidNorms[k] + norm);
            if (scores[k] < scores[best])
            {
                best = k;
            }
        }

        workspace.Floats[label.Index][0] = best + 1;
    }

    private static float Dot(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
