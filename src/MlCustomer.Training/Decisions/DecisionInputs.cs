using System.CommandLine;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Tiers;
using MlCustomer.Training.Cli;

namespace MlCustomer.Training.Decisions;

/// <summary>The options `score`, `targets` and `tiers` share: the bundle, the rules, the data and the as-of date.</summary>
internal sealed class DecisionInputs
{
    private readonly DataInputOptions data = new();

    private readonly Option<DirectoryInfo> bundle = new("--bundle")
    {
        Description = "Model bundle folder (its card holds the tier cut-offs, its rules.json the rules)",
        DefaultValueFactory = _ => new DirectoryInfo("models"),
    };

    private readonly Option<FileInfo?> rules = new("--rules")
    {
        Description = "Rules file (JSON) to use instead of the bundle's rules.json; its tier shares and big-customer revenue share must be the ones the bundle's cut-offs were learned with",
    };

    private readonly Option<string?> asOf = new("--as-of")
    {
        Description = "Score as of this date (yyyy-MM-dd): features use only events on or before it [default: the last order date in the data]",
    };

    /// <summary>The bundle folder given (or the default).</summary>
    public string BundleFolder(ParseResult parse) => parse.GetValue(bundle)!.FullName;

    public void AddTo(Command command)
    {
        command.Options.Add(bundle);
        command.Options.Add(rules);
        command.Options.Add(asOf);
        data.AddTo(command);
    }

    /// <summary>
    /// Loads the bundle and the rules first (a wrong folder or rules file fails before the data is read),
    /// then the data.
    /// </summary>
    public DecisionRun Prepare(ParseResult parse)
    {
        var date = FeatureWindowOptions.ParseDate(parse.GetValue(asOf), "--as-of");
        var ml = new MLContext(seed: TrainingOptions.DefaultSeed);
        var folder = parse.GetValue(bundle)!.FullName;
        var loaded = CliOutput.Step($"Loading bundle {folder}", _ => ModelBundle.Load(ml, folder));
        var rulesFile = parse.GetValue(rules);
        var ruleSet = rulesFile is null ? loaded.Rules : RuleSet.Load(rulesFile.FullName);
        DecisionRun.Check(loaded, ruleSet, rulesFile is null ? $"{ModelBundle.RulesFile} of the bundle" : $"--rules {rulesFile.FullName}");
        var customers = data.Load(parse, loaded.Card);
        if (date is { } given)
        {
            customers.CheckAsOfDate(given, "--as-of");
        }

        return new DecisionRun(ml, loaded, ruleSet, customers, date ?? customers.LastOrderDate);
    }
}
