using System.CommandLine;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
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
        var asOf = new Option<string?>("--as-of") { Description = "As-of date (yyyy-MM-dd) [default: last order date minus the bundle's longer horizon]" };
        var command = new Command("evaluate", "Re-score a saved bundle on a data set and print its metrics") { bundle, asOf };
        input.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var ml = new MLContext(seed: TrainingOptions.DefaultSeed);
            var loaded = ModelBundle.Load(ml, parse.GetValue(bundle)!.FullName);
            var data = input.Load(parse);
            var window = BundleEvaluator.WindowFor(loaded.Card, data, FeatureWindowOptions.ParseDate(parse.GetValue(asOf), "--as-of"));
            var evaluation = CliOutput.Step("Scoring", _ => BundleEvaluator.Evaluate(ml, loaded, data, window));
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
        var asOf = new Option<string?>("--as-of") { Description = "As-of date for scoring both on the data (yyyy-MM-dd)" };
        var command = new Command("compare", "Put two bundles side by side: their cards, and both scored on the same data") { champion, challenger, asOf };
        input.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var ml = new MLContext(seed: TrainingOptions.DefaultSeed);
            var bundles = new[] { parse.GetValue(champion)!, parse.GetValue(challenger)! }
                .Select(folder => ModelBundle.Load(ml, folder.FullName))
                .ToList();
            PrintCards(bundles.Select(b => b.Card).ToList());
            var data = input.Load(parse);
            var date = FeatureWindowOptions.ParseDate(parse.GetValue(asOf), "--as-of");
            var evaluations = bundles
                .Select(b => CliOutput.Step($"Scoring with {b.Card.Version}", _ => BundleEvaluator.Evaluate(ml, b, data, BundleEvaluator.WindowFor(b.Card, data, date))))
                .ToList();
            Print(evaluations);
            return 0;
        }));
        return command;
    }

    private static void Print(IReadOnlyList<BundleEvaluation> evaluations)
    {
        var table = new Table().AddColumns("bundle", "as-of", "customers", "churn AUC", "PR-AUC", "log loss", "Brier", "lift@10%", "value MAE", "value Gini", "Spearman");
        foreach (var e in evaluations)
        {
            table.AddRow(
                e.Version, $"{e.AsOfDate:yyyy-MM-dd}", $"{e.Customers:N0}",
                $"{e.Churn.Auc:0.000}", $"{e.Churn.PrAuc:0.000}", $"{e.Churn.LogLoss:0.000}", $"{e.Churn.Brier:0.000}", $"{e.Churn.LiftAt10Percent.Lift:0.00}",
                e.Value is { } v ? $"{v.Mae:N2}" : "–", e.Value is { } g ? $"{g.NormalizedGini:0.000}" : "–", e.Value is { } s ? $"{s.Spearman:0.000}" : "–");
        }

        AnsiConsole.Write(table);
    }

    private static void PrintCards(IReadOnlyList<ModelCard> cards)
    {
        var table = new Table().AddColumns("", "champion", "challenger");
        void Row(string name, Func<ModelCard, string> value) => table.AddRow(Markup.Escape(name), Markup.Escape(value(cards[0])), Markup.Escape(value(cards[1])));
        Row("version", c => c.Version);
        Row("created", c => $"{c.CreatedAt:yyyy-MM-dd HH:mm} UTC");
        Row("as-of, horizons", c => c.AsOfDate is { } d ? $"{d:yyyy-MM-dd}, {c.ChurnHorizonDays}/{c.ValueHorizonDays} days" : "customer table");
        Row("customers (train / held out)", c => $"{c.Split.TrainCustomers:N0} / {c.Split.HoldoutCustomers:N0}");
        Row("churn held-out AUC (grade)", c => $"{c.Churn.Holdout.Auc:0.000} ({c.Churn.Grade.Letter})");
        Row("churn log loss, Brier", c => $"{c.Churn.Holdout.LogLoss:0.000}, {c.Churn.Holdout.Brier:0.000}");
        Row("value held-out Gini, MAE (grade)", c => c.LifetimeValue is { } v ? $"{v.Holdout.NormalizedGini:0.000}, {v.Holdout.Mae:N2} ({v.Grade.Letter})" : "–");
        Row("segments", c => c.Segments is { } s ? string.Join(", ", s.Profiles.Select(p => p.Name)) : "–");
        AnsiConsole.Write(table);
    }
}
