using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Bundle;

/// <summary>A bundle that cannot be used: missing, inconsistent or from another format.</summary>
public sealed class ModelBundleException(string message) : Exception(message);

/// <summary>
/// The three models and their card, as saved in a bundle folder: churn.zip, segments.zip,
/// lifetime-value.zip and model-card.json. Loading refuses a bundle whose card is missing or does not
/// match its models.
/// </summary>
public sealed class ModelBundle
{
    /// <summary>Churn model file.</summary>
    public const string ChurnFile = "churn.zip";

    /// <summary>Segmentation model file.</summary>
    public const string SegmentsFile = "segments.zip";

    /// <summary>Lifetime value model file.</summary>
    public const string ValueFile = "lifetime-value.zip";

    /// <summary>Lifetime revenue model file (transactional bundles).</summary>
    public const string RevenueFile = "lifetime-revenue.zip";

    /// <summary>Model card file.</summary>
    public const string CardFile = "model-card.json";

    /// <summary>The tier and decision rules the bundle was trained with.</summary>
    public const string RulesFile = "rules.json";

    /// <summary>Training report file.</summary>
    public const string ReportFile = "report.html";

    /// <summary>What to run to get a bundle, for error messages.</summary>
    public const string TrainCommand = "dotnet run --project src/MlCustomer.Training -- train";

