using System.CommandLine;
using System.Globalization;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.SampleData;

namespace MlCustomer.Training.Cli;

/// <summary>
/// The options every command that reads a business's data shares: where the files are, how their
/// columns map to the contract, and whether bad rows stop the load or are skipped and counted.
/// </summary>
internal sealed class DataInputOptions
{
    private readonly Option<DirectoryInfo> dataDirectory = new("--data")
    {
        Description = "Folder with transactions.csv and, if present, customers.csv and service-events.csv",
        DefaultValueFactory = _ => new DirectoryInfo("training-data"),
    };

    private readonly Option<FileInfo?> transactions = new("--transactions")
    {
        Description = "Transactions file (CSV, or .csv.gz); overrides --data, and then customers are read only from --customers",
    };

    private readonly Option<FileInfo?> customers = new("--customers") { Description = "Customers file (optional)" };

    private readonly Option<FileInfo?> serviceEvents = new("--service-events")
    {
        Description = "Dated service events (customer_id, event_date, support_tickets, complaints, service_cost, satisfaction; optional): " +
            "service features and cost-to-serve are computed from the events up to the as-of date",
    };

    private readonly Option<FileInfo?> mapping = new("--mapping")
    {
        Description = "JSON mapping of your export's columns, date format, delimiter and margin rates to the data contract",
    };

    private readonly Option<double?> marginRate = new("--margin-rate")
    {
        Description = "Gross margin rate (e.g. 0.25 for 25%) that estimates cost of goods as revenue × (1 − rate) when the transactions have no cost column; " +
            "overrides the mapping's costEstimate.defaultMarginRate and keeps its per-category rates",
    };

    private readonly Option<bool> skipBadRows = new("--skip-bad-rows")
    {
        Description = "Skip rows that fail validation instead of stopping; every skipped row is counted by reason in the load report",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(dataDirectory);
        command.Options.Add(transactions);
        command.Options.Add(customers);
        command.Options.Add(serviceEvents);
        command.Options.Add(mapping);
        command.Options.Add(marginRate);
        command.Options.Add(skipBadRows);
    }

    /// <summary>True when the user asked to skip bad rows instead of stopping.</summary>
    public bool SkipBadRows(ParseResult parse) => parse.GetValue(skipBadRows);

    /// <summary>The data folder, when the files came from --data rather than --transactions.</summary>
    public string? DataFolder(ParseResult parse) =>
        parse.GetValue(transactions) is null ? parse.GetValue(dataDirectory)!.FullName : null;

    /// <summary>The paths of the files that <see cref="Load"/> reads.</summary>
    public IReadOnlyList<string> Files(ParseResult parse)
    {
        var (transactionsPath, customersPath, serviceEventsPath) = ResolvePaths(parse);
        return new[] { transactionsPath, customersPath, serviceEventsPath }.OfType<string>().ToList();
    }

    /// <summary>The --mapping file, or the contract's own names and formats without one.</summary>
    public DataMapping Mapping(ParseResult parse)
    {
        var loaded = parse.GetValue(mapping) is { } mappingFile ? DataMapping.Load(mappingFile.FullName) : DataMapping.Default;
        return parse.GetValue(marginRate) is { } rate ? loaded.WithDefaultMarginRate(rate) : loaded;
    }

    /// <summary>
    /// The mapping for scoring with these bundles: order lines without cost get the margin rates the bundles were
    /// trained with, and --margin-rate or a mapping's rates that differ are refused naming both
    /// (<see cref="ModelCard.CostEstimateForScoring"/>); bundles of different rates cannot score the same data.
    /// </summary>
    public DataMapping MappingFor(ParseResult parse, IEnumerable<ModelCard> scoredBy)
    {
        var mapping = Mapping(parse);
        var given = mapping.CostEstimate.IsEmpty ? null : mapping.CostEstimate;
        var givenBy = parse.GetValue(marginRate) is { } rate
            ? $"--margin-rate {rate.ToString(CultureInfo.InvariantCulture)}"
            : "the --mapping file's costEstimate";
        foreach (var card in scoredBy)
        {
            given = card.CostEstimateForScoring(given, givenBy);
            givenBy = $"bundle {card.Version}";
        }

        return given is null ? mapping : mapping.WithCostEstimate(given);
    }

    /// <summary>Loads the data as <see cref="MappingFor"/> the bundles that will score it (none: as the options say).</summary>
    public CustomerDataSet Load(ParseResult parse, params ModelCard[] scoredBy)
    {
        var (transactionsPath, customersPath, serviceEventsPath) = ResolvePaths(parse);
        var options = new LoadOptions
        {
            Mapping = MappingFor(parse, scoredBy),
            SkipBadRows = parse.GetValue(skipBadRows),
        };
        var data = CliOutput.Step($"Loading {Path.GetFileName(transactionsPath)}", status =>
            CustomerDataLoader.Load(transactionsPath, customersPath, options with
            {
                RowsReadProgress = new Progress<long>(rows => status($"{rows:N0} rows")),
            }, serviceEventsPath));
        CliOutput.Info(data.Report.ToText());
        return data;
    }

    private (string Transactions, string? Customers, string? ServiceEvents) ResolvePaths(ParseResult parse)
    {
        if (parse.GetValue(transactions) is { } explicitTransactions)
        {
            return (explicitTransactions.FullName, parse.GetValue(customers)?.FullName, parse.GetValue(serviceEvents)?.FullName);
        }

        var folder = parse.GetValue(dataDirectory)!.FullName;
        var customersPath = parse.GetValue(customers)?.FullName ?? Path.Combine(folder, "customers.csv");
        var serviceEventsPath = parse.GetValue(serviceEvents)?.FullName ?? Path.Combine(folder, SampleDataGenerator.ServiceEventsFile);
        return (Path.Combine(folder, "transactions.csv"),
            File.Exists(customersPath) ? customersPath : null,
            File.Exists(serviceEventsPath) ? serviceEventsPath : null);
    }
}
