using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.SampleData;

namespace MlCustomer.Core.Tests.Bundle;

/// <summary>
/// One small generated retailer, trained once for the whole test class: the real generator, loader,
/// feature builder and trainers, kept small so the class runs in seconds.
/// </summary>
public sealed class SmallSampleBundle : IDisposable
{
    public SmallSampleBundle()
        // One blend weight, so that every test of the class sees a blended value model whatever the folds say.
        : this(new TrainingOptions { Folds = 3, Value = new() { BlendWeights = [0.5] } })
    {
    }

    internal SmallSampleBundle(TrainingOptions options)
    {
        Directory.CreateDirectory(Folder);
        SampleDataGenerator.Write(new SampleDataOptions { Customers = 1_500, Seed = 7 }, DataFolder);
        Files = [Path.Combine(DataFolder, SampleDataGenerator.TransactionsFile), Path.Combine(DataFolder, SampleDataGenerator.CustomersFile)];
        Data = CustomerDataLoader.Load(Files[0], Files[1], new LoadOptions());
        Features = new FeatureOptions { AsOfDate = FeatureBuilder.DefaultAsOfDate(Data, 180, 365) };
        Options = options;
        Result = BundleTrainer.TrainTransactional(
            new TransactionalInput(Data, Files, GroundTruthFile.Read(Path.Combine(DataFolder, GroundTruthFile.FileName))), Features, Options);
        Result.Bundle.Save(new Microsoft.ML.MLContext(Options.Seed), BundleFolder);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "mlcustomer-bundle-tests", Guid.NewGuid().ToString("N"));

    public string DataFolder => Path.Combine(Folder, "data");

    public string BundleFolder => Path.Combine(Folder, "bundle");

    public IReadOnlyList<string> Files { get; }

    public CustomerDataSet Data { get; }

    public FeatureOptions Features { get; }

    public TrainingOptions Options { get; }

    public TrainingResult Result { get; }

    /// <summary>A copy of the saved bundle that a test may damage.</summary>
    public string CopyOfBundle()
    {
        var copy = Path.Combine(Folder, "copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(BundleFolder))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
