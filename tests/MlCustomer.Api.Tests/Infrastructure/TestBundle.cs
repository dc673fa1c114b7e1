using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.SampleData;

namespace MlCustomer.Api.Tests.Infrastructure;

/// <summary>
/// A small generated retailer and a bundle trained on it with the real trainer, made once per test run
/// and shared read-only by every factory (each factory copies what it may change).
/// </summary>
public sealed class TestBundle
{
    private static readonly Lazy<TestBundle> Shared = new(() => new TestBundle(), LazyThreadSafetyMode.ExecutionAndPublication);

    private TestBundle()
    {
        Directory.CreateDirectory(DataFolder);
        SampleDataGenerator.Write(new SampleDataOptions { Customers = 1_500, Seed = 7 }, DataFolder);
        TransactionsFile = Path.Combine(DataFolder, SampleDataGenerator.TransactionsFile);
        CustomersFile = Path.Combine(DataFolder, SampleDataGenerator.CustomersFile);
        ServiceEventsFile = Path.Combine(DataFolder, SampleDataGenerator.ServiceEventsFile);
        Data = CustomerDataLoader.Load(TransactionsFile, CustomersFile, new LoadOptions(), ServiceEventsFile);
        Features = new FeatureOptions { AsOfDate = FeatureBuilder.DefaultAsOfDate(Data, 180, 365) };
        // One churn candidate and two folds: the tests need a real bundle, not the best one.
        var options = new TrainingOptions { Folds = 2, ChurnCandidates = [ChurnOptions.DefaultCandidates[0]] };
        var result = BundleTrainer.TrainTransactional(new TransactionalInput(Data, [TransactionsFile, CustomersFile, ServiceEventsFile], null), Features, options);
        result.Bundle.Save(new MLContext(options.Seed), BundleFolder);
        Version = result.Bundle.Card.Version;
        weak = new Lazy<string>(() =>
        {
            var folder = Path.Combine(Folder, "weak-bundle");
            var weakOptions = options with
            {
                ChurnCandidates = [ChurnOptions.DefaultCandidates[0] with { NumberOfTrees = 2, NumberOfLeaves = 2, MinimumExampleCountPerLeaf = 100 }],
            };
            BundleTrainer.TrainTransactional(new TransactionalInput(Data, [TransactionsFile, CustomersFile, ServiceEventsFile], null), Features, weakOptions)
                .Bundle.Save(new MLContext(weakOptions.Seed), folder);
            return folder;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private readonly Lazy<string> weak;

    /// <summary>
    /// A deliberately weak bundle on the same data, split and seed (so the same held-out customers): a churn model of two
    /// one-split trees. Trained once on first use into its own folder; returns that folder.
    /// </summary>
    public string WeakBundleFolder => weak.Value;

    /// <summary>Copies the weak bundle into <paramref name="folder"/> and returns its version.</summary>
    public string CopyWeakTo(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(WeakBundleFolder))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }

        return ModelBundle.ReadCard(folder).Version;
    }

    /// <summary>The bundle, trained on first use.</summary>
    public static TestBundle Instance => Shared.Value;

    /// <summary>Everything this run wrote.</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The generated data files.</summary>
    public string DataFolder => Path.Combine(Folder, "data");

    /// <summary>The trained bundle.</summary>
    public string BundleFolder => Path.Combine(Folder, "bundle");

    /// <summary>transactions.csv.</summary>
    public string TransactionsFile { get; }

    /// <summary>customers.csv.</summary>
    public string CustomersFile { get; }

    /// <summary>service-events.csv.</summary>
    public string ServiceEventsFile { get; }

    /// <summary>The loaded data.</summary>
    public CustomerDataSet Data { get; }

    /// <summary>The training as-of date and horizons.</summary>
    public FeatureOptions Features { get; }

    /// <summary>The bundle version.</summary>
    public string Version { get; }

    /// <summary>
    /// Copies the bundle into <paramref name="folder"/> and returns its version. A <paramref name="variant"/> other
    /// than 0 makes a genuinely different bundle: the same models with another save rate in rules.json, under the
    /// version its files give (as training would write it), so it loads like any other bundle.
    /// </summary>
    public string CopyTo(string folder, int variant = 0)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(BundleFolder))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }

        if (variant == 0)
        {
            return Version;
        }

        var rules = ModelBundle.ReadRules(folder);
        File.WriteAllText(Path.Combine(folder, ModelBundle.RulesFile), (rules with { SaveRate = Math.Round(rules.SaveRate + 0.01 * variant, 4) }).ToJson());
        var version = BundleVersion.OfFolder(folder);
        var card = Path.Combine(folder, ModelBundle.CardFile);
        File.WriteAllText(card, File.ReadAllText(card).Replace(Version, version, StringComparison.Ordinal));
        return version;
    }
}
