using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.SampleData;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Api.Tests.Infrastructure;

/// <summary>
/// The committed bundle (models/) and the committed data (training-data/) as the API serves them: Core's scores of every
/// customer at the data's last order date (what the console's score defaults to), and settings that point an API host at
/// a copy of the bundle and at the data, for tests that must see what a user of the repository sees.
/// </summary>
public sealed class CommittedData
{
    private static readonly Lazy<CommittedData> Shared = new(() => new CommittedData(), LazyThreadSafetyMode.ExecutionAndPublication);

    private CommittedData()
    {
        var ml = new MLContext(seed: 1);
        Bundle = ModelBundle.Load(ml, BundleFolder);
        Data = CustomerDataLoader.Load(
            Path.Combine(DataFolder, SampleDataGenerator.TransactionsFile), Path.Combine(DataFolder, SampleDataGenerator.CustomersFile), new LoadOptions(),
            Path.Combine(DataFolder, SampleDataGenerator.ServiceEventsFile));
        AsOf = Data.LastOrderDate;
        Table = FeatureBuilder.Build(Data, new FeatureOptions
        {
            AsOfDate = AsOf,
            ChurnHorizonDays = Bundle.Card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays,
            ValueHorizonDays = Bundle.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
            IncludeLabels = false,
        });
        Scores = new BundleScorer(ml, Bundle).Score(Table.Rows, Table.AttributeNames).ToDictionary(s => s.CustomerId, StringComparer.Ordinal);
    }

    /// <summary>Loaded on first use (a few seconds: 20,000 customers).</summary>
    public static CommittedData Instance => Shared.Value;

    /// <summary>The repository's models/.</summary>
    public static string BundleFolder => Path.Combine(Requests.RepositoryRoot(), "models");

    /// <summary>The repository's training-data/.</summary>
    public static string DataFolder => Path.Combine(Requests.RepositoryRoot(), "training-data");

    /// <summary>The committed bundle.</summary>
    public ModelBundle Bundle { get; }

    /// <summary>The committed data.</summary>
    public CustomerDataSet Data { get; }

    /// <summary>The data's last order date: the as-of date the console's score and a scoring run without one use.</summary>
    public DateOnly AsOf { get; }

    /// <summary>Every customer's features at <see cref="AsOf"/>.</summary>
    public FeatureTable Table { get; }

    /// <summary>Every customer's scores at <see cref="AsOf"/> by Core's scorer, by id.</summary>
    public IReadOnlyDictionary<string, CustomerScore> Scores { get; }

    /// <summary>The currency the bundle's amounts are in.</summary>
    public string Currency => Bundle.Card.AmountUnits();

    /// <summary>
    /// Settings for an API host on a copy of the committed bundle (under <paramref name="root"/>, so nothing the host does
    /// touches models/) whose scoring runs read the committed data.
    /// </summary>
    public static Dictionary<string, string?> Settings(string root)
    {
        var bundles = Path.Combine(root, "committed-bundles");
        var bundle = Path.Combine(bundles, "committed");
        Directory.CreateDirectory(bundle);
        foreach (var file in Directory.GetFiles(BundleFolder))
        {
            File.Copy(file, Path.Combine(bundle, Path.GetFileName(file)), overwrite: true);
        }

        return new Dictionary<string, string?>
        {
            ["MlCustomer:BundlesRoot"] = bundles,
            ["MlCustomer:BundlePath"] = bundle,
            ["MlCustomer:TransactionsPath"] = Path.Combine(DataFolder, SampleDataGenerator.TransactionsFile),
            ["MlCustomer:CustomersPath"] = Path.Combine(DataFolder, SampleDataGenerator.CustomersFile),
            ["MlCustomer:ServiceEventsPath"] = Path.Combine(DataFolder, SampleDataGenerator.ServiceEventsFile),
        };
    }

    /// <summary>A fresh temporary folder for one host's copy of the bundle.</summary>
    public static string NewRoot() => Path.Combine(Path.GetTempPath(), "mlcustomer-api-tests", "committed", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Customers whose served gross profit interval is [0, 0] but who have a purchase outlook (the likely non-buyers the
    /// outlook is for), then as many likely buyers, in id order: the sample the surface tests compare.
    /// </summary>
    public IReadOnlyList<CustomerScore> Sample(int each)
    {
        var ordered = Scores.Values.OrderBy(s => s.CustomerId, StringComparer.Ordinal).ToList();
        var nonBuyers = ordered.Where(s => s.GrossProfitInterval is { P10: 0, P90: 0, PurchaseProbability: > 0 }).Take(each);
        var buyers = ordered.Where(s => s.GrossProfitInterval is { PurchaseProbability: > 0.5 }).Take(each);
        return [.. nonBuyers, .. buyers];
    }
}
