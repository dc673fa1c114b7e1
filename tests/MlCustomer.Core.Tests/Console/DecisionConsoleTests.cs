using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.SampleData;

namespace MlCustomer.Core.Tests.Console;

/// <summary>`score`, `targets` and `tiers` through the real console, on a bundle the console trained.</summary>
public sealed class DecisionConsoleTests(ConsoleSampleBundle sample) : IClassFixture<ConsoleSampleBundle>
{
    private const string ScoreHeader =
        "customer_id,churn_probability,risk_band,segment_id,segment_name,predicted_gross_profit,predicted_revenue," +
        "gross_profit_p10,gross_profit_p50,gross_profit_p90,revenue_p10,revenue_p50,revenue_p90," +
        "purchase_probability,gross_profit_if_buying_p10,gross_profit_if_buying_p90," +
        "profit_last_365_days,gross_profit_last_365_days,cost_to_serve_last_365_days,revenue_last_365_days,predicted_profit,expected_cost_to_serve," +
        "current_tier,predicted_tier,loss_making,false_big_customer,lifecycle_stage,value_at_risk,recommended_action,offer_cost,rule_reasons,model_reasons";

    [Fact]
    public void TrainWritesABundleWhoseReportShowsThePyramidAndTheMigrationMatrix()
    {
        foreach (var file in new[] { "churn.zip", "segments.zip", "lifetime-value.zip", "lifetime-revenue.zip", "model-card.json", "rules.json", "report.html" })
        {
            Assert.True(File.Exists(Path.Combine(sample.BundleFolder, file)), file);
        }

        var report = File.ReadAllText(Path.Combine(sample.BundleFolder, "report.html"));
        Assert.Contains("The customer pyramid at", report, StringComparison.Ordinal);
        Assert.Contains("Tier migration matrix", report, StringComparison.Ordinal);
        Assert.Contains("Profit concentration", report, StringComparison.Ordinal);
        Assert.Contains("Lifetime revenue", report, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainNamesSegmentsTruthfullyAndTheReportShowsEachNamesRuleAndTierAndLifecycleMix()
    {
        var segments = MlCustomer.Core.Bundle.ModelBundle.ReadCard(sample.BundleFolder).Segments!;
        var report = File.ReadAllText(Path.Combine(sample.BundleFolder, "report.html"));

        Segments.SegmentNameAudit.AssertTruthful(segments);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(segments.NamingRule!), report, StringComparison.Ordinal);
        Assert.Contains("Tier and lifecycle mix per segment", report, StringComparison.Ordinal);
        Assert.All(segments.Profiles, p =>
        {
            Assert.Contains(System.Net.WebUtility.HtmlEncode(p.Name), report, StringComparison.Ordinal);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(p.NameReason), report, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void ScoreWritesOneRowPerCustomerWithDecisionsAndReasonsAndPrintsTheRate()
    {
        var output = Path.Combine(sample.Folder, "scores.csv");

        var result = Run("score", "--output", output);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(ScoreHeader, File.ReadLines(output).First());
        var rows = ReadCsv(output);
        Assert.Equal(CustomersAt(null), rows.Select(r => r["customer_id"]).ToList());
        Assert.All(rows, r =>
        {
            Assert.InRange(double.Parse(r["churn_probability"], CultureInfo.InvariantCulture), 0, 1);
            Assert.Contains(r["current_tier"], new[] { "A", "B", "C", "D" });
            Assert.True(double.IsFinite(double.Parse(r["predicted_revenue"], CultureInfo.InvariantCulture)));

            // The 80% intervals are ordered (to the cent written) around the served values.
            Assert.InRange(Number(r["gross_profit_p50"]), Number(r["gross_profit_p10"]), Number(r["gross_profit_p90"]));
            Assert.InRange(Number(r["revenue_p50"]), Number(r["revenue_p10"]), Number(r["revenue_p90"]));
            // The purchase outlook, where the value model is two-part: a chance, and an ordered amount if buying.
            if (r["purchase_probability"] != "")
            {
                Assert.InRange(Number(r["purchase_probability"]), 0, 1);
                Assert.InRange(Number(r["gross_profit_if_buying_p10"]), double.MinValue, Number(r["gross_profit_if_buying_p90"]));
            }
            else
            {
                Assert.Equal(("", ""), (r["gross_profit_if_buying_p10"], r["gross_profit_if_buying_p90"]));
            }

            Assert.Contains(r["risk_band"], new[] { "low", "medium", "high" });
            // The one spelling (WireNames) in the column and in the reasons, as the API's JSON writes it.
            Assert.Contains(r["lifecycle_stage"], new[] { "new", "active", "atRisk", "lapsed", "churned" });
            Assert.Contains($" | {r["lifecycle_stage"]}: ", r["rule_reasons"], StringComparison.Ordinal);
            Assert.Contains($" | risk {r["risk_band"]}: ", r["rule_reasons"], StringComparison.Ordinal);
            // The reasons in words, each explanation from its baseline to the prediction (TreeSHAP).
            Assert.Matches(@"^churn from a typical \d+\.\d%: .+ (raises|lowers) churn risk by .+; all other features (raise|lower) it by ", r["model_reasons"]);
            Assert.Matches(@"; profit from a typical [\d,.]+ \w+: .+ (raises|lowers) predicted profit by ", r["model_reasons"]);
            Assert.Matches(@"; revenue from a typical [\d,.]+ \w+: .+ (raises|lowers) predicted revenue by ", r["model_reasons"]);
            Assert.StartsWith("tier ", r["rule_reasons"], StringComparison.Ordinal);
            Assert.Contains("action ", r["rule_reasons"], StringComparison.Ordinal);

            // One profit: both sides after cost-to-serve, to the cent of the written numbers.
            Assert.Equal(Number(r["gross_profit_last_365_days"]) - Number(r["cost_to_serve_last_365_days"]), Number(r["profit_last_365_days"]), 0.011);
            Assert.Equal(Number(r["predicted_gross_profit"]) - Number(r["expected_cost_to_serve"]), Number(r["predicted_profit"]), 0.011);
            Assert.Equal(Number(r["profit_last_365_days"]) < 0, r["loss_making"] == "true");
        });
        Assert.Matches(@"\([\d,]+ rows/s\)", result.Output);
    }

    [Fact]
    public void ScoreAtAnEarlierDateScoresOnlyTheCustomersWhoExistedThen()
    {
        var output = Path.Combine(sample.Folder, "scores-earlier.csv");

        var result = Run("score", "--as-of", "2025-03-31", "--output", output, "--chunk-size", "100");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(CustomersAt(new DateOnly(2025, 3, 31)), ReadCsv(output).Select(r => r["customer_id"]).ToList());
    }

    [Fact]
    public void ConservativeTargetsPlanOnTheLowEndOfEachCustomersProfitInterval()
    {
        var mean = Path.Combine(sample.Folder, "targets-mean.csv");
        var conservative = Path.Combine(sample.Folder, "targets-p10.csv");

        var byMean = Run("targets", "--budget", "100000", "--offer-cost", "20", "--output", mean);
        var byP10 = Run("targets", "--budget", "100000", "--offer-cost", "20", "--conservative", "--output", conservative);

        Assert.True(byMean.ExitCode == 0, byMean.Error);
        Assert.True(byP10.ExitCode == 0, byP10.Error);
        var meanRows = ReadCsv(mean).ToDictionary(r => r["customer_id"]);
        var p10Rows = ReadCsv(conservative);
        // P10 ≤ the mean for every customer planned on, so fewer offers pay and each one is planned on less profit.
        Assert.True(p10Rows.Count < meanRows.Count, $"{p10Rows.Count} conservative targets against {meanRows.Count}");
        Assert.All(p10Rows, r => Assert.True(Number(r["predicted_profit"]) <= Number(meanRows[r["customer_id"]]["predicted_profit"]) + 0.011, r["customer_id"]));
    }

    [Fact]
    public void TargetsSpendAtMostTheBudgetAndAreListedByExpectedReturn()
    {
        var output = Path.Combine(sample.Folder, "targets.csv");

        var result = Run("targets", "--budget", "1000", "--offer-cost", "20", "--output", output);

        Assert.True(result.ExitCode == 0, result.Error);
        var rows = ReadCsv(output);
        Assert.NotEmpty(rows);
        var costs = rows.Select(r => Number(r["offer_cost"])).ToList();
        var returns = rows.Select(r => Number(r["expected_return"])).ToList();
        Assert.All(costs, c => Assert.Equal(20, c));
        Assert.True(costs.Sum() <= 1000, $"spend {costs.Sum()} > budget 1000");
        Assert.All(returns, r => Assert.True(r > 0));
        Assert.Equal(returns.OrderByDescending(r => r), returns);
        Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => i.ToString(CultureInfo.InvariantCulture)), rows.Select(r => r["rank"]));
        Assert.Equal(costs.Sum(), Number(rows[^1]["cumulative_spend"]), 6);
        // Each target carries its 80% gross profit interval, as the API's and the workspace's exports do.
        Assert.All(rows, r => Assert.InRange(Number(r["gross_profit_p50"]), Number(r["gross_profit_p10"]), Number(r["gross_profit_p90"])));
        Assert.Matches(@"customers chosen\s+\W\s+" + rows.Count.ToString("N0", CultureInfo.InvariantCulture) + " of ", result.Output);
        Assert.Contains("ROI", result.Output, StringComparison.Ordinal);
        Assert.Contains("expected saved profit", result.Output, StringComparison.Ordinal);
        // Amounts carry the bundle's currency (the sample data's default, EUR, recorded in the card).
        Assert.Equal("EUR", JsonNode.Parse(File.ReadAllText(Path.Combine(sample.BundleFolder, "model-card.json")))!["currency"]!.GetValue<string>());
        Assert.Matches(@"spend\s+\W\s+[\d,.]+ EUR", result.Output);
        Assert.Contains("(amounts in EUR)", result.Output, StringComparison.Ordinal);
        Assert.Contains("every amount is in EUR", File.ReadAllText(Path.Combine(sample.BundleFolder, "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void TiersPrintThePyramidFromAToDAndTheParetoFigure()
    {
        var result = Run("tiers");

        Assert.True(result.ExitCode == 0, result.Error);
        foreach (var tier in new[] { "A", "B", "C", "D", "all" })
        {
            Assert.Matches(new Regex($@"^\W*{tier}\s+\W\s+[\d,]+\s", RegexOptions.Multiline), result.Output);
        }

        Assert.Matches(@"Pareto: the top 20% of customers \([\d,]+ of [\d,]+\) bring [\d.]+% of the profit", result.Output);
        Assert.Matches(@"false big customers: [\d,]+", result.Output);
    }

    [Fact]
    public void TiersComparedToAnEarlierDatePrintTheMovementCategoriesAndTheMigrationMatrix()
    {
        var result = Run("tiers", "--compare-to", "2025-06-30");

        Assert.True(result.ExitCode == 0, result.Error);
        foreach (var category in new[] { "sleeping", "worthCultivating", "fastGrowing", "declining", "loyal", "steady", "new", "gone" })
        {
            Assert.Matches(new Regex($@"^\W*{category}\s+\W\s+[\d,]+\s", RegexOptions.Multiline), result.Output);
        }

        Assert.Contains("Tier migration 2025-06-30 → 2025-12-31: customers", result.Output, StringComparison.Ordinal);
        Assert.Contains("Tier migration 2025-06-30 → 2025-12-31: profit", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingBundleFailsWithOneLineSayingHowToTrainOne()
    {
        var result = ConsoleProcess.Run("score", "--bundle", Path.Combine(sample.Folder, "no-such-bundle"), "--data", sample.DataFolder);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("model-card.json is missing", error, StringComparison.Ordinal);
        Assert.Contains("train", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tiers", "--as-of", "2025-02-30", "'2025-02-30' is not a date")]
    [InlineData("tiers", "--compare-to", "2026-01-01", "must be before the as-of date 2025-12-31")]
    [InlineData("targets", "--budget", "-5", "Budget is -5")]
    [InlineData("score", "--as-of", "2020-01-01", "before the first order date")]
    public void BadOptionsFailWithOneLine(string command, string option, string value, string message)
    {
        var result = Run(command, option, value);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("score")]
    [InlineData("targets", "--budget", "1000")]
    [InlineData("tiers")]
    [InlineData("drift")]
    public void AnAsOfDateAfterTheLastOrderIsRefusedWithOneLineNamingTheLastDate(params string[] command)
    {
        var result = Run([.. command, "--as-of", "2030-01-01"]);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--as-of 2030-01-01 is after the data's last order date 2025-12-31", error, StringComparison.Ordinal);
    }

    [Fact]
    public void FeaturesWithoutLabelsAfterTheLastOrderAreRefusedAndOnTheLastOrderDateAccepted()
    {
        var refused = ConsoleProcess.Run("features", "--data", sample.DataFolder, "--no-labels", "--as-of", "2026-01-01", "--output", Path.Combine(sample.Folder, "late.csv"));
        var accepted = ConsoleProcess.Run("features", "--data", sample.DataFolder, "--no-labels", "--as-of", "2025-12-31", "--output", Path.Combine(sample.Folder, "last.csv"));

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("2026-01-01 is after the data's last order date 2025-12-31", refused.Error, StringComparison.Ordinal);
        Assert.True(accepted.ExitCode == 0, accepted.Error);
    }

    [Fact]
    public void RulesWhoseTierSharesDifferFromTheBundlesCutOffsFailWithOneLine()
    {
        var rules = Path.Combine(sample.Folder, "quartiles.json");
        File.WriteAllText(rules, """{ "tiers": { "sharesPercent": { "a": 25, "b": 25, "c": 25, "d": 25 } } }""");

        var result = Run("tiers", "--rules", rules);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("quartiles.json does not fit bundle", error, StringComparison.Ordinal);
        Assert.Contains("retrain", error, StringComparison.Ordinal);
    }

    /// <summary>Runs a command on the sample's bundle and data.</summary>
    [Fact]
    public void DriftAtTheTrainingDateFindsNothingShiftedAndABundleWithoutDistributionsIsToldToRetrain()
    {
        var cardPath = Path.Combine(sample.BundleFolder, "model-card.json");
        var trainedAt = JsonNode.Parse(File.ReadAllText(cardPath))!["asOfDate"]!.GetValue<string>();

        var result = Run("drift", "--as-of", trainedAt);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("none shifted", result.Output, StringComparison.Ordinal);
        Assert.Contains("tenure_days", result.Output, StringComparison.Ordinal);
        Assert.Contains("main_channel", result.Output, StringComparison.Ordinal);
        Assert.Contains("The models' outputs against the held-out customers' at training:", result.Output, StringComparison.Ordinal);
        Assert.Contains("predicted profit", result.Output, StringComparison.Ordinal);

        // The same bundle as one trained before drift checks: its card without the training distributions.
        var old = Path.Combine(sample.Folder, "bundle-before-drift");
        Directory.CreateDirectory(old);
        foreach (var file in Directory.GetFiles(sample.BundleFolder))
        {
            File.Copy(file, Path.Combine(old, Path.GetFileName(file)), overwrite: true);
        }

        var card = JsonNode.Parse(File.ReadAllText(cardPath))!;
        foreach (var feature in card["featureContract"]!["features"]!.AsArray())
        {
            feature!.AsObject().Remove("binEdges");
            feature.AsObject().Remove("binShares");
        }

        File.WriteAllText(Path.Combine(old, "model-card.json"), card.ToJsonString());
        var refused = ConsoleProcess.Run("drift", "--bundle", old, "--data", sample.DataFolder);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("trained before drift checks", refused.Error, StringComparison.Ordinal);
    }

    private (int ExitCode, string Output, string Error) Run(params string[] args) =>
        ConsoleProcess.Run([.. args, "--bundle", sample.BundleFolder, "--data", sample.DataFolder]);

    /// <summary>The customers the feature builder gives a row at an as-of date (default: the last order date), in id order.</summary>
    private List<string> CustomersAt(DateOnly? asOf)
    {
        var data = CustomerDataLoader.Load(
            Path.Combine(sample.DataFolder, SampleDataGenerator.TransactionsFile), Path.Combine(sample.DataFolder, SampleDataGenerator.CustomersFile), new LoadOptions());
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = asOf ?? data.LastOrderDate, IncludeLabels = false });
        return table.Rows.Select(r => r.CustomerId).ToList();
    }

    private static double Number(string cell) => double.Parse(cell, CultureInfo.InvariantCulture);

    private static List<Dictionary<string, string>> ReadCsv(string path)
    {
        using var csv = CsvReader.Open(path, ',');
        Assert.True(csv.ReadRecord());
        var header = Enumerable.Range(0, csv.FieldCount).Select(i => csv[i].ToString()).ToArray();
        var rows = new List<Dictionary<string, string>>();
        while (csv.ReadRecord())
        {
            Assert.Equal(header.Length, csv.FieldCount);
            rows.Add(header.Select((name, i) => (name, value: csv[i].ToString())).ToDictionary(c => c.name, c => c.value, StringComparer.Ordinal));
        }

        return rows;
    }
}
