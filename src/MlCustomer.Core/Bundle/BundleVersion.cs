using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Bundle;

/// <summary>
/// A bundle's version: a digest of what turns a customer's features into its outputs and decisions, so two
/// bundles get the same version exactly when they would score every customer the same. It covers the models'
/// zip entries (names and contents, not the zip bytes, which carry timestamps), the card's feature contract and
/// the learned parts the card applies after the models (calibrator, value blends, segment ids and names, tier
/// cut-offs, horizons), and the rules. Metrics, dates and data hashes are left out: they describe a model, they
/// do not change what it predicts. Training, the API and scoring runs all take the version from here.
/// </summary>
public static class BundleVersion
{
    /// <summary>What every version starts with.</summary>
    public const string Prefix = "mlc-";

    /// <summary>The version of a card being built, before its models are final (<see cref="ModelBundle.Versioned"/> replaces it).</summary>
    public const string Pending = Prefix + "pending";

    /// <summary>Hex digits of the digest kept in the version.</summary>
    public const int Digits = 12;

    /// <summary>
    /// The version of models given as their zip files (file name → zip stream, read from the start), the card
    /// they were saved with and the rules. The one definition; the overloads only find the streams.
    /// </summary>
    public static string Compute(IEnumerable<KeyValuePair<string, Stream>> modelZips, ModelCard card, RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(modelZips);
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(rules);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (file, zip) in modelZips.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            Append(hash, file);
            AppendEntries(hash, zip);
        }

