using System.Globalization;
using MlCustomer.Core.Bundle;

namespace MlCustomer.Core.Tests.Console;

/// <summary>`evaluate` and `compare` through the real console: they say which customers they measure on.</summary>
public sealed class EvaluateConsoleTests(ConsoleSampleBundle sample) : IClassFixture<ConsoleSampleBundle>
{
    private ModelCard Card => ModelBundle.ReadCard(sample.BundleFolder);

    [Fact]
    public void EvaluateByDefaultMeasuresOnTheHeldOutCustomersOnlyAndGivesTheCardsAuc()
    {
        var result = ConsoleProcess.Run("evaluate", "--bundle", sample.BundleFolder, "--data", sample.DataFolder);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains(
            $"measured on held-out customers only: {Card.Split.HoldoutCustomers:N0} held out, {Card.Split.TrainCustomers:N0} training customers excluded, at 2024-12-31 (the training as-of date)",
            result.Output, StringComparison.Ordinal);
        Assert.Contains($"│ held-out │ {Card.Split.HoldoutCustomers,-9} │", result.Output, StringComparison.Ordinal);
        Assert.Contains(Card.Churn.Holdout.Auc!.Value.ToString("0.000", CultureInfo.InvariantCulture), result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateAtALaterDateIsOutOfTimeOnEveryCustomerAndSaysTheValueHorizonRunsPastTheData()
    {
        var result = ConsoleProcess.Run("evaluate", "--bundle", sample.BundleFolder, "--data", sample.DataFolder, "--as-of", "2025-06-30");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("measured on out-of-time: every customer at 2025-06-30", result.Output, StringComparison.Ordinal);
        Assert.Contains(
            "value not computed: its 365-day horizon from 2025-06-30 ends 2026-06-30, after the last order date in the data (2025-12-31)",
            result.Output, StringComparison.Ordinal);
        Assert.Contains("│ out-of-time │", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateWhereNoHorizonFitsStopsWithOneLine()
    {
        var result = ConsoleProcess.Run("evaluate", "--bundle", sample.BundleFolder, "--data", sample.DataFolder, "--as-of", "2025-12-01");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: Nothing to measure at 2025-12-01: churn not computed", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void CompareGivesEachDifferenceWithABootstrapIntervalAndAOneLineVerdict()
    {
        var challenger = Path.Combine(sample.Folder, "lightgbm");
        var trained = ConsoleProcess.Run("train", "--data", sample.DataFolder, "--folds", "3", "--churn-algorithm", "LightGbm", "--output", challenger);
        Assert.True(trained.ExitCode == 0, trained.Error);

        var result = ConsoleProcess.Run("compare", sample.BundleFolder, challenger, "--data", sample.DataFolder, "--resamples", "200");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.NotEqual(Card.Version, ModelBundle.ReadCard(challenger).Version);
        Assert.Contains(
            $"Differences (challenger − champion) on {Card.Split.HoldoutCustomers:N0} customers, the same for both (held-out), with paired bootstrap 95% intervals (200 resamples",
            result.Output, StringComparison.Ordinal);
        foreach (var metric in new[] { "churn AUC", "churn log loss", "churn Brier", "value Gini", "value MAE" })
        {
            Assert.Contains($"│ {metric} ", result.Output, StringComparison.Ordinal);
        }

        // The value models are trained alike, so only the churn model can differ.
        Assert.Matches(@"Verdict: .*value Gini, value MAE identical\n", result.Output);
    }

    [Fact]
    public void TrainingTheSameDataTwiceGivesTheSameVersion()
    {
        var again = Path.Combine(sample.Folder, "again");

        var result = ConsoleProcess.Run("train", "--data", sample.DataFolder, "--folds", "3", "--output", again);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(Card.Version, ModelBundle.ReadCard(again).Version);
        Assert.Equal(Card.Version, BundleVersion.OfFolder(again));
    }
}
