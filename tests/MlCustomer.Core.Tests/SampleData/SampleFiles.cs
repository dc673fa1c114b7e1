using System.Globalization;
using MlCustomer.Core.SampleData;

namespace MlCustomer.Core.Tests.SampleData;

/// <summary>A small sample data set written once per test class into a temporary folder, parsed for assertions.</summary>
public sealed class SampleFiles : IDisposable
{
    public SampleFiles()
    {
        Folder = NewTempFolder();
        Options = new SampleDataOptions { Customers = 3_000, Seed = 7 };
        Summary = SampleDataGenerator.Write(Options, Folder);
        Transactions = ReadRows(Path.Combine(Folder, SampleDataGenerator.TransactionsFile));
        Customers = ReadRows(Path.Combine(Folder, SampleDataGenerator.CustomersFile));
        GroundTruth = ReadRows(Path.Combine(Folder, SampleDataGenerator.GroundTruthFile));
        ServiceEvents = ReadRows(Path.Combine(Folder, SampleDataGenerator.ServiceEventsFile));
    }

    public string Folder { get; }

    public SampleDataOptions Options { get; }

    public SampleDataSummary Summary { get; }

    public IReadOnlyList<Dictionary<string, string>> Transactions { get; }

    public IReadOnlyList<Dictionary<string, string>> Customers { get; }

    public IReadOnlyList<Dictionary<string, string>> GroundTruth { get; }

    public IReadOnlyList<Dictionary<string, string>> ServiceEvents { get; }

    public static string NewTempFolder() =>
        Path.Combine(Path.GetTempPath(), "mlcustomer-tests", "sample-" + Guid.NewGuid().ToString("N"));

    public static string HeaderOf(string path) => File.ReadLines(path).First();

    public static double Number(Dictionary<string, string> row, string column) =>
        double.Parse(row[column], NumberStyles.Float, CultureInfo.InvariantCulture);

    public static DateOnly Date(Dictionary<string, string> row, string column) =>
        DateOnly.ParseExact(row[column], "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Our files never quote, so a plain split is an exact parse.</summary>
    public static List<Dictionary<string, string>> ReadRows(string path)
    {
        using var lines = File.ReadLines(path).GetEnumerator();
        lines.MoveNext();
        var header = lines.Current.Split(',');
        var rows = new List<Dictionary<string, string>>();
        while (lines.MoveNext())
        {
            var cells = lines.Current.Split(',');
            var row = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                row[header[i]] = cells[i];
            }

            rows.Add(row);
        }

        return rows;
    }

    public static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; failing the test run over it is not.
        }
    }

    public void Dispose() => DeleteFolder(Folder);
}
