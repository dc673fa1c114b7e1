using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;

namespace MlCustomer.Core.Scoring.Compiled;

/// <summary>How a compiled chain reads the input columns of a row type.</summary>
/// <typeparam name="TRow">The row type the ML.NET chain was applied to.</typeparam>
/// <param name="Floats">Float vector inputs by column name.</param>
/// <param name="Texts">Text vector inputs by column name.</param>
public sealed record ChainInputs<TRow>(
    IReadOnlyDictionary<string, Func<TRow, float[]>> Floats,
    IReadOnlyDictionary<string, Func<TRow, string[]>> Texts);

/// <summary>
/// An ML.NET transformer chain read back into plain arrays and evaluated row by row without ML.NET:
/// the featurizer (ValueToKeyMapping → KeyToVector bag → Concatenate), FastTree binary and regression
/// scorers (with the Platt calibrator of a binary one), the FeatureContributionCalculator, CopyColumns,
/// Expression products, affine normalizers and KMeans. Everything (slot layout, vocabulary, trees,
/// column names) comes from the chain itself. A transformer it does not know makes only the columns it
/// writes unsupported: an output that depends on one cannot be planned, and the caller keeps ML.NET.
/// </summary>
/// <typeparam name="TRow">The row type.</typeparam>
internal sealed partial class CompiledChain<TRow>
{
    // The columns ML.NET's scorers write.
    private const string ScoreColumn = "Score";
    private const string ProbabilityColumn = "Probability";
    private const string PredictedLabelColumn = "PredictedLabel";

    private readonly List<ColumnSlot> columns = [];
    private readonly Dictionary<string, ColumnSlot> byName = new(StringComparer.Ordinal);

    // Columns that can never hold NaN (missing values replaced, one-hot counts, concatenations of such): trees that read
    // one never meet a missing value, so LightGBM's learned directions for missing values cannot change their walk.
    private readonly HashSet<int> withoutNaN = [];
    private readonly List<(ColumnSlot Slot, Func<TRow, float[]>? Floats, Func<TRow, string[]>? Texts)> inputs = [];
    private readonly List<ChainStep> steps = [];
    private readonly List<string> unsupported = [];

    private CompiledChain()
    {
    }

    /// <summary>Transformers that were not compiled, with the reason (empty when all were).</summary>
    public IReadOnlyList<string> Unsupported => unsupported;

    /// <summary>Reads <paramref name="chain"/> applied to rows of <paramref name="inputSchema"/>.</summary>
    internal static CompiledChain<TRow> Compile(ITransformer chain, DataViewSchema inputSchema, ChainInputs<TRow> rowInputs)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(rowInputs);
        var compiled = new CompiledChain<TRow>();
        foreach (var column in inputSchema)
        {
            if (column.IsHidden)
            {
                continue;
            }

            var size = (column.Type as VectorDataViewType)?.Size ?? 1;
            var item = (column.Type as VectorDataViewType)?.ItemType ?? column.Type;
            if (item == NumberDataViewType.Single && rowInputs.Floats.TryGetValue(column.Name, out var floats))
            {
                compiled.inputs.Add((compiled.Add(column.Name, ColumnKind.Floats, size, null, isInput: true), floats, null));
            }
            else if (item is TextDataViewType && column.Type is VectorDataViewType && rowInputs.Texts.TryGetValue(column.Name, out var texts))
            {
                compiled.inputs.Add((compiled.Add(column.Name, ColumnKind.Texts, size, null, isInput: true), null, texts));
            }
            else
            {
                compiled.Add(column.Name, ColumnKind.Unsupported, size, null, unsupported: $"input column {column.Name} is not bound");
            }
        }

        var schema = inputSchema;
        foreach (var transformer in Flatten(chain))
        {
            var output = transformer.GetOutputSchema(schema);
            string? problem;
            try
            {
                problem = compiled.Step(transformer, output);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidCastException or NullReferenceException or IndexOutOfRangeException)
            {
                problem = $"{transformer.GetType().Name} could not be read ({e.Message})";
            }

            if (problem is not null)
            {
                compiled.unsupported.Add(problem);
                compiled.MarkChanged(schema, output, problem);
            }

            schema = output;
        }

