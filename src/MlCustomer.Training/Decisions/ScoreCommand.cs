using System.CommandLine;
using System.Diagnostics;
using System.Text;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;
using MlCustomer.Training.Cli;
using Spectre.Console;

namespace MlCustomer.Training.Decisions;

/// <summary>`score`: every customer's scores, tiers, flags, stage, value at risk and action, streamed to CSV.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var inputs = new DecisionInputs();
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "CSV to write, one row per customer",
            DefaultValueFactory = _ => new FileInfo(Path.Combine("out", "scores.csv")),
        };
        var reasons = new Option<int>("--reasons")
        {
            Description = "Model reasons (feature contributions) per prediction, for churn and for profit",
            DefaultValueFactory = _ => BundleScorer.DefaultReasons,
        };
        var chunkSize = new Option<int>("--chunk-size")
        {
            Description = "Customers scored and written at a time (memory holds one chunk of scores, whatever the number of customers)",
            DefaultValueFactory = _ => DecisionRun.DefaultChunkSize,
        };
        var table = new Option<FileInfo?>("--table")
        {
            Description = "Score a customer table with a bundle trained on one (train --table), in the training file's own format: same id column, " +
                "label column optional and ignored, extra columns ignored. Table bundles have no segments and no profit tiers",
        };
        var command = new Command("score", "Score every customer at an as-of date with a bundle and its rules, and write the decisions as CSV (or every row of a customer table with --table)")
        {
            output, reasons, chunkSize, table,
        };
        inputs.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var reasonCount = parse.GetValue(reasons);
            var chunk = parse.GetValue(chunkSize);
            if (reasonCount < 0 || chunk < 1)
            {
                throw new ArgumentException($"--reasons must be ≥ 0 (it is {reasonCount}) and --chunk-size ≥ 1 (it is {chunk})");
            }

            if (parse.GetValue(table) is { } tableFile)
            {
                return TableScoreCommand.Score(inputs.BundleFolder(parse), tableFile, parse.GetValue(output)!, reasonCount);
            }

            var run = inputs.Prepare(parse);
            var features = run.Features(run.AsOfDate);
            var file = parse.GetValue(output)!;
            file.Directory?.Create();
            var total = features.Rows.Count;
            var watch = Stopwatch.StartNew();
            var tally = CliOutput.Step($"Scoring {total:N0} customers into {file.FullName}", status =>
            {
                var counts = new Tally();
                using var writer = new StreamWriter(file.FullName, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                ScoreCsv.WriteHeader(writer);
                foreach (var scored in run.Decide(features, reasonCount, chunk))
                {
                    foreach (var customer in scored)
                    {
                        ScoreCsv.WriteRow(writer, customer, run.Bundle.Card.AmountUnits());
                        counts.Add(customer.Decision);
                    }

                    status($"{counts.Customers:N0} of {total:N0}");
                }

                return counts;
            });
            watch.Stop();
            Print(tally, run.Bundle.Card.Currency);
            var seconds = watch.Elapsed.TotalSeconds;
            CliOutput.Info(
                $"wrote {file.FullName}: {tally.Customers:N0} customers at {CsvText.Date(run.AsOfDate)} scored, decided and written in {seconds:0.00} s " +
                $"({(seconds > 0 ? tally.Customers / seconds : 0):N0} rows/s)");
            return 0;
        }));
        return command;
    }

    private static void Print(Tally tally, string? currency)
    {
        var tiers = new Table().AddColumns("tier now", "customers", "predicted tier", "customers");
        foreach (var tier in Enum.GetValues<ProfitTier>())
        {
            tiers.AddRow(Labels.Of(tier), $"{tally.Tiers[(int)tier]:N0}", Labels.Of(tier), $"{tally.PredictedTiers[(int)tier]:N0}");
        }

        AnsiConsole.Write(tiers);
        var actions = new Table().AddColumns("recommended action", "customers", Labels.Header("offer cost", currency), Labels.Header("value at risk", currency));
        foreach (var (action, (customers, cost, atRisk)) in tally.Actions.OrderByDescending(a => a.Value.Customers))
        {
            actions.AddRow(Markup.Escape(action), $"{customers:N0}", $"{cost:N2}", $"{atRisk:N2}");
        }

        AnsiConsole.Write(actions);
        CliOutput.Info($"{tally.LossMaking:N0} loss-making, {tally.FalseBig:N0} false big customers");
    }

    /// <summary>Running counts, so the summary needs none of the rows already written.</summary>
    private sealed class Tally
    {
        public int Customers { get; private set; }

        public int[] Tiers { get; } = new int[4];

        public int[] PredictedTiers { get; } = new int[4];

        public int LossMaking { get; private set; }

        public int FalseBig { get; private set; }

        public SortedDictionary<string, (int Customers, double OfferCost, double ValueAtRisk)> Actions { get; } = new(StringComparer.Ordinal);

        public void Add(CustomerDecision decision)
        {
            Customers++;
            Tiers[(int)decision.Tier]++;
            PredictedTiers[(int)decision.PredictedTier]++;
            LossMaking += decision.LossMaking ? 1 : 0;
            FalseBig += decision.FalseBigCustomer ? 1 : 0;
            var (customers, cost, atRisk) = Actions.GetValueOrDefault(decision.Action);
            Actions[decision.Action] = (customers + 1, cost + decision.OfferCost, atRisk + decision.ValueAtRisk);
        }
    }
}
