namespace MlCustomer.Core.Tests.Console;

/// <summary>
/// A small generated retailer and a bundle trained on it, both made through the console as a user would
/// (`generate --customers 600`, `train --folds 3`), once for the whole test class.
/// </summary>
public sealed class ConsoleSampleBundle : IDisposable
{
    public ConsoleSampleBundle()
    {
        Generate = ConsoleProcess.Run("generate", "--customers", "600", "--output", DataFolder);
        if (Generate.ExitCode != 0)
        {
            throw new InvalidOperationException($"generate failed: {Generate.Error}");
        }

        Train = ConsoleProcess.Run("train", "--data", DataFolder, "--folds", "3", "--output", BundleFolder);
        if (Train.ExitCode != 0)
        {
            throw new InvalidOperationException($"train failed: {Train.Error}");
        }
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "mlcustomer-console-tests", Guid.NewGuid().ToString("N"));

    public string DataFolder => Path.Combine(Folder, "data");

    public string BundleFolder => Path.Combine(Folder, "bundle");

    public (int ExitCode, string Output, string Error) Generate { get; }

    public (int ExitCode, string Output, string Error) Train { get; }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