        return compiled;
    }

    /// <summary>
    /// A plan that computes <paramref name="outputs"/> (only the steps they need), or null with the reason
    /// when one of them is missing or depends on a transformer that was not compiled.
    /// </summary>
    public ChainPlan<TRow>? Plan(IReadOnlyList<string> outputs, out string? unsupportedReason)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var needed = new HashSet<ChainStep>();
        var usedInputs = new HashSet<ColumnSlot>();
        var handles = new List<ColumnSlot>();
        foreach (var name in outputs)
        {
            if (!byName.TryGetValue(name, out var slot))
            {
                unsupportedReason = $"the chain has no column {name}";
                return null;
            }

            if (slot.Kind != ColumnKind.Floats)
            {
                unsupportedReason = slot.Unsupported ?? $"column {name} is not numeric";
                return null;
            }

            if (Require(slot, needed, usedInputs) is { } reason)
            {
                unsupportedReason = reason;
                return null;
            }

            handles.Add(slot);
        }

        unsupportedReason = null;
        return new ChainPlan<TRow>(
            columns,
            inputs.Where(i => usedInputs.Contains(i.Slot)).ToList(),
            steps.Where(needed.Contains).ToList(),
            handles);
    }

    private string? Require(ColumnSlot slot, HashSet<ChainStep> needed, HashSet<ColumnSlot> usedInputs)
    {
        if (slot.Kind == ColumnKind.Unsupported)
        {
            return slot.Unsupported;
        }

        if (slot.IsInput)
        {
            usedInputs.Add(slot);
            return null;
        }

        slot = columns[slot.Index]; // steps keep the slot as it was when they read it; its producer is set later
        if (slot.Producer is null || !needed.Add(slot.Producer))
        {
            return null;
        }

        foreach (var input in slot.Producer.Inputs)
        {
            if (Require(input, needed, usedInputs) is { } reason)
            {
                return reason;
            }
        }

        return null;
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer)
    {
        if (transformer is OneHotEncodingTransformer)
        {
            // Fitted in memory, one-hot encoding wraps its ValueToKey → KeyToVector chain (saved and loaded,
            // it is that chain); reach it, or treat the whole as unknown.
            if (Field(transformer, "_transformer") is ITransformer inner)
            {
                foreach (var t in Flatten(inner))
                {
                    yield return t;
                }
            }
            else
            {
                yield return transformer;
            }
        }
        else if (transformer is IEnumerable parts)
        {
            foreach (var part in parts.Cast<ITransformer>())
            {
                foreach (var t in Flatten(part))
                {
                    yield return t;
                }
            }
        }
        else
        {
            yield return transformer;
        }
    }

    // Compiles one transformer; returns why not, or null.
    private string? Step(ITransformer transformer, DataViewSchema after)
    {
        switch (transformer)
        {
            case ValueToKeyMappingTransformer:
                foreach (var (output, input) in ColumnPairs(transformer))
                {
                    var source = Read(input, ColumnKind.Texts);
                    if (source is null)
                    {
                        return $"ValueToKeyMapping of {input}, which is not a text vector";
                    }

                    VBuffer<ReadOnlyMemory<char>> terms = default;
                    after[output].GetKeyValues(ref terms);
                    var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
                    var key = 1;
                    foreach (var term in terms.DenseValues())
                    {
                        vocabulary.TryAdd(term.ToString(), key++);
                    }

                    AddStep(new TermsToKeys(source, Add(output, ColumnKind.Keys, source.Size, null), vocabulary), output);
                }

                return null;

            case KeyToVectorMappingTransformer:
                foreach (var options in (Array)Field(transformer, "_columns")!)
                {
                    var output = (string)Field(options, "Name")!;
                    var input = (string)Field(options, "InputColumnName")!;
                    var source = Read(input, ColumnKind.Keys);
                    if (source is null || (!(bool)Field(options, "OutputCountVector")! && source.Size != 1))
                    {
                        return $"KeyToVector of {input} other than a count vector over keys";
                    }

                    var size = ((VectorDataViewType)after[output].Type).Size;
                    var counts = Add(output, ColumnKind.Floats, size, null);
                    withoutNaN.Add(counts.Index);
                    AddStep(new KeysToCounts(source, counts), output);
                }

                return null;

            case ColumnConcatenatingTransformer:
                foreach (var (output, sources) in (IEnumerable<(string, string[])>)Field(transformer, "Columns")!)
                {
                    var parts = sources.Select(s => Read(s, ColumnKind.Floats)).ToList();
                    if (parts.Any(p => p is null))
                    {
                        return $"Concatenate into {output} of columns that are not float";
                    }

                    var concatenated = Add(output, ColumnKind.Floats, parts.Sum(p => p!.Size), null);
                    if (parts.All(p => withoutNaN.Contains(p!.Index)))
                    {
                        withoutNaN.Add(concatenated.Index);
                    }

                    AddStep(new Concatenate(parts!, concatenated), output);
                }

                return null;

            case MissingValueReplacingTransformer:
                return ReplaceMissing(transformer);

            case ColumnCopyingTransformer:
                foreach (var (output, input) in ColumnPairs(transformer))
                {
                    if (!byName.TryGetValue(input, out var source))
                    {
                        return $"CopyColumns from unknown column {input}";
                    }

                    byName[output] = source;
                }

                return null;

            case BinaryPredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>> binary:
                return Trees(binary.FeatureColumnName, binary.Model.SubModel, (binary.Model.Calibrator.Slope, binary.Model.Calibrator.Offset), after);

            case BinaryPredictionTransformer<CalibratedModelParametersBase<LightGbmBinaryModelParameters, PlattCalibrator>> lightGbm:
                return Trees(lightGbm.FeatureColumnName, lightGbm.Model.SubModel, (lightGbm.Model.Calibrator.Slope, lightGbm.Model.Calibrator.Offset), after);

            case RegressionPredictionTransformer<FastTreeRegressionModelParameters> regression:
                return Trees(regression.FeatureColumnName, regression.Model, platt: null, after);

            case FeatureContributionCalculatingTransformer:
                return Contributions(transformer);

            case ExpressionTransformer:
                return Expression(transformer, after);

            case NormalizingTransformer normalizer:
                return Normalize(normalizer);

            // Loaded from disk its model type parameter is ML.NET-internal, so match the shape instead.
            case ISingleFeaturePredictionTransformer<object> { Model: KMeansModelParameters kmeans } clustering
                when transformer.GetType().IsGenericType && transformer.GetType().GetGenericTypeDefinition() == typeof(ClusteringPredictionTransformer<>):
                return Clusters(clustering.FeatureColumnName, kmeans, after);

            default:
                return $"transformer {transformer.GetType().Name} is not compiled";
        }
    }

    private string? Trees(string featureColumn, object model, (double Slope, double Offset)? platt, DataViewSchema after)
    {
        var features = Read(featureColumn, ColumnKind.Floats);
        var trees = FlatTreeEnsemble.TryCreate(model, out var problem, withoutMissingValues: features is not null && withoutNaN.Contains(features.Index));
        if (trees is null)
        {
            return problem;
        }

        if (features is null || trees.SlotCount > features.Size)
        {
            return $"trees read slots beyond the {featureColumn} column";
        }

        // The scorer's columns: Score, and for a binary classifier Probability and PredictedLabel.
        var score = Add(ScoreColumn, ColumnKind.Floats, 1, null);
        var probability = platt is null ? null : Add(ProbabilityColumn, ColumnKind.Floats, 1, null);
        if (platt is not null)
        {
            Add(PredictedLabelColumn, ColumnKind.Unsupported, 1, null, unsupported: "the predicted label of a binary classifier is not compiled");
        }

        // The table entries of the row, for a contribution step over the same trees (see Contributions).
        // Room for a block's entries (TreeScore.RunBlock); a row uses the first TreeCount.
        var entries = trees.RecordsEntries ? Add($"#entries{columns.Count}", ColumnKind.Keys, trees.TreeCount * FlatTreeEnsemble.BlockRows, null) : null;
        var step = new TreeScore(features, trees, score, probability, platt, entries);
        AddStep(step, ScoreColumn);
        if (entries is not null)
        {
            Retarget(entries, step);
        }

        if (probability is not null)
        {
            Retarget(probability, step);
        }

        return after.GetColumnOrNull(ScoreColumn) is null ? "the scorer wrote no Score column" : null;
    }

    private string? Contributions(ITransformer transformer)
    {
        var top = (int)Field(transformer, "Top")!;
        var bottom = (int)Field(transformer, "Bottom")!;
        var normalize = (bool)Field(transformer, "Normalize")!;
        var predictor = Field(transformer, "_predictor")!;
        var (output, input) = ColumnPairs(transformer).Single();
        var features = Read(input, ColumnKind.Floats);
        if (features is null)
        {
            return $"feature contributions of {input}, which is not a float vector";
        }

        // Only "every slot, raw": fewer kept slots or normalization would need ML.NET's selection and scaling rules.
        if (normalize || top < features.Size || bottom < features.Size)
        {
            return "feature contributions that are normalized or keep fewer than every slot";
        }

        var trees = FlatTreeEnsemble.TryCreate(predictor, out var problem, withoutMissingValues: withoutNaN.Contains(features.Index));
        if (trees is null)
        {
            return problem;
        }

        if (trees.SlotCount > features.Size)
        {
            return "trees read slots beyond the feature column";
        }

        // The scorer of the same trees on the same features has already found the row's entries.
        var scorer = steps.OfType<TreeScore>().LastOrDefault(s => s.Entries is not null && s.Features.Index == features.Index && s.Trees.SameTrees(trees));
        if (scorer is not null)
        {
            trees = scorer.Trees;
        }

        AddStep(new TreeContributions(features, trees, Add(output, ColumnKind.Floats, features.Size, null), scorer?.Entries is { } e ? columns[e.Index] : null), output);
        return null;
    }

    private string? Expression(ITransformer transformer, DataViewSchema after)
    {
        foreach (var column in (Array)Field(transformer, "_columns")!)
        {
            var output = (string)Field(column, "OutputColumnName")!;
            var inputNames = (string[])Field(column, "InputColumnNames")!;
            var text = (string)Field(column, "Expression")!;
            var match = ProductOfTwo().Match(text);
            if (!match.Success || inputNames.Length != 2 || ((after[output].Type as VectorDataViewType)?.ItemType ?? after[output].Type) != NumberDataViewType.Single
                || !new HashSet<string>([match.Groups["a"].Value, match.Groups["b"].Value]).SetEquals([match.Groups["x"].Value, match.Groups["y"].Value]))
            {
                return $"expression '{text}' (only '(a, b) => a * b' is compiled)";
            }

            var left = Read(inputNames[0], ColumnKind.Floats);
            var right = Read(inputNames[1], ColumnKind.Floats);
            if (left is null || right is null || (left.Size > 1 && right.Size > 1))
            {
                return $"expression '{text}' on columns that are not a float scalar and a float scalar or vector";
            }

            AddStep(new Multiply(left, right, Add(output, ColumnKind.Floats, Math.Max(left.Size, right.Size), null)), output);
        }

        return null;
    }

    // NaN → the learned replacement, per slot (a scalar replacement applies to every slot).
    private string? ReplaceMissing(ITransformer transformer)
    {
        var pairs = ColumnPairs(transformer);
        var replacements = Field(transformer, "_repValues") as object[];
        for (var i = 0; i < pairs.Length; i++)
        {
            var (output, input) = pairs[i];
            var source = Read(input, ColumnKind.Floats);
            if (source is null || replacements is null || i >= replacements.Length)
            {
                return $"missing-value replacement of {input}, which is not float";
            }

            float[]? values = replacements[i] switch
            {
                float scalar => Enumerable.Repeat(scalar, source.Size).ToArray(),
                VBuffer<float> vector when vector.Length == source.Size => vector.DenseValues().ToArray(),
                _ => null,
            };
            if (values is null)
            {
                return $"missing-value replacement of {input} with values of another shape";
            }

            var replaced = Add(output, ColumnKind.Floats, source.Size, null);
            if (!values.Any(float.IsNaN))
            {
                withoutNaN.Add(replaced.Index);
            }

            AddStep(new ReplaceMissing(source, replaced, values), output);
        }

        return null;
    }

    private string? Normalize(NormalizingTransformer normalizer)
    {
        var pairs = ColumnPairs(normalizer);
        for (var i = 0; i < pairs.Length; i++)
        {
            var (output, input) = pairs[i];
            var source = Read(input, ColumnKind.Floats);
            if (source is null)
            {
                return $"normalizer of {input}, which is not float";
            }

            (float[] Scale, float[]? Offset)? affine = normalizer.GetNormalizerModelParameters(i) switch
            {
                NormalizingTransformer.AffineNormalizerModelParameters<ImmutableArray<float>> v =>
                    (v.Scale.ToArray(), v.Offset.IsDefaultOrEmpty ? null : v.Offset.ToArray()),
                NormalizingTransformer.AffineNormalizerModelParameters<float> s => ([s.Scale], s.Offset == 0 ? null : [s.Offset]),
                _ => null,
            };
            if (affine is not { } a || a.Scale.Length != source.Size || (a.Offset is not null && a.Offset.Length != source.Size))
            {
                return $"normalizer of {input} that is not an affine map of its size";
            }

            AddStep(new Affine(source, Add(output, ColumnKind.Floats, source.Size, null), a.Scale, a.Offset), output);
        }

        return null;
    }

    private string? Clusters(string featureColumn, KMeansModelParameters kmeans, DataViewSchema after)
    {
        var features = Read(featureColumn, ColumnKind.Floats);
        VBuffer<float>[] centroids = [];
        kmeans.GetClusterCentroids(ref centroids, out var k);
        if (features is null || k < 1 || centroids.Take(k).Any(c => c.Length != features.Size))
        {
            return "KMeans centroids that do not match the feature column";
        }

        var dense = centroids.Take(k).Select(c => c.DenseValues().ToArray()).ToArray();
        var label = Add(PredictedLabelColumn, ColumnKind.Floats, 1, null);
        var distances = Add(ScoreColumn, ColumnKind.Floats, k, null);
        var step = new NearestCentroid(features, dense, label, distances);
        AddStep(step, PredictedLabelColumn);
        Retarget(distances, step);
        return after.GetColumnOrNull(PredictedLabelColumn) is null ? "the clustering scorer wrote no PredictedLabel" : null;
    }

    // A column read by a step: it must exist and be of the kind the step needs.
    private ColumnSlot? Read(string name, ColumnKind kind) =>
        byName.TryGetValue(name, out var slot) && slot.Kind == kind ? slot : null;

    private ColumnSlot Add(string name, ColumnKind kind, int size, ChainStep? producer, bool isInput = false, string? unsupported = null)
    {
        var slot = new ColumnSlot(columns.Count, name, kind, size, producer, isInput, unsupported);
        columns.Add(slot);
        byName[name] = slot;
        return slot;
    }

    // Columns are created before the step that fills them; point them at it once it exists.
    private void AddStep(ChainStep step, string output)
    {
        steps.Add(step);
        Retarget(byName[output], step);
    }

    private void Retarget(ColumnSlot slot, ChainStep step)
    {
        var updated = slot with { Producer = step };
        columns[slot.Index] = updated;
        foreach (var name in byName.Where(p => p.Value.Index == slot.Index).Select(p => p.Key).ToList())
        {
            byName[name] = updated;
        }
    }

    // Every column an unknown transformer added or replaced becomes unsupported.
    private void MarkChanged(DataViewSchema before, DataViewSchema after, string problem)
    {
        foreach (var column in after)
        {
            var old = before.GetColumnOrNull(column.Name);
            if (old is null || old.Value.Index != column.Index || !byName.ContainsKey(column.Name))
            {
                Add(column.Name, ColumnKind.Unsupported, 1, null, unsupported: problem);
            }
        }
    }

    private static (string Output, string Input)[] ColumnPairs(object transformer) =>
        (((string, string)[])Field(transformer, "ColumnPairs")!).ToArray();

    // ML.NET keeps what these transformers learned in non-public members; read them by name and let the
    // caller treat a missing one as "not compiled".
    private static object? Field(object target, string name)
    {
        for (var type = target.GetType(); type is not null; type = type.BaseType)
        {
            var field = type.GetField(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            if (field is not null)
            {
                return field.GetValue(target);
            }

            var property = type.GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            if (property is not null)
            {
                return property.GetValue(target);
            }
        }

        throw new InvalidOperationException($"{target.GetType().Name} has no member {name}");
    }

    [GeneratedRegex(@"^\s*\(\s*(?<a>\w+)\s*,\s*(?<b>\w+)\s*\)\s*=>\s*(?<x>\w+)\s*\*\s*(?<y>\w+)\s*$")]
    private static partial Regex ProductOfTwo();
}

