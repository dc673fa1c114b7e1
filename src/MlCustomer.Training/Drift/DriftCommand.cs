using System.CommandLine;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Training.Cli;
using MlCustomer.Training.Decisions;
using Spectre.Console;

namespace MlCustomer.Training.Drift;

/// <summary>`drift`: how far today's customers have moved from the ones the bundle was trained on, feature by feature (PSI).</summary>
internal static class DriftCommand
{
    public static Command Create()
    {
        var data = new DataInputOptions();
        var bundle = new Option<DirectoryInfo>("--bundle")
        {
            Description = "Model bundle folder (its model card holds the training distribution of every feature)",
            DefaultValueFactory = _ => new DirectoryInfo("models"),
        };
        var asOf = new Option<string?>("--as-of")
        {
            Description = "Compute the customers' features as of this date (yyyy-MM-dd) [default: the last order date in the data]",
        };
        var tableOption = new Option<FileInfo?>("--table")
        {
            Description = "A customer table in the training file's format, for bundles trained with train --table: PSI of every feature column against training",
        };
        var command = new Command(
            "drift",
            "Compare every feature of the customers at an as-of date with its distribution in training: population stability index (PSI), " +
            $"stable below {FeatureDrift.ModerateFrom}, shifted from {FeatureDrift.ShiftedFrom}; the same for the models' outputs against the held-out customers'; " +
            "exit code 2 when a feature or an output has shifted")
        {
            bundle, asOf, tableOption,
        };
        data.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var date = FeatureWindowOptions.ParseDate(parse.GetValue(asOf), "--as-of");
            var ml = new MLContext(seed: TrainingOptions.DefaultSeed);
            var folder = parse.GetValue(bundle)!.FullName;
            var loaded = CliOutput.Step($"Loading bundle {folder}", _ => ModelBundle.Load(ml, folder));
            var card = loaded.Card;
            if (card.FeatureContract.Features.Any(f => f.BinShares is null))
            {
                throw new ModelBundleException(
                    $"Bundle {card.Version} was trained before drift checks and its model card holds no training distributions. Retrain with: {ModelBundle.TrainCommand}");
            }

            if (parse.GetValue(tableOption) is { } tableFile)
            {
                var read = CliOutput.Step($"Reading {tableFile.Name}", _ => TableFile.Read(tableFile.FullName, new TableRowEncoder(card), labelsRequired: false));
                read.Notes.ToList().ForEach(note => CliOutput.Info($"warning: {note}"));
                var columns = FeatureDrift.Measure(card.FeatureContract, read.Rows);
                var scored = CliOutput.Step("Scoring the rows", _ => new BundleScorer(ml, loaded).Score(read.Rows, reasons: 0));
                var tableOutputs = card.OutputDrift([.. scored.Select(s => s.ChurnProbability)], [.. scored.Select(s => s.PredictedGrossProfit ?? double.NaN)]);
                Print(columns, tableOutputs, card, null, read.Rows.Count);
                return columns.Concat(tableOutputs).Any(r => r.Level == DriftLevel.Shifted) ? ShiftedExitCode : 0;
            }

            if (card.InputKind != "transactional")
            {
                throw new ModelBundleException(
                    $"Bundle {card.Version} was trained on a customer table: give the table to compare with --table FILE.");
            }

            var customers = data.Load(parse, card);
            if (date is { } given)
            {
                customers.CheckAsOfDate(given, "--as-of");
            }

            var options = new FeatureOptions
            {
                AsOfDate = date ?? customers.LastOrderDate,
                IncludeLabels = false,
                SnapshotAttributesBeforeExport = card.SnapshotAttributesBeforeExport,
            };
            var table = CliOutput.Step($"Computing features at {CsvText.Date(options.AsOfDate)}", _ => FeatureBuilder.Build(customers, options));
            var mapper = new FeatureRows(card.FeatureContract, table.AttributeNames);
            var rows = table.Rows.Select(mapper.From).ToList();
            var results = FeatureDrift.Measure(card.FeatureContract, rows);
            var outputs = Outputs(ml, loaded, table);
            Print(results, outputs, card, options.AsOfDate, rows.Count);
            return results.Concat(outputs).Any(r => r.Level == DriftLevel.Shifted) ? ShiftedExitCode : 0;
        }));
        return command;
    }

    /// <summary>Exit code when at least one feature or model output has shifted, so that a scheduled job can alert on it.</summary>
    public const int ShiftedExitCode = 2;

    // The models' outputs for these customers against their held-out distributions (cards from before drift checks have none).
    private static IReadOnlyList<FeatureDriftResult> Outputs(MLContext ml, ModelBundle bundle, FeatureTable table)
    {
        if (bundle.Card.Churn.ProbabilityDistribution is null && bundle.Card.LifetimeValue?.PredictionDistribution is null)
        {
            return [];
        }

        var scores = CliOutput.Step("Scoring the customers", _ => new BundleScorer(ml, bundle).Score(table.Rows, table.AttributeNames, reasons: 0));
        return bundle.Card.OutputDrift([.. scores.Select(s => s.ChurnProbability)], [.. scores.Select(s => s.PredictedGrossProfit ?? double.NaN)]);
    }

    private static void Print(IReadOnlyList<FeatureDriftResult> results, IReadOnlyList<FeatureDriftResult> outputs, ModelCard card, DateOnly? asOf, int customers)
    {
        CliOutput.Info(
            $"Drift {(asOf is { } date ? $"at {CsvText.Date(date)}" : "of the table")} ({customers:N0} customers) against bundle {card.Version}'s training customers" +
            $"{(card.AsOfDate is { } trained ? $" (features at {CsvText.Date(trained)})" : "")}, most moved first:");
        var table = new Table().AddColumns("feature", "PSI", "level", "missing then → now", "largest move (bin: share then → now)");
        foreach (var result in results)
        {
            table.AddRow(
                Markup.Escape(result.Feature), $"{result.Psi:0.000}", Level(result.Level),
                $"{Labels.Percent(result.TrainingMissingShare)} → {Labels.Percent(result.MissingShare)}", Markup.Escape(result.LargestMove));
        }

        AnsiConsole.Write(table);
        if (outputs.Count > 0)
        {
            CliOutput.Info("The models' outputs against the held-out customers' at training:");
            var outputTable = new Table().AddColumns("output", "PSI", "level", "largest move (bin: share then → now)");
            foreach (var output in outputs)
            {
                outputTable.AddRow(Markup.Escape(output.Feature), $"{output.Psi:0.000}", Level(output.Level), Markup.Escape(output.LargestMove));
            }

            AnsiConsole.Write(outputTable);
        }

        var shifted = results.Where(r => r.Level == DriftLevel.Shifted).ToList();
        var moderate = results.Count(r => r.Level == DriftLevel.Moderate);
        var outputsShifted = outputs.Where(o => o.Level == DriftLevel.Shifted).Select(o => o.Feature).ToList();
        if (outputsShifted.Count > 0)
        {
            CliOutput.Info($"model outputs shifted: {string.Join(", ", outputsShifted)}");
        }

        CliOutput.Info(shifted.Count == 0
            ? $"{results.Count} features: none shifted (PSI ≥ {FeatureDrift.ShiftedFrom}), {moderate} moderate (PSI ≥ {FeatureDrift.ModerateFrom})"
            : $"{results.Count} features: {shifted.Count} shifted (PSI ≥ {FeatureDrift.ShiftedFrom}): {string.Join(", ", shifted.Select(r => r.Feature))}; " +
              $"{moderate} moderate. The models now see customers unlike those they learned from: check the data, then consider retraining.");
    }

    private static string Level(DriftLevel level) => level switch
    {
        DriftLevel.Shifted => "[red]shifted[/]",
        DriftLevel.Moderate => "[yellow]moderate[/]",
        _ => "stable",
    };
}