    /// <summary>How cards are written and read.</summary>
    public static JsonSerializerOptions CardJson { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Creates a bundle from trained parts.</summary>
    public ModelBundle(ModelCard card, ITransformer churn, ITransformer? segments, ITransformer? lifetimeValue, RuleSet rules, ITransformer? revenue = null)
    {
        Revenue = revenue;
        Rules = rules;
        Card = card;
        Churn = churn;
        Segments = segments;
        LifetimeValue = lifetimeValue;
    }

    /// <summary>The tier and decision rules shipped with the bundle (overridable when scoring).</summary>
    public RuleSet Rules { get; }

    /// <summary>The card.</summary>
    public ModelCard Card { get; }

    /// <summary>The churn chain (featurizer → trees → contributions); outputs raw Score and FeatureContributions.</summary>
    public ITransformer Churn { get; }

    /// <summary>The segmentation (standardiser → KMeans), or null for customer-table bundles.</summary>
    public ITransformer? Segments { get; }

    /// <summary>The lifetime value chain, or null when the data had no value label.</summary>
    public ITransformer? LifetimeValue { get; }

    /// <summary>The lifetime revenue chain (same shape as <see cref="LifetimeValue"/>), or null.</summary>
    public ITransformer? Revenue { get; }

    /// <summary>Writes the models and the card to <paramref name="folder"/> (created if missing).</summary>
    public void Save(MLContext ml, string folder)
    {
        ArgumentNullException.ThrowIfNull(ml);
        Directory.CreateDirectory(folder);
        foreach (var (file, write) in ModelFiles(ml))
        {
            using var stream = File.Create(Path.Combine(folder, file));
            write(stream);
        }

        File.WriteAllText(Path.Combine(folder, CardFile), JsonSerializer.Serialize(Card, CardJson));
        File.WriteAllText(Path.Combine(folder, RulesFile), Rules.ToJson());
    }

    /// <summary>
    /// This bundle under the version its content gives (<see cref="BundleVersion.Of(MLContext, ModelBundle)"/>):
    /// what training returns, so that a bundle in memory carries the version its saved folder will show.
    /// </summary>
    public ModelBundle Versioned(MLContext ml) =>
        new(Card with { Version = BundleVersion.Of(ml, this), ModelHashes = BundleVersion.ModelHashesOf(ml, this) }, Churn, Segments, LifetimeValue, Rules, Revenue);

    /// <summary>Each model file the bundle has, with how to write it: the one place that decides what a saved model holds.</summary>
    internal IReadOnlyList<(string File, Action<Stream> Write)> ModelFiles(MLContext ml)
    {
        var rowSchema = Card.FeatureContract.Schema.Load(ml, []).Schema;
        var files = new List<(string, Action<Stream>)> { (ChurnFile, s => ml.Model.Save(Churn, rowSchema, s)) };
        if (Segments is { } segments)
        {
            files.Add((SegmentsFile, s => ml.Model.Save(segments, ml.Data.LoadFromEnumerable(Array.Empty<SegmentInput>()).Schema, s)));
        }

        if (LifetimeValue is { } value)
        {
            files.Add((ValueFile, s => ml.Model.Save(value, rowSchema, s)));
        }

        if (Revenue is { } revenue)
        {
            files.Add((RevenueFile, s => ml.Model.Save(revenue, rowSchema, s)));
        }

        return files;
    }

    /// <summary>Largest model card file read.</summary>
    public const long MaxCardBytes = 64L * 1024 * 1024;

    // The serializer's message names .NET types and reader settings; say where the card breaks and how, in JSON's words.
    private static string CardProblem(JsonException e)
    {
        var where = $"line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}";
        var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "the card" : e.Path.TrimStart('$', '.');
        var message = e.Message;
        return message switch
        {
            _ when message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) =>
                $"{field} has the wrong JSON type at {where}",
            _ when message.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal) => "the file is empty",
            _ when message.Contains("maximum configured depth", StringComparison.Ordinal) => $"{field} is nested deeper than a card ever is, at {where}",
            _ => $"{(message.IndexOf(" Path:", StringComparison.Ordinal) is var cut and >= 0 ? message[..cut] : message).TrimEnd('.')} at {where}",
        };
    }

    /// <summary>Reads a card on its own (for listing and comparing bundles).</summary>
    public static ModelCard ReadCard(string folder)
    {
        var path = Path.Combine(folder, CardFile);
        if (!File.Exists(path))
        {
            throw new ModelBundleException(
                $"No model bundle in {Path.GetFullPath(folder)}: {CardFile} is missing. Train one with: {TrainCommand}");
        }

        // A card is read whole into memory: one far larger than training writes (~1 MB) is not read at all.
        var bytes = new FileInfo(path).Length;
        if (bytes > MaxCardBytes)
        {
            throw new ModelBundleException(
                $"{path} is {bytes:N0} bytes; a model card is at most {MaxCardBytes:N0} (training writes about 1 MB). Retrain with: {TrainCommand}");
        }

        ModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(path), CardJson);
        }
        catch (JsonException e)
        {
            throw new ModelBundleException($"{path} is not a valid model card ({CardProblem(e)}). Retrain with: {TrainCommand}");
        }

        if (card is null || card.Format != ModelCard.CurrentFormat)
        {
            throw new ModelBundleException(
                $"{path} has card format {card?.Format.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, this version reads {ModelCard.CurrentFormat}. Retrain with: {TrainCommand}");
        }

        return card;
    }

    /// <summary>Loads a bundle and checks that the card and the models agree.</summary>
    /// <exception cref="ModelBundleException">Something is missing or inconsistent; the message says what and how to retrain.</exception>
    public static ModelBundle Load(MLContext ml, string folder)
    {
        ArgumentNullException.ThrowIfNull(ml);
        var card = ReadCard(folder);
        var churn = LoadModel(ml, folder, ChurnFile, card, rowModel: true);
        CheckRowModel(ml, churn, card, ChurnFile, card.Churn.SlotNames.Count);
        ITransformer? segments = null;
        if (card.Segments is not null)
        {
            segments = LoadModel(ml, folder, SegmentsFile, card, rowModel: false);
        }

        var value = card.LifetimeValue is { } valueCard ? LoadValueModel(ml, folder, ValueFile, card, valueCard) : null;
        var revenue = card.Revenue is { } revenueCard ? LoadValueModel(ml, folder, RevenueFile, card, revenueCard) : null;

        var rules = ReadRules(folder);
        if (card.Tiers?.Mismatch(rules) is { } mismatch)
        {
            throw new ModelBundleException($"{Path.Combine(folder, RulesFile)} does not match the tier cut-offs in the card: {mismatch}. Retrain with: {TrainCommand}");
        }

        return new ModelBundle(card, churn, segments, value, rules, revenue);
    }

    /// <summary>The bundle's rules.json, or the default rules for a bundle saved without one.</summary>
    public static RuleSet ReadRules(string folder)
    {
        var rulesPath = Path.Combine(folder, RulesFile);
        try
        {
            return File.Exists(rulesPath) ? RuleSet.Load(rulesPath) : RuleSet.Default;
        }
        catch (RuleSetException e)
        {
            throw new ModelBundleException($"{e.Message}. Fix the rules or retrain with: {TrainCommand}");
        }
    }

    /// <summary>The model files a card says its bundle has.</summary>
    public static IReadOnlyList<string> ModelFilesOf(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        var files = new List<string> { ChurnFile };
        if (card.Segments is not null)
        {
            files.Add(SegmentsFile);
        }

        if (card.LifetimeValue is not null)
        {
            files.Add(ValueFile);
        }

        if (card.Revenue is not null)
        {
            files.Add(RevenueFile);
        }

        return files;
    }

    private static ITransformer LoadValueModel(MLContext ml, string folder, string file, ModelCard card, ValueCard valueCard)
    {
        var model = LoadModel(ml, folder, file, card, rowModel: true);
        // A blend adds one reason slot (the statistical part) after the chain's own.
        CheckRowModel(ml, model, card, file, valueCard.SlotNames.Count - (valueCard.Blend is null ? 0 : 1));
        try
        {
            valueCard.Blend?.For(card.FeatureContract.Schema);
        }
        catch (ArgumentException e)
        {
            throw new ModelBundleException($"The blend of {file} in the card of bundle {card.Version} cannot be applied: {e.Message} Retrain with: {TrainCommand}");
        }

        return model;
    }

    private static ITransformer LoadModel(MLContext ml, string folder, string file, ModelCard card, bool rowModel)
    {
        var path = Path.Combine(folder, file);
        if (!File.Exists(path))
        {
            throw new ModelBundleException($"The card of bundle {card.Version} names {file}, but {path} is missing. Retrain with: {TrainCommand}");
        }

        ITransformer model;
        DataViewSchema input;
        try
        {
            model = ml.Model.Load(path, out input);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or IOException)
        {
            throw new ModelBundleException($"{path} cannot be loaded ({e.Message}). Retrain with: {TrainCommand}");
        }

        if (rowModel)
        {
            CheckInputSchema(ml, input, card, file);
        }

        return model;
    }

    // ML.NET saves the schema a model was trained on inside its zip: the numeric features' names in vector order
    // and both vectors' sizes. A card that lists other features, or the same ones in another order (two swapped,
    // or a card copied from another bundle), would feed every customer's numbers to the wrong trees: refuse it.
    private static void CheckInputSchema(MLContext ml, DataViewSchema input, ModelCard card, string file)
    {
        var expected = card.FeatureContract.Schema.Load(ml, []).Schema;
        foreach (var name in new[] { nameof(ModelRow.Numeric), nameof(ModelRow.Categorical) })
        {
            var want = expected[name];
            var have = input.GetColumnOrNull(name);
            if (have is null || !have.Value.Type.Equals(want.Type))
            {
                throw new ModelBundleException(
                    $"{file} was trained on a {name.ToLowerInvariant()} feature column of type {have?.Type.ToString() ?? "none"}, but {CardFile} describes {want.Type} " +
                    $"(its feature contract does not belong to this model). Retrain with: {TrainCommand}");
            }

            if (!want.HasSlotNames())
            {
                continue;
            }

            var wantNames = SlotNames(want);
            var haveNames = have.Value.HasSlotNames() ? SlotNames(have.Value) : [];
            if (haveNames.Length > 0 && !wantNames.SequenceEqual(haveNames, StringComparer.Ordinal))
            {
                var differ = Enumerable.Range(0, wantNames.Length).Where(i => i >= haveNames.Length || haveNames[i] != wantNames[i])
                    .Take(5).Select(i => $"#{i + 1} {wantNames[i]} in the card, {(i < haveNames.Length ? haveNames[i] : "none")} in the model");
                throw new ModelBundleException(
                    $"{file} was trained on the numeric features in another order or on other features than {CardFile} lists ({string.Join("; ", differ)}): " +
                    $"the card does not belong to this model. Retrain with: {TrainCommand}");
            }
        }
    }

    private static string[] SlotNames(DataViewSchema.Column column)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    private static void CheckRowModel(MLContext ml, ITransformer model, ModelCard card, string file, int slotCount)
    {
        var schema = card.FeatureContract.Schema;
        Microsoft.ML.DataViewSchema output;
        try
        {
            output = model.GetOutputSchema(schema.Load(ml, []).Schema);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException or ArgumentException)
        {
            throw new ModelBundleException(
                $"{file} does not accept the features its card describes ({schema.NumericNames.Count} numeric, {schema.CategoricalNames.Count} categorical): {e.Message}. Retrain with: {TrainCommand}");
        }

        var contributions = output.GetColumnOrNull(ModelExplanations.ContributionsColumn);
        var slots = (contributions?.Type as Microsoft.ML.Data.VectorDataViewType)?.Size ?? 0;
        if (slots != slotCount)
        {
            throw new ModelBundleException(
                $"{file} explains {slots} feature slots but its card lists {slotCount}: the card does not belong to this model. Retrain with: {TrainCommand}");
        }
    }
}