/// <summary>
/// The steps that compute some outputs of a <see cref="CompiledChain{TRow}"/>. Thread-safe: every thread
/// evaluates with its own <see cref="ChainWorkspace"/>.
/// </summary>
/// <typeparam name="TRow">The row type.</typeparam>
public sealed class ChainPlan<TRow>
{
    private readonly IReadOnlyList<ColumnSlot> columns;
    private readonly (ColumnSlot Slot, Func<TRow, float[]>? Floats, Func<TRow, string[]>? Texts)[] inputs;
    private readonly ChainStep[] steps;
    private readonly int[] outputs;

    internal ChainPlan(
        IReadOnlyList<ColumnSlot> columns,
        IReadOnlyList<(ColumnSlot Slot, Func<TRow, float[]>? Floats, Func<TRow, string[]>? Texts)> inputs,
        IReadOnlyList<ChainStep> steps,
        IReadOnlyList<ColumnSlot> outputs)
    {
        this.columns = columns.ToList();
        this.inputs = inputs.ToArray();
        this.steps = steps.ToArray();
        this.outputs = outputs.Select(o => o.Index).ToArray();
        StepCount = this.steps.Length;
    }

    /// <summary>Steps run per row.</summary>
    public int StepCount { get; }

    /// <summary>How many outputs the plan computes (the columns it was planned for, in that order).</summary>
    public int OutputCount => outputs.Length;

