using System.Security.Cryptography;
using MlCustomer.Core.SampleData;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Console;

/// <summary>The training console as a user runs it: a real process, real files, exit codes and messages.</summary>
public sealed class TrainingConsoleTests : IDisposable
{
    private readonly TempFiles files = new();
    private readonly string folder = Path.Combine(Path.GetTempPath(), "mlcustomer-console-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        files.Dispose();
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TrainingOnAShortHistoryLeavesTheTierMovementOutOfTheReportAndSaysWhy()
    {
        // 14 months of data and the default horizons: half a churn horizon before the as-of date (2024-12-31) is
        // before the first order, so there is nothing to compare the tiers with.
        var data = Path.Combine(folder, "short");
        SampleDataGenerator.Write(new SampleDataOptions { Customers = 1_000, Seed = 3, StartDate = new DateOnly(2024, 11, 1) }, data);
        var bundle = Path.Combine(folder, "short-bundle");

        var result = Run("train", "--data", data, "--folds", "2", "--output", bundle);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("report: no tier movement, 2024-10-02", result.Output, StringComparison.Ordinal);
        var report = File.ReadAllText(Path.Combine(bundle, "report.html"));
        Assert.Contains("The customer pyramid at 2024-12-31", report, StringComparison.Ordinal);
        Assert.Contains("No tier movement", report, StringComparison.Ordinal);
        Segments.SegmentNameAudit.AssertTruthful(MlCustomer.Core.Bundle.ModelBundle.ReadCard(bundle).Segments!);
    }

    [Fact]
    public void GenerateWithTheSameSeedWritesTheSameFiles()
    {
        var first = Run("generate", "--customers", "200", "--seed", "5", "--output", Path.Combine(folder, "a"));
        var second = Run("generate", "--customers", "200", "--seed", "5", "--output", Path.Combine(folder, "b"));

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        foreach (var file in new[] { "customers.csv", "transactions.csv", "ground-truth.csv" })
        {
            Assert.Equal(Hash(Path.Combine(folder, "a", file)), Hash(Path.Combine(folder, "b", file)));
        }
    }

    [Fact]
    public void FeaturesOnGeneratedDataWritesOneRowPerCustomerAndTheLoadReport()
    {
        var data = Path.Combine(folder, "data");
        Assert.Equal(0, Run("generate", "--customers", "300", "--output", data).ExitCode);
        var output = Path.Combine(folder, "features.csv");

        var result = Run("features", "--data", data, "--output", output);

        Assert.Equal(0, result.ExitCode);
        var lines = File.ReadAllLines(output);
        Assert.StartsWith("customer_id,recency_days,", lines[0], StringComparison.Ordinal);
        Assert.Equal(lines.Length - 1, lines.Skip(1).Select(l => l.Split(',')[0]).Distinct().Count());
        Assert.Contains("customers with features", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "features.load-report.json")));
    }

    [Fact]
    public void ABrokenDateStopsFeaturesWithOneLineNamingLineAndColumn()
    {
        var lines = new List<string> { "customer_id,order_id,order_date,quantity,revenue,cost" };
        lines.AddRange(Enumerable.Range(2, 1_299).Select(line => line == 1_234
            ? $"C{line},O{line},2024-13-45,1,10.00,6.00"
            : $"C{line},O{line},2024-01-{1 + (line % 28):00},1,10.00,6.00"));
        var transactions = files.WriteLines("orders.csv", lines);

        var result = Run("features", "--transactions", transactions, "--output", Path.Combine(folder, "f.csv"));

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("line 1,234", error, StringComparison.Ordinal);
        Assert.Contains("'order_date'", error, StringComparison.Ordinal);
        Assert.Contains("2024-13-45", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainOnACustomerTableWritesAChurnBundleAndDescribesTheColumns()
    {
        var table = Path.Combine(folder, "contracts.csv");
        Directory.CreateDirectory(folder);
        CustomerTables.TelcoLikeTable.Write(table, rows: 1_500, seed: 3);
        var bundle = Path.Combine(folder, "bundle");

        var result = Run("train", "--table", table, "--id", "customerID", "--label", "Churn", "--folds", "3", "--output", bundle);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("TotalCharges: numeric", result.Output, StringComparison.Ordinal);
        Assert.Contains("customerID: id", result.Output, StringComparison.Ordinal);
        var card = MlCustomer.Core.Bundle.ModelBundle.ReadCard(bundle);
        Assert.Equal("customer-table", card.InputKind);
        Assert.Null(card.Segments);
        Assert.InRange(card.Churn.Holdout.Auc!.Value, 0.7, 1);
        Assert.True(File.Exists(Path.Combine(bundle, "churn.zip")));
    }

    [Fact]
    public void TrainOnATableWithoutTheLabelColumnFailsWithOneLineNamingIt()
    {
        var table = files.WriteLines("t.csv", "id,plan,churned", "1,a,yes", "2,b,no");

        var result = Run("train", "--table", table, "--id", "id", "--label", "Churn", "--output", Path.Combine(folder, "b"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'Churn'", result.Error, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["generate", "--customers", "abc"], "--customers 'abc' is not a whole number" },
        { ["generate", "--customers", "0"], "--customers must be at least 1" },
        { ["targets", "--budget", "1000", "--limit", "x"], "--limit 'x' is not a whole number" },
        { ["targets", "--budget", "lots"], "--budget 'lots' is not a number" },
        { ["features", "--churn-horizon", "1.5"], "--churn-horizon '1.5' is not a whole number" },
        { ["train", "--churn-algorithm", "Forest"], "--churn-algorithm 'Forest' is not one of FastTree, LightGbm" },
        { ["score", "--chunk-size"], "--chunk-size" },
        { ["drift", "--as-off", "2025-01-01"], "--as-off" },
        { ["tiers", "--top-percent", "many"], "--top-percent 'many' is not a number" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void EveryOptionParseErrorIsOneLineAndExitCode1(string[] args, string expected)
    {
        var result = Run(args);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void AnUnknownOptionFailsWithANonZeroExitCode()
    {
        var result = Run("features", "--as-off", "2024-01-01");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--as-off", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpListsTheCommands()
    {
        var result = Run("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("generate", result.Output, StringComparison.Ordinal);
        Assert.Contains("features", result.Output, StringComparison.Ordinal);
        foreach (var command in new[] { "score", "targets", "tiers" })
        {
            Assert.Contains(command, result.Output, StringComparison.Ordinal);
        }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static (int ExitCode, string Output, string Error) Run(params string[] args) => ConsoleProcess.Run(args);
}
