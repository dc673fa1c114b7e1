using System.CommandLine;
using MlCustomer.Core.SampleData;
using MlCustomer.Training.Cli;

namespace MlCustomer.Training.Generate;

/// <summary>`generate`: writes the realistic sample retailer (customers, transactions, ground truth).</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var defaults = new SampleDataOptions();
        var output = new Option<DirectoryInfo>("--output", "-o")
        {
            Description = "Folder to write customers.csv, transactions.csv, service-events.csv and ground-truth.csv to",
            DefaultValueFactory = _ => new DirectoryInfo("training-data"),
        };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed writes the same files byte for byte", DefaultValueFactory = _ => defaults.Seed };
        var customers = new Option<int>("--customers") { Description = "Number of customers", DefaultValueFactory = _ => defaults.Customers };
        CliParsing.AtLeast(customers, 1);
        var purchases = new Option<double>("--purchases-per-year")
        {
            Description = "Mean purchases per year of an active customer; low rates (e.g. 0.5) make a sparse, zero-heavy purchase history",
            DefaultValueFactory = _ => defaults.PurchasesPerYearMean,
        };
        var neverBuy = new Option<double>("--never-buy-share")
        {
            Description = "Share of customers who sign up and never buy",
            DefaultValueFactory = _ => defaults.NeverBuyShare,
        };

        var command = new Command("generate", "Write the sample retailer's data set (deterministic for a seed)") { output, seed, customers, purchases, neverBuy };
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var options = defaults with
            {
                Seed = parse.GetValue(seed),
                Customers = parse.GetValue(customers),
                PurchasesPerYearMean = parse.GetValue(purchases),
                NeverBuyShare = parse.GetValue(neverBuy),
            };
            var folder = parse.GetValue(output)!.FullName;
            var summary = CliOutput.Step("Generating sample data", status =>
                SampleDataGenerator.Write(options, folder, new Progress<string>(status)));
            CliOutput.Info($"{summary.Customers:N0} customers, {summary.Orders:N0} orders, {summary.OrderLines:N0} order lines, " +
                $"revenue {summary.Revenue:N2}, gross profit {summary.GrossProfit:N2}");
            foreach (var file in summary.Files)
            {
                CliOutput.Info($"wrote {file}");
            }

            return 0;
        }));
        return command;
    }
}
