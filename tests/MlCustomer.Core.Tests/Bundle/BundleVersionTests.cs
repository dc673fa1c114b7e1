using System.IO.Compression;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Tests.Bundle;

/// <summary>The version is a digest of what the bundle predicts with: models' content, contract, scoring parts of the card, rules.</summary>
public sealed class BundleVersionTests(SmallSampleBundle sample) : IClassFixture<SmallSampleBundle>
{
    [Fact]
    public void ASavedBundleHasTheVersionItsCardStates()
    {
        Assert.Matches("^mlc-[0-9a-f]{12}$", sample.Result.Bundle.Card.Version);
        Assert.Equal(sample.Result.Bundle.Card.Version, BundleVersion.OfFolder(sample.BundleFolder));
        Assert.Equal(sample.Result.Bundle.Card.Version, ModelBundle.ReadCard(sample.BundleFolder).Version);
    }

    [Fact]
    public void ReZippingTheModelsWithOtherTimestampsAndCompressionKeepsTheVersion()
    {
        var copy = sample.CopyOfBundle();
        foreach (var file in ModelBundle.ModelFilesOf(sample.Result.Bundle.Card))
        {
            var path = Path.Combine(copy, file);
            var before = File.ReadAllBytes(path);
            Rezip(path, new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero));
            Assert.NotEqual(before, File.ReadAllBytes(path));
        }

        Assert.Equal(sample.Result.Bundle.Card.Version, BundleVersion.OfFolder(copy));
        Assert.Equal(sample.Result.Bundle.Card.Version, ModelBundle.Load(new MLContext(1), copy).Card.Version);
    }

    [Fact]
    public void ASavedBundleRecordsEachModelsDigestAndPassesVerification()
    {
        var card = ModelBundle.ReadCard(sample.BundleFolder);

        Assert.Equal(ModelBundle.ModelFilesOf(card).Order(StringComparer.Ordinal), card.ModelHashes!.Keys.Order(StringComparer.Ordinal));
        using (var churn = File.OpenRead(Path.Combine(sample.BundleFolder, ModelBundle.ChurnFile)))
        {
            Assert.Equal(card.ModelHashes[ModelBundle.ChurnFile], BundleVersion.OfModel(churn));
        }

        BundleVersion.Verify(sample.BundleFolder);
    }

    [Fact]
    public void VerificationNamesAModelFileChangedAfterTrainingAndAChangedRule()
    {
        var edited = sample.CopyOfBundle();
        File.Copy(Path.Combine(edited, ModelBundle.RevenueFile), Path.Combine(edited, ModelBundle.ValueFile), overwrite: true);
        var changedRules = sample.CopyOfBundle();
        var rules = ModelBundle.ReadRules(changedRules);
        File.WriteAllText(Path.Combine(changedRules, ModelBundle.RulesFile), (rules with { SaveRate = rules.SaveRate + 0.05 }).ToJson());

        var model = Assert.Throws<ModelBundleException>(() => BundleVersion.Verify(edited));
        var rule = Assert.Throws<ModelBundleException>(() => BundleVersion.Verify(changedRules));

        Assert.StartsWith($"{ModelBundle.ValueFile} in ", model.Message, StringComparison.Ordinal);
        Assert.Contains($"states version {sample.Result.Bundle.Card.Version}, but the bundle's files give {BundleVersion.OfFolder(changedRules)}", rule.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AChangedRuleGivesANewVersion()
    {
        var copy = sample.CopyOfBundle();
        var rules = ModelBundle.ReadRules(copy);
        File.WriteAllText(Path.Combine(copy, ModelBundle.RulesFile), (rules with { SaveRate = rules.SaveRate + 0.05 }).ToJson());

        Assert.NotEqual(sample.Result.Bundle.Card.Version, BundleVersion.OfFolder(copy));
    }

    [Fact]
    public void AChangedModelFileGivesANewVersion()
    {
        var copy = sample.CopyOfBundle();
        var path = Path.Combine(copy, ModelBundle.ChurnFile);
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var largest = archive.Entries.MaxBy(e => e.Length)!;
            byte[] content;
            using (var read = largest.Open())
            using (var buffer = new MemoryStream())
            {
                read.CopyTo(buffer);
                content = buffer.ToArray();
            }

            content[content.Length / 2] ^= 0x01;
            var name = largest.FullName;
            largest.Delete();
            using var write = archive.CreateEntry(name).Open();
            write.Write(content);
        }

        Assert.NotEqual(sample.Result.Bundle.Card.Version, BundleVersion.OfFolder(copy));
    }

    [Fact]
    public void AnotherCalibratorOrAnotherChurnModelGivesANewVersionButMetricsAndDatesDoNot()
    {
        var ml = new MLContext(1);
        var bundle = sample.Result.Bundle;
        var card = bundle.Card;
        string VersionOf(ModelCard changed, ITransformer? churn = null) =>
            BundleVersion.Of(ml, new ModelBundle(changed, churn ?? bundle.Churn, bundle.Segments, bundle.LifetimeValue, bundle.Rules, bundle.Revenue));

        Assert.Equal(card.Version, VersionOf(card));
        Assert.NotEqual(card.Version, VersionOf(card with { Churn = card.Churn with { Calibrator = new PlattCalibrator(1.5, -0.2) } }));
        Assert.NotEqual(card.Version, VersionOf(card, churn: bundle.LifetimeValue));
        Assert.Equal(card.Version, VersionOf(card with { CreatedAt = card.CreatedAt.AddDays(3), Churn = card.Churn with { OracleAuc = 0.5 } }));
    }

    [Fact]
    public void TheHeldOutCustomersAreRecordedWithTheirHash()
    {
        var split = sample.Result.Bundle.Card.Split;
        var heldOut = split.HeldOut!;

        Assert.Equal(split.HoldoutCustomers, heldOut.Count);
        Assert.Equal(heldOut.Count, heldOut.Ids.Count);
        Assert.Equal(heldOut.Ids.Order(StringComparer.Ordinal), heldOut.Ids);
        Assert.Equal(HeldOutCustomers.Hash(heldOut.Ids), heldOut.Sha256);
        var read = ModelBundle.ReadCard(sample.BundleFolder).Split.HeldOut!;
        Assert.Equal((heldOut.Count, heldOut.Sha256), (read.Count, read.Sha256));
        Assert.Equal(heldOut.Ids, read.Ids);
    }

    [Fact]
    public void AHeldOutListThatNoLongerMatchesItsHashIsRefused()
    {
        var heldOut = sample.Result.Bundle.Card.Split.HeldOut!;
        var edited = heldOut with { Ids = heldOut.Ids.Skip(1).Append("someone-else").Order(StringComparer.Ordinal).ToList() };

        var error = Assert.Throws<ModelBundleException>(() => edited.Verified("mlc-test"));
        Assert.Contains("do not match", error.Message, StringComparison.Ordinal);
    }

    private static void Rezip(string path, DateTimeOffset timestamp)
    {
        var entries = new List<(string Name, byte[] Content)>();
        using (var archive = ZipFile.OpenRead(path))
        {
            foreach (var entry in archive.Entries)
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                entries.Add((entry.FullName, buffer.ToArray()));
            }
        }

        File.Delete(path);
        using var rewritten = ZipFile.Open(path, ZipArchiveMode.Create);
        // Reversed order and no compression: only the names and contents may count.
        foreach (var (name, content) in Enumerable.Reverse(entries))
        {
            var entry = rewritten.CreateEntry(name, CompressionLevel.NoCompression);
            entry.LastWriteTime = timestamp;
            using var stream = entry.Open();
            stream.Write(content);
        }
    }
}