    /// <summary>A workspace for one thread.</summary>
    public ChainWorkspace CreateWorkspace() => new(columns);

    /// <summary>Evaluates one row into <paramref name="workspace"/>.</summary>
    /// <exception cref="ArgumentException">An input vector has the wrong length.</exception>
    public void Run(TRow row, ChainWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        SetInputs(row, workspace);
        foreach (var step in steps)
        {
            step.Run(workspace);
        }
    }

    /// <summary>
    /// Evaluates <paramref name="rows"/>, row k into <paramref name="workspaces"/>[k]: the same outputs as
    /// <see cref="Run"/> row by row, faster in blocks of 8 rows (the tree steps decide a split for all of them at once).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer workspaces than rows, or an input vector has the wrong length.</exception>
    public void RunBlock(ReadOnlySpan<TRow> rows, ReadOnlySpan<ChainWorkspace> workspaces)
    {
        if (workspaces.Length < rows.Length)
        {
            throw new ArgumentException($"{rows.Length} rows need as many workspaces; {workspaces.Length} given.", nameof(workspaces));
        }

        workspaces = workspaces[..rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            ArgumentNullException.ThrowIfNull(workspaces[k], nameof(workspaces));
            SetInputs(rows[k], workspaces[k]);
        }

        // Step by step over the whole block: each step reads only its own row's workspace, so the order
        // across rows does not matter, and a tree step sees all the block's rows at once.
        foreach (var step in steps)
        {
            step.RunBlock(workspaces);
        }
    }

    private void SetInputs(TRow row, ChainWorkspace workspace)
    {
        foreach (var (slot, floats, texts) in inputs)
        {
            if (floats is not null)
            {
                var values = floats(row);
                if (values is null || values.Length != slot.Size)
                {
                    throw new ArgumentException($"Column {slot.Name} has {values?.Length ?? 0} values; the model reads {slot.Size}.", nameof(row));
                }

                workspace.Floats[slot.Index] = values;
            }
            else
            {
                var values = texts!(row);
                if (values is null || values.Length != slot.Size)
                {
                    throw new ArgumentException($"Column {slot.Name} has {values?.Length ?? 0} values; the model reads {slot.Size}.", nameof(row));
                }

                workspace.Texts[slot.Index] = values;
            }
        }
    }

    /// <summary>The <paramref name="output"/>-th planned output of the last row run in <paramref name="workspace"/>.</summary>
    public ReadOnlySpan<float> Output(ChainWorkspace workspace, int output)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return workspace.Floats[outputs[output]];
    }
}
