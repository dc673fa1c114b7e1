using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Evaluation;
using MlCustomer.Training.Cli;
using Spectre.Console;

namespace MlCustomer.Training.Evaluate;

/// <summary>`evaluate` and `compare`: how saved bundles do on a data set, side by side.</summary>
internal static class EvaluateCommand
{
    public static Command CreateEvaluate()
    {
        var input = new DataInputOptions();
        var bundle = new Option<DirectoryInfo>("--bundle") { Description = "Bundle folder", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var asOf = new Option<string?>("--as-of")
        {
            Description = "As-of date (yyyy-MM-dd) [default: last order date minus the bundle's longer horizon]; at or before the training as-of date " +
                "only the held-out customers count, after it every customer (out-of-time)",
        };
        var table = TableOption();
        var command = new Command("evaluate", "Re-score a saved bundle on a data set and print its metrics: held-out customers at the training date, everyone out-of-time") { bundle, asOf, table };
        input.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var ml = new MLContext(seed: TrainingOptions.DefaultSeed);
            var loaded = ModelBundle.Load(ml, parse.GetValue(bundle)!.FullName);
            if (parse.GetValue(table) is { } tableFile)
            {
                var onTable = CliOutput.Step($"Scoring {tableFile.Name}", _ => TableScoring.Evaluate(ml, loaded, tableFile.FullName));
                PrintBasis(onTable);
                Print([onTable]);
                PrintCalibration(onTable);
                return 0;
            }

            var data = input.Load(parse, loaded.Card);
            var window = BundleEvaluator.WindowFor(loaded.Card, data, FeatureWindowOptions.ParseDate(parse.GetValue(asOf), "--as-of"));
            var evaluation = CliOutput.Step("Scoring", _ => BundleEvaluator.Evaluate(ml, loaded, data, window));
            PrintBasis(evaluation);
            Print([evaluation]);
            return 0;
        }));
        return command;
    }

    public static Command CreateCompare()
    {
        var input = new DataInputOptions();
        var champion = new Argument<DirectoryInfo>("champion") { Description = "The bundle in service" };
        var challenger = new Argument<DirectoryInfo>("challenger") { Description = "The candidate bundle" };
        var asOf = new Option<string?>("--as-of")
        {
            Description = "As-of date for scoring both on the data (yyyy-MM-dd) [default: the champion's evaluate default]; at or before a bundle's " +
                "training as-of date only its held-out customers count",
        };
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples of the customers for each difference's 95% interval", DefaultValueFactory = _ => PairedBootstrap.DefaultResamples };
        var seed = new Option<int>("--seed") { Description = "Seed of the bootstrap resampling", DefaultValueFactory = _ => PairedBootstrap.DefaultSeed };
        var table = TableOption();
        var command = new Command("compare", "Put two bundles side by side: their cards, both scored on the same customers, and each metric's difference with a bootstrap 95% interval")
        {
            champion, challenger, asOf, resamples, seed, table,
        };
        input.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            if (parse.GetValue(resamples) < 1)
            {
                throw new ArgumentException("--resamples must be at least 1.");
            }

            var ml = new MLContext(seed: TrainingOptions.DefaultSeed);
            var bundles = new[] { parse.GetValue(champion)!, parse.GetValue(challenger)! }
                .Select(folder => ModelBundle.Load(ml, folder.FullName))
                .ToList();
            PrintCards(bundles.Select(b => b.Card).ToList());
            BundleComparison comparison;
            if (parse.GetValue(table) is { } tableFile)
            {
                comparison = CliOutput.Step("Comparing", status =>
                    BundleComparer.CompareOnTable(ml, bundles[0], bundles[1], tableFile.FullName, parse.GetValue(resamples), parse.GetValue(seed), status));
            }
            else
            {
                var data = input.Load(parse, [.. bundles.Select(b => b.Card)]);
                var date = FeatureWindowOptions.ParseDate(parse.GetValue(asOf), "--as-of");
                comparison = CliOutput.Step("Comparing", status =>
                    BundleComparer.Compare(ml, bundles[0], bundles[1], data, date, parse.GetValue(resamples), parse.GetValue(seed), status));
            }

            PrintBasis(comparison.Champion);
            PrintBasis(comparison.Challenger);
            Print([comparison.Champion, comparison.Challenger]);
            PrintDifferences(comparison);
            return 0;
        }));
        return command;
    }

    private static Option<FileInfo?> TableOption() => new("--table")
    {
        Description = "A labelled customer table in the training file's format, for bundles trained with train --table: on the training file only the " +
            "rows it held out count, on any other file every row",
    };

    // Predicted against observed churn per probability decile, the calibration a data scientist checks first.
    private static void PrintCalibration(BundleEvaluation evaluation)
    {
        if (evaluation.Churn is not { } churn)
        {
            return;
        }

        var table = new Table().AddColumns("churn probability", "customers", "mean predicted", "observed churn");
        foreach (var bin in churn.CalibrationTable.Where(b => b.Count > 0))
        {
            table.AddRow($"{bin.Lower:0.0}–{bin.Upper:0.0}", $"{bin.Count:N0}", $"{bin.MeanPredicted:0.000}", $"{bin.ObservedRate:0.000}");
        }

        AnsiConsole.Write(table);
    }

    private static void PrintBasis(BundleEvaluation evaluation)
    {
        CliOutput.Info($"{evaluation.Version} measured on {evaluation.Description}");
        foreach (var line in evaluation.NotComputed)
        {
            CliOutput.Info($"{evaluation.Version}: {line}");
        }
    }

    private static void Print(IReadOnlyList<BundleEvaluation> evaluations)
    {
        var table = new Table().AddColumns("bundle", "as-of", "basis", "customers", "excluded", "churn AUC", "PR-AUC", "log loss", "Brier", "lift@10%", "value MAE", "value Gini", "Spearman");
        foreach (var e in evaluations)
        {
            var c = e.Churn;
            var v = e.Value;
            table.AddRow(
                e.Version, e.AsOfDate is { } date ? $"{date:yyyy-MM-dd}" : "table", BundleComparer.Basis(e), $"{e.Customers:N0}", $"{e.CustomersExcluded:N0}",
                c is null ? "–" : $"{c.Auc:0.000}", c is null ? "–" : $"{c.PrAuc:0.000}", c is null ? "–" : $"{c.LogLoss:0.000}", c is null ? "–" : $"{c.Brier:0.000}",
                c is null ? "–" : $"{c.LiftAt10Percent.Lift:0.00}",
                v is null ? "–" : $"{v.Mae:N2}", v is null ? "–" : $"{v.NormalizedGini:0.000}", v is null ? "–" : $"{v.Spearman:0.000}");
        }

        AnsiConsole.Write(table);
    }

    private static void PrintDifferences(BundleComparison comparison)
    {
        CliOutput.Info(
            $"Differences (challenger − champion) on {comparison.Pairing}, with paired bootstrap 95% intervals " +
            $"({comparison.Resamples:N0} resamples of the customers, seed {comparison.Seed}):");
        var table = new Table().AddColumns("metric", "champion", "challenger", "difference", "95% interval", "verdict");
        foreach (var d in comparison.Differences)
        {
            var plain = d.Format.Split(';')[0].TrimStart('+');
            table.AddRow(
                d.Metric, d.Champion.ToString(plain, CultureInfo.InvariantCulture), d.Challenger.ToString(plain, CultureInfo.InvariantCulture),
                d.Difference.ToString(d.Format, CultureInfo.InvariantCulture),
                Markup.Escape($"[{d.Lower.ToString(d.Format, CultureInfo.InvariantCulture)}, {d.Upper.ToString(d.Format, CultureInfo.InvariantCulture)}]"),
                d.VerdictText);
        }

        AnsiConsole.Write(table);
        if (comparison.Champion.Version == comparison.Challenger.Version)
        {
            CliOutput.Info("Both bundles have the same version: their models, contract and rules are identical.");
        }

        CliOutput.Info($"Verdict: {comparison.Verdict()}");
    }

    private static void PrintCards(IReadOnlyList<ModelCard> cards)
    {
        var table = new Table().AddColumns("", "champion", "challenger");
        void Row(string name, Func<ModelCard, string> value) => table.AddRow(Markup.Escape(name), Markup.Escape(value(cards[0])), Markup.Escape(value(cards[1])));
        Row("version", c => c.Version);
        Row("created", c => $"{c.CreatedAt:yyyy-MM-dd HH:mm} UTC");
        Row("as-of, horizons", c => c.AsOfDate is { } d ? $"{d:yyyy-MM-dd}, {c.ChurnHorizonDays}/{c.ValueHorizonDays} days" : "customer table");
        Row("customers (train / held out)", c => $"{c.Split.TrainCustomers:N0} / {c.Split.HoldoutCustomers:N0}");
        Row("held-out list SHA-256", c => c.Split.HeldOut is { } h ? h.Sha256[..12] : "not recorded (retrain)");
        Row("churn held-out AUC (grade)", c => $"{c.Churn.Holdout.Auc:0.000} ({c.Churn.Grade.Letter})");
        Row("churn log loss, Brier", c => $"{c.Churn.Holdout.LogLoss:0.000}, {c.Churn.Holdout.Brier:0.000}");
        Row("value held-out Gini, MAE (grade)", c => c.LifetimeValue is { } v ? $"{v.Holdout.NormalizedGini:0.000}, {v.Holdout.Mae:N2} ({v.Grade.Letter})" : "–");
        Row("segments", c => c.Segments is { } s ? string.Join(", ", s.Profiles.Select(p => p.Name)) : "–");
        AnsiConsole.Write(table);
    }
}
