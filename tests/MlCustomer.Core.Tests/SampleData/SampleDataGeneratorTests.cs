using System.Security.Cryptography;
using MlCustomer.Core.SampleData;
using MlCustomer.Core.Tests.Data;
using static MlCustomer.Core.Tests.SampleData.SampleFiles;

namespace MlCustomer.Core.Tests.SampleData;

public sealed class SampleDataGeneratorTests(SampleFiles sample) : IClassFixture<SampleFiles>
{
    private static readonly string[] FileNames =
        [SampleDataGenerator.CustomersFile, SampleDataGenerator.TransactionsFile, SampleDataGenerator.ServiceEventsFile, SampleDataGenerator.GroundTruthFile];

    [Fact]
    public void SameSeedWritesIdenticalFiles()
    {
        var options = new SampleDataOptions { Customers = 400, Seed = 11 };
        var first = NewTempFolder();
        var second = NewTempFolder();
        try
        {
            SampleDataGenerator.Write(options, first);
            SampleDataGenerator.Write(options, second);
            foreach (var name in FileNames)
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(first, name)), File.ReadAllBytes(Path.Combine(second, name)));
            }
        }
        finally
        {
            DeleteFolder(first);
            DeleteFolder(second);
        }
    }

    [Fact]
    public void DifferentSeedWritesDifferentData()
    {
        var first = NewTempFolder();
        var second = NewTempFolder();
        try
        {
            SampleDataGenerator.Write(new SampleDataOptions { Customers = 400, Seed = 1 }, first);
            SampleDataGenerator.Write(new SampleDataOptions { Customers = 400, Seed = 2 }, second);
            foreach (var name in FileNames)
            {
                Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, name)), File.ReadAllBytes(Path.Combine(second, name)));
            }
        }
        finally
        {
            DeleteFolder(first);
            DeleteFolder(second);
        }
    }

    [Fact]
    public void FilesHaveTheContractHeaders()
    {
        Assert.Equal(
            "customer_id,order_id,order_date,category,quantity,revenue,cost,discount,channel",
            HeaderOf(Path.Combine(sample.Folder, SampleDataGenerator.TransactionsFile)));
        Assert.Equal(
            "customer_id,signup_date,region,acquisition_channel,loyalty_member,age_band,support_tickets,complaints,service_cost,satisfaction",
            HeaderOf(Path.Combine(sample.Folder, SampleDataGenerator.CustomersFile)));
        Assert.Equal(
            "customer_id,signed_up_by_as_of,alive_at_as_of,true_churn_probability,true_expected_profit,true_expected_revenue,"
                + "purchase_rate_per_year,dropout_probability,mean_order_value,persona",
            HeaderOf(Path.Combine(sample.Folder, SampleDataGenerator.GroundTruthFile)));
        Assert.Equal(
            "customer_id,event_date,support_tickets,complaints,service_cost,satisfaction",
            HeaderOf(Path.Combine(sample.Folder, SampleDataGenerator.ServiceEventsFile)));
    }

    [Fact]
    public void TheCustomersFileTotalsAreTheServiceEventsUpToTheLastDay()
    {
        var eventsByCustomer = sample.ServiceEvents.GroupBy(e => e["customer_id"]).ToDictionary(g => g.Key, g => g.ToList());
        Assert.True(eventsByCustomer.Count > sample.Customers.Count / 2, $"only {eventsByCustomer.Count} customers have service events");
        foreach (var customer in sample.Customers)
        {
            var events = eventsByCustomer.GetValueOrDefault(customer["customer_id"], []);
            Assert.Equal(Number(customer, "support_tickets"), events.Sum(e => Number(e, "support_tickets")));
            Assert.Equal(Number(customer, "complaints"), events.Sum(e => Number(e, "complaints")));
            Assert.Equal(Number(customer, "service_cost"), events.Sum(e => Number(e, "service_cost")), 1e-6);
            var answers = events.Where(e => e["satisfaction"].Length > 0).ToList();
            Assert.Equal(customer["satisfaction"], answers.Count > 0 ? answers[^1]["satisfaction"] : "");
        }
    }

    [Fact]
    public void ServiceEventsAreOneRowPerCustomerAndDayBetweenSignupAndTheLastDay()
    {
        var signup = sample.Customers.ToDictionary(c => c["customer_id"], c => c["signup_date"]);
        var last = sample.Options.EndDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        string? previous = null;
        foreach (var e in sample.ServiceEvents)
        {
            var key = e["customer_id"] + " " + e["event_date"];
            Assert.True(previous is null || string.CompareOrdinal(previous, key) < 0, $"{key} follows {previous}: not sorted by customer and day, or a day repeats");
            Assert.InRange(string.CompareOrdinal(e["event_date"], signup[e["customer_id"]]), 0, int.MaxValue);
            Assert.InRange(string.CompareOrdinal(e["event_date"], last), int.MinValue, 0);
            Assert.Matches("^[0-9]+\\.[0-9]{2}$", e["service_cost"]);
            previous = key;
        }
    }

    [Fact]
    public void SummaryCountsWhatTheFilesHold()
    {
        Assert.Equal(sample.Options.Customers, sample.Summary.Customers);
        Assert.Equal(sample.Customers.Count, sample.Summary.Customers);
        Assert.Equal(sample.GroundTruth.Count, sample.Summary.Customers);
        Assert.Equal(sample.Transactions.Count, sample.Summary.OrderLines);
        Assert.Equal(sample.Transactions.Select(t => t["order_id"]).Distinct().Count(), sample.Summary.Orders);
        Assert.Equal(sample.Transactions.Sum(t => Number(t, "revenue")), sample.Summary.Revenue, 0.5);
        Assert.Equal(sample.Transactions.Sum(t => Number(t, "revenue") - Number(t, "cost")), sample.Summary.GrossProfit, 0.5);
        Assert.Equal(FileNames, sample.Summary.Files.Select(Path.GetFileName));
    }

    [Fact]
    public void IdsAreZeroPaddedAndDatesAndAmountsHaveFixedFormats()
    {
        Assert.Equal("C00001", sample.Customers[0]["customer_id"]);
        Assert.All(sample.Transactions, t =>
        {
            Assert.Matches("^C[0-9]{5}$", t["customer_id"]);
            Assert.Matches("^O[0-9]{7}$", t["order_id"]);
            Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", t["order_date"]);
            Assert.Matches("^-?[0-9]+\\.[0-9]{2}$", t["revenue"]);
            Assert.Matches("^-?[0-9]+\\.[0-9]{2}$", t["cost"]);
            Assert.Matches("^[0-9]+\\.[0-9]{2}$", t["discount"]);
        });
        Assert.DoesNotContain('\r', File.ReadAllText(Path.Combine(sample.Folder, SampleDataGenerator.TransactionsFile)));
    }

    [Fact]
    public void TransactionsAreSortedByDateThenOrder()
    {
        for (var i = 1; i < sample.Transactions.Count; i++)
        {
            var previous = (sample.Transactions[i - 1]["order_date"], sample.Transactions[i - 1]["order_id"]);
            var current = (sample.Transactions[i]["order_date"], sample.Transactions[i]["order_id"]);
            Assert.True(
                string.CompareOrdinal(previous.Item1, current.Item1) < 0
                || (previous.Item1 == current.Item1 && string.CompareOrdinal(previous.Item2, current.Item2) <= 0),
                $"row {i + 1} is out of order: {current} after {previous}");
        }
    }

    [Fact]
    public void ReturnsHaveNegativeRevenueAndComeAfterTheirOrder()
    {
        var purchases = sample.Transactions.Where(t => Number(t, "revenue") >= 0).ToList();
        var orderDates = purchases.GroupBy(t => t["order_id"]).ToDictionary(g => g.Key, g => g.Min(t => Date(t, "order_date")));
        var returns = sample.Transactions.Where(t => Number(t, "revenue") < 0).ToList();

        Assert.NotEmpty(returns);
        Assert.All(returns, r =>
        {
            Assert.True(Number(r, "quantity") < 0);
            Assert.True(Number(r, "cost") <= 0);
            Assert.Equal(0, Number(r, "discount"));
            Assert.True(Date(r, "order_date") > orderDates[r["order_id"]], $"return of {r["order_id"]} is not after the order");
        });
        Assert.All(purchases, p =>
        {
            Assert.True(Number(p, "quantity") > 0);
            Assert.True(Number(p, "discount") >= 0);
        });

        var returnShare = (double)returns.Count / purchases.Count;
        Assert.InRange(returnShare, 0.04, 0.12);
    }

    [Fact]
    public void ReturnedGoodsNeverTakeBackMoreCostThanTheySold()
    {
        var byLine = sample.Transactions
            .GroupBy(t => (t["order_id"], t["category"], Math.Abs(Number(t, "quantity")), Math.Abs(Number(t, "revenue"))));
        foreach (var line in byLine)
        {
            var sold = line.Where(t => Number(t, "revenue") >= 0).Sum(t => Number(t, "cost"));
            var takenBack = -line.Where(t => Number(t, "revenue") < 0).Sum(t => Number(t, "cost"));
            Assert.True(takenBack <= sold + 0.005, $"{line.Key}: {takenBack} taken back of {sold}");
        }
    }

    [Fact]
    public void SatisfactionIsOneToFiveOrBlankForSome()
    {
        var answers = sample.Customers.Select(c => c["satisfaction"]).ToList();
        Assert.All(answers.Where(a => a.Length > 0), a => Assert.Contains(a, new[] { "1", "2", "3", "4", "5" }));
        Assert.InRange(answers.Count(a => a.Length == 0) / (double)answers.Count, 0.10, 0.20);
    }

    [Fact]
    public void GroundTruthProbabilitiesAreProbabilitiesAndDeadCustomersHaveNoFuture()
    {
        Assert.All(sample.GroundTruth, t =>
        {
            Assert.InRange(Number(t, "true_churn_probability"), 0.0, 1.0);
            Assert.InRange(Number(t, "dropout_probability"), 0.0, 1.0);
            if (t["alive_at_as_of"] == "false")
            {
                Assert.Equal(1.0, Number(t, "true_churn_probability"));
                Assert.Equal(0.0, Number(t, "true_expected_profit"));
                Assert.Equal(0.0, Number(t, "true_expected_revenue"));
            }

            if (t["signed_up_by_as_of"] == "false")
            {
                Assert.Equal("false", t["alive_at_as_of"]);
            }
        });
        Assert.Contains(sample.GroundTruth, t => t["alive_at_as_of"] == "false" && t["signed_up_by_as_of"] == "true");
        Assert.Contains(sample.GroundTruth, t => t["signed_up_by_as_of"] == "false");
    }

    [Fact]
    public void GroundTruthMatchesWhatTheSimulationDidOnAverage()
    {
        var asOf = sample.Options.AsOfDate;
        var churnEnd = asOf.AddDays(sample.Options.ChurnHorizonDays);
        var valueEnd = asOf.AddDays(sample.Options.ValueHorizonDays);
        var purchases = sample.Transactions.Where(t => Number(t, "revenue") > 0).ToList();
        var boughtBefore = purchases.Where(t => Date(t, "order_date") <= asOf).Select(t => t["customer_id"]).ToHashSet();
        var boughtInWindow = purchases
            .Where(t => Date(t, "order_date") > asOf && Date(t, "order_date") <= churnEnd)
            .Select(t => t["customer_id"])
            .ToHashSet();
        var truth = sample.GroundTruth.ToDictionary(t => t["customer_id"]);

        var realizedChurn = boughtBefore.Count(c => !boughtInWindow.Contains(c)) / (double)boughtBefore.Count;
        var expectedChurn = boughtBefore.Average(c => Number(truth[c], "true_churn_probability"));
        Assert.Equal(expectedChurn, realizedChurn, 0.04);

        var realizedRevenue = sample.Transactions
            .Where(t => Date(t, "order_date") > asOf && Date(t, "order_date") <= valueEnd && truth[t["customer_id"]]["signed_up_by_as_of"] == "true")
            .Sum(t => Number(t, "revenue"));
        var expectedRevenue = sample.GroundTruth.Sum(t => Number(t, "true_expected_revenue"));
        Assert.InRange(realizedRevenue / expectedRevenue, 0.85, 1.15);
    }

    [Fact]
    public void AFalseBigCustomerExistsInAModestSample()
    {
        var byCustomer = sample.Transactions
            .GroupBy(t => t["customer_id"])
            .Select(g => (Revenue: g.Sum(t => Number(t, "revenue")), Profit: g.Sum(t => Number(t, "revenue") - Number(t, "cost"))))
            .OrderByDescending(c => c.Revenue)
            .ToList();
        var top = byCustomer.Take(byCustomer.Count / 5).ToList();

        Assert.Contains(top, c => c.Profit / c.Revenue < 0.10);
    }

    [Fact]
    public void TheTopFifthOfCustomersBringsMostOfTheProfit()
    {
        var profits = sample.Transactions
            .GroupBy(t => t["customer_id"])
            .Select(g => g.Sum(t => Number(t, "revenue") - Number(t, "cost")))
            .OrderByDescending(p => p)
            .ToList();
        var topFifthShare = profits.Take(profits.Count / 5).Sum() / profits.Sum();

        Assert.InRange(topFifthShare, 0.55, 0.85);
    }

    [Fact]
    public void InvalidOptionsAreRejectedByName()
    {
        var folder = NewTempFolder();
        var error = Assert.Throws<ArgumentException>(() =>
            SampleDataGenerator.Write(new SampleDataOptions { Customers = 0, NeverBuyShare = 1.5 }, folder));

        Assert.Contains("Customers", error.Message, StringComparison.Ordinal);
        Assert.Contains("NeverBuyShare", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void CommittedTrainingDataIsWhatTheDefaultsWrite()
    {
        var committed = Path.Combine(RepositoryFolders.Root, "training-data");
        var fresh = NewTempFolder();
        try
        {
            SampleDataGenerator.Write(new SampleDataOptions(), fresh);
            foreach (var name in FileNames)
            {
                Assert.True(File.Exists(Path.Combine(committed, name)), $"training-data/{name} is missing: run `generate` with the defaults");
                Assert.True(
                    Sha256(Path.Combine(committed, name)) == Sha256(Path.Combine(fresh, name)),
                    $"training-data/{name} differs from what the defaults write: regenerate it with `generate` and commit it with the change");
            }
        }
        finally
        {
            DeleteFolder(fresh);
        }
    }

    private static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(file));
    }
}