        Append(hash, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(ScoringParts(card), ModelBundle.CardJson)));
        // The trees' covers decide the explanations; bundles trained before they were counted keep their versions.
        if (card.Churn.TreeCovers is not null || card.LifetimeValue?.TreeCovers is not null || card.Revenue?.TreeCovers is not null)
        {
            Append(hash, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
                new { Churn = card.Churn.TreeCovers, Value = card.LifetimeValue?.TreeCovers, Revenue = card.Revenue?.TreeCovers }, ModelBundle.CardJson)));
        }

        // The interval calibration decides the served P10/P50/P90; bundles trained before intervals keep their versions.
        if (card.LifetimeValue?.Intervals is not null || card.Revenue?.Intervals is not null)
        {
            Append(hash, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
                new { Value = card.LifetimeValue?.Intervals is { } v ? v with { HeldOut = null, SinglePartHeldOut = null, OtherFormHeldOut = null } : null, Revenue = card.Revenue?.Intervals is { } r ? r with { HeldOut = null, SinglePartHeldOut = null, OtherFormHeldOut = null } : null },
                ModelBundle.CardJson)));
        }

        // How a table's cells become features decides its scores too; bundles without it keep their versions.
        if (card.Table is not null)
        {
            Append(hash, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(card.Table, ModelBundle.CardJson)));
        }

        // Margin rates that estimated cost of goods decide the profit features of order lines without cost; bundles
        // trained on lines with cost keep their versions.
        if (card.Data.Load.CostEstimate is { } costEstimate)
        {
            Append(hash, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(costEstimate, ModelBundle.CardJson)));
        }

        Append(hash, Encoding.UTF8.GetBytes(rules.ToJson()));
        return Prefix + Convert.ToHexStringLower(hash.GetHashAndReset())[..Digits];
    }

    /// <summary>The version of a bundle in memory (its models serialised as <see cref="ModelBundle.Save"/> writes them).</summary>
    public static string Of(MLContext ml, ModelBundle bundle) => WithModelStreams(ml, bundle, zips => Compute(zips, bundle.Card, bundle.Rules));

    /// <summary>Each model file's digest (<see cref="OfModel"/>) of a bundle in memory, as the card records them.</summary>
    public static IReadOnlyDictionary<string, string> ModelHashesOf(MLContext ml, ModelBundle bundle) =>
        WithModelStreams(ml, bundle, zips => zips.ToDictionary(z => z.Key, z => OfModel(z.Value), StringComparer.Ordinal));

    /// <summary>
    /// The digest of one model zip (read from the start): SHA-256 of its entries' names and contents in name order,
    /// the same walk the version makes, so re-zipping the same model keeps it and any change to a model changes it.
    /// </summary>
    public static string OfModel(Stream zip)
    {
        ArgumentNullException.ThrowIfNull(zip);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendEntries(hash, zip);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static T WithModelStreams<T>(MLContext ml, ModelBundle bundle, Func<List<KeyValuePair<string, Stream>>, T> use)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(bundle);
        var zips = new List<KeyValuePair<string, Stream>>();
        try
        {
            foreach (var (file, write) in bundle.ModelFiles(ml))
            {
                var stream = new MemoryStream();
                zips.Add(new(file, stream));
                write(stream);
                stream.Position = 0;
            }

            return use(zips);
        }
        finally
        {
            zips.ForEach(z => z.Value.Dispose());
        }
    }

    /// <summary>
    /// The version of a saved bundle folder, from its files as they are now (the card's stored version is not read):
    /// compare it with <see cref="ModelCard.Version"/> to find a bundle whose files were changed after training.
    /// </summary>
    /// <exception cref="ModelBundleException">The card or a model file the card names is missing or unreadable.</exception>
    public static string OfFolder(string folder)
    {
        var card = ModelBundle.ReadCard(folder);
        var rules = ModelBundle.ReadRules(folder);
        var zips = new List<KeyValuePair<string, Stream>>();
        try
        {
            foreach (var file in ModelBundle.ModelFilesOf(card))
            {
                var path = Path.Combine(folder, file);
                if (!File.Exists(path))
                {
                    throw new ModelBundleException($"The card of bundle {card.Version} names {file}, but {path} is missing. Retrain with: {ModelBundle.TrainCommand}");
                }

                zips.Add(new(file, File.OpenRead(path)));
            }

            return Compute(zips, card, rules);
        }
        catch (InvalidDataException e)
        {
            throw new ModelBundleException($"A model file of bundle {card.Version} in {folder} is not a zip file ({e.Message}). Retrain with: {ModelBundle.TrainCommand}");
        }
        finally
        {
            zips.ForEach(z => z.Value.Dispose());
        }
    }

    /// <summary>
    /// Checks that a saved bundle's files give the version its card states, so that a bundle whose models, card
    /// or rules were changed after training (or whose card came from another bundle) is not served under a
    /// version that promises other scores.
    /// </summary>
    /// <exception cref="ModelBundleException">The files give another version, or a file is missing or unreadable.</exception>
    public static void Verify(string folder)
    {
        var card = ModelBundle.ReadCard(folder);
        // Only the files the card's models are saved in: a card's own list of names could point anywhere.
        foreach (var file in ModelBundle.ModelFilesOf(card))
        {
            if (card.ModelHashes?.GetValueOrDefault(file) is not { } recorded)
            {
                continue;
            }

            var path = Path.Combine(folder, file);
            string found;
            try
            {
                using var zip = File.OpenRead(path);
                found = OfModel(zip);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new ModelBundleException($"{file} in {Path.GetFullPath(folder)} cannot be read ({e.Message}). Retrain with: {ModelBundle.TrainCommand}");
            }

            if (!string.Equals(found, recorded, StringComparison.Ordinal))
            {
                throw new ModelBundleException(
                    $"{file} in {Path.GetFullPath(folder)} is not the model {ModelBundle.CardFile} was written with (content digest {found[..Digits]}, the card records {recorded[..Math.Min(Digits, recorded.Length)]}): " +
                    $"it was replaced or edited after training, or the card belongs to another bundle. Retrain with: {ModelBundle.TrainCommand}");
            }
        }

        var actual = OfFolder(folder);
        if (!string.Equals(actual, card.Version, StringComparison.Ordinal))
        {
            throw new ModelBundleException(
                $"{ModelBundle.CardFile} in {Path.GetFullPath(folder)} states version {card.Version}, but the bundle's files give {actual}: " +
                $"{string.Join(", ", ModelBundle.ModelFilesOf(card))}, the card's feature contract and scoring parts or {ModelBundle.RulesFile} " +
                $"changed after training, or the card belongs to another bundle. Retrain with: {ModelBundle.TrainCommand}");
        }
    }

    // Everything in the card that a prediction or a decision depends on, and nothing that only describes the model.
    private static object ScoringParts(ModelCard card) => new
    {
        card.InputKind,
        card.ChurnHorizonDays,
        card.ValueHorizonDays,
        card.FeatureContract,
        card.Churn.Calibrator,
        ValueBlend = card.LifetimeValue?.Blend,
        RevenueBlend = card.Revenue?.Blend,
        Segments = card.Segments is { } s ? new { s.ClusterToSegment, Names = s.Profiles.Select(p => new { p.Id, p.Name }) } : null,
        card.Tiers,
    };

    // A zip's entries, in name order, by name and content digest: not the zip bytes, which carry timestamps.
    private static void AppendEntries(IncrementalHash hash, Stream zip)
    {
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        foreach (var entry in archive.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            Append(hash, entry.FullName);
            using var content = entry.Open();
            Append(hash, SHA256.HashData(content));
        }
    }

    private static void Append(IncrementalHash hash, string text) => Append(hash, Encoding.UTF8.GetBytes(text));

    // Length-prefixed, so that no two different sequences of parts hash alike.
    private static void Append(IncrementalHash hash, byte[] bytes)
    {
        hash.AppendData(BitConverter.GetBytes((long)bytes.Length));
        hash.AppendData(bytes);
    }
}
