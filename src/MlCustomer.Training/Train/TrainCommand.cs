using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Churn;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Data;
using MlCustomer.Core.SampleData;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;
using MlCustomer.Training.Cli;
using MlCustomer.Training.Decisions;
using MlCustomer.Training.Reports;
using Spectre.Console;

namespace MlCustomer.Training.Train;

/// <summary>`train`: trains churn, segments and lifetime value and writes a model bundle with its card and report.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainingOptions();
        var input = new DataInputOptions();
        var window = new FeatureWindowOptions();
        var output = new Option<DirectoryInfo>("--output", "-o")
        {
            Description = "Bundle folder to write (churn.zip, segments.zip, lifetime-value.zip, lifetime-revenue.zip, model-card.json, rules.json, report.html)",
            DefaultValueFactory = _ => new DirectoryInfo("models"),
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, folds, trees and KMeans", DefaultValueFactory = _ => defaults.Seed };
        var holdout = new Option<double>("--holdout")
        {
            Description = "Share of customers held out for evaluation; 0 (customer tables, churn only) fits on every row, and the card then has out-of-fold metrics, no held-out ones",
            DefaultValueFactory = _ => defaults.HoldoutShare,
        };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds on the training part", DefaultValueFactory = _ => defaults.Folds };
        var segments = new Option<int?>("--segments") { Description = "Number of segments [default: chosen automatically over 2..10]" };
        var exclude = new Option<string[]>("--exclude")
        {
            Description = "Columns not to use as features (repeat or comma-separate)",
            AllowMultipleArgumentsPerToken = true,
        };
        var offerCost = new Option<double?>("--offer-cost") { Description = "One cost for every retention offer in the card's profit-optimal churn threshold [default: each action's own cost in the rules; 20 for customer tables]" };
        var saveRate = new Option<double?>("--save-rate") { Description = "Share of targeted churners an offer keeps [default: the rules' saveRate]" };
        var customerValue = new Option<double?>("--customer-value") { Description = "Value of keeping a churner, customer tables only [default: mean value in the horizon of customers who stayed]" };
        var previous = new Option<DirectoryInfo?>("--previous")
        {
            Description = "Bundle in service whose segment ids to keep stable [default: the bundle already in the output folder, if any]",
        };
        var groundTruth = new Option<FileInfo?>("--ground-truth")
        {
            Description = "The sample generator's ground-truth.csv, for oracle scores [default: <data>/ground-truth.csv when training at the default as-of date]",
        };

        var tableFile = new Option<FileInfo?>("--table")
        {
            Description = "Train from a customer table (one row per customer with a churn label column) instead of transactions",
        };
        var id = new Option<string?>("--id") { Description = "Customer table: the id column [default: none, each row's number (1 = the first data row) is its id]" };
        var label = new Option<string?>("--label") { Description = "Customer table: the churn label column" };
        var positive = new Option<string?>("--positive") { Description = "Customer table: the label value that means churned [default: inferred, e.g. Yes/True/1]" };
        var valueColumn = new Option<string?>("--value-column") { Description = "Customer table: a numeric value label (profit in the horizon) to train lifetime value on" };
        var delimiter = new Option<string>("--delimiter") { Description = "Customer table: field delimiter", DefaultValueFactory = _ => "," };
        var decimalSeparator = new Option<string>("--decimal-separator") { Description = "Customer table: decimal separator", DefaultValueFactory = _ => "." };

        var churnAlgorithm = new Option<ChurnLibrary>("--churn-algorithm")
        {
            Description = "The tree library the churn search tries: FastTree, LightGbm (same candidates, cross-validation, calibration and explanations) or Both (every candidate in each library)",
            DefaultValueFactory = _ => ChurnLibrary.FastTree,
        };
        var refit = new Option<bool>("--refit")
        {
            Description = "After the held-out evaluation, fit every served model (churn, value, revenue, segments) again on every customer with the chosen settings (the card keeps the held-out metrics and the value intervals' calibration; evaluate/compare then need an out-of-time date or a new file)",
        };
        var currency = new Option<string?>("--currency")
        {
            Description = $"ISO 4217 code of the data's amounts, recorded in the model card [default: the mapping's \"currency\", else {Currencies.Default}]",
        };
        var valueMetric = new Option<ValueMetric>("--value-metric")
        {
            Description = "What cross-validation optimises when it chooses the value model's form (one-part or two-part trees, blend weight with BG/NBD 0..1): " +
                "gini (ranking: who is worth more), mae or rmse (error in currency, never worse than BG/NBD where it wins)",
            DefaultValueFactory = _ => defaults.Value.Metric,
        };
        var valueForm = new Option<string>("--value-form")
        {
            Description = "The value model's forms cross-validation chooses among: auto (one-part and two-part trees), one-part, or two-part " +
                "(P(buy) × amount if buying; its value intervals are built from those two parts)",
            DefaultValueFactory = _ => "auto",
        };
        valueForm.AcceptOnlyFromAmong("auto", "one-part", "two-part");
        var valueIntervals = new Option<string>("--value-intervals")
        {
            Description = "The 80% value interval served: decile (the default: calibrated so 80% of each decile of predicted value ends in its interval; where most buy " +
                "nothing, some customers, chosen by their chance of buying and a draw from their id, get their amount-if-buying interval, without 0) or customer (each " +
                "customer's own central 80% of P(buy) × amount if buying; deciles where most buy nothing cover more, since [0, 0] covers every non-buyer). The card and " +
                "report show both on the same held-out customers. Both need the two-part model: where cross-validation chooses one-part trees, one-part intervals are served",
            DefaultValueFactory = _ => "decile",
        };
        valueIntervals.AcceptOnlyFromAmong("customer", "decile");
        var command = new Command("train", "Train the churn, segment and lifetime value models and write a model bundle")
        {
            churnAlgorithm, valueMetric, valueForm, valueIntervals, refit, currency, output, seed, holdout, folds, segments, exclude, offerCost, saveRate, customerValue, groundTruth, previous,
            tableFile, id, label, positive, valueColumn, delimiter, decimalSeparator,
        };
        input.AddTo(command);
        window.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var watch = Stopwatch.StartNew();
            var intervalForm = parse.GetValue(valueIntervals) == "decile" ? ValueIntervalForm.Decile : ValueIntervalForm.Customer;
            var options = defaults with
            {
                Seed = parse.GetValue(seed),
                ChurnCandidates = parse.GetValue(churnAlgorithm) switch
                {
                    ChurnLibrary.Both => ChurnOptions.WithLightGbm(defaults.ChurnCandidates),
                    ChurnLibrary.LightGbm => defaults.ChurnCandidates.Select(c => c with { Algorithm = ChurnAlgorithm.LightGbm }).ToList(),
                    _ => defaults.ChurnCandidates,
                },
                HoldoutShare = parse.GetValue(holdout),
                Value = defaults.Value with
                {
                    Metric = parse.GetValue(valueMetric),
                    // The decile form needs every customer's P(buy) and amount: only the two-part trees have them.
                    TwoPartOnly = parse.GetValue(valueForm) switch { "one-part" => false, "two-part" => true, _ => null },
                    IntervalForm = intervalForm,
                },
                Refit = parse.GetValue(refit),
                Folds = parse.GetValue(folds),
                Segments = defaults.Segments with { Segments = parse.GetValue(segments) },
                Exclude = (parse.GetValue(exclude) ?? []).SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal),
                OfferCost = parse.GetValue(offerCost),
                SaveRate = parse.GetValue(saveRate),
                SavedCustomerValue = parse.GetValue(customerValue),
                PreviousSegments = PreviousSegments(parse.GetValue(previous)?.FullName ?? parse.GetValue(output)!.FullName),
                Currency = Currencies.Resolve(parse.GetValue(currency), input.Mapping(parse).Currency),
            };
            TrainingResult result;
            CustomerDataSet? transactions = null;
            if (parse.GetValue(tableFile) is { } tablePath)
            {
                var tableOptions = new CustomerTableOptions
                {
                    IdColumn = parse.GetValue(id),
                    LabelColumn = parse.GetValue(label) ?? throw new ArgumentException("--table needs --label: the name of the churn label column"),
                    PositiveLabel = parse.GetValue(positive),
                    ValueColumn = parse.GetValue(valueColumn),
                    Exclude = options.Exclude,
                    Format = new FileFormat { Delimiter = parse.GetValue(delimiter)!, DecimalSeparator = parse.GetValue(decimalSeparator)! },
                    SkipBadRows = input.SkipBadRows(parse),
                };
                if (tableOptions.IdColumn is null)
                {
                    CliOutput.Info($"warning: no --id: each row's number (1 = the first data row) is its id, so scoring must get the rows in the same order to match them");
                }

                var table = CliOutput.Step($"Loading {tablePath.Name}", _ => CustomerTableLoader.Load(tablePath.FullName, tableOptions));
                CliOutput.Info(table.Report.ToText());
                CliOutput.Info(string.Join(Environment.NewLine, table.Describe()));
                result = CliOutput.Step("Training", status => BundleTrainer.TrainTable(table, tablePath.FullName, options, new Progress<string>(status)));
            }
            else
            {
                transactions = input.Load(parse);
                result = TrainTransactional(parse, transactions, input, window, groundTruth, options);
            }

            var bundleFolder = parse.GetValue(output)!.FullName;
            var (tiers, movement) = transactions is null ? (null, null) : TierPictures(result.Bundle, transactions, options);
            CliOutput.Step($"Writing {bundleFolder}", _ =>
            {
                result.Bundle.Save(new MLContext(options.Seed), bundleFolder);
                if (result.Predictions.Count > 0)
                {
                    PredictionsCsv.Write(Path.Combine(bundleFolder, PredictionsCsv.FileName), result.Predictions);
                }

                HtmlReport.Write(
                    new ReportData(result.Bundle.Card, result.CustomerProfits, result.SegmentScatter, tiers, movement),
                    Path.Combine(bundleFolder, ModelBundle.ReportFile));
                return 0;
            });
            PrintSummary(result.Bundle.Card, watch.Elapsed);
            foreach (var warning in result.Warnings)
            {
                CliOutput.Info($"warning: {warning}");
            }

            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The report's pyramid at the as-of date and the movement from half a churn horizon earlier, decided
    /// with the bundle just trained, exactly as `tiers --compare-to` would; no movement when that earlier date
    /// is before the first order (a short history trained with long horizons).
    /// </summary>
    private static (TierPicture Tiers, TierMovementPicture? Movement) TierPictures(ModelBundle bundle, CustomerDataSet data, TrainingOptions options)
    {
        var asOf = bundle.Card.AsOfDate!.Value;
        var earlier = asOf.AddDays(-(bundle.Card.ChurnHorizonDays ?? 180) / 2);
        var run = new DecisionRun(new MLContext(options.Seed), bundle, bundle.Rules, data, asOf);
        static CustomerDecision WithoutReasons(CustomerDecision d) => d with { Reasons = [] };
        var now = run.DecideAll(run.Features(asOf), WithoutReasons);
        var tiers = new TierPicture(asOf, ProfitConcentration.Compute(now));
        if (earlier < data.FirstOrderDate)
        {
            CliOutput.Info($"report: no tier movement, {CsvText.Date(earlier)} (half a churn horizon before the as-of date) is before the first order {CsvText.Date(data.FirstOrderDate)}");
            return (tiers, null);
        }

        var before = run.DecideAll(run.Features(earlier), WithoutReasons);
        return (
            tiers,
            new TierMovementPicture(earlier, asOf, TierMovement.Compare(
                before.ToDictionary(d => d.CustomerId, StringComparer.Ordinal), now.ToDictionary(d => d.CustomerId, StringComparer.Ordinal))));
    }

    private static TrainingResult TrainTransactional(
        ParseResult parse, CustomerDataSet data, DataInputOptions input, FeatureWindowOptions window, Option<FileInfo?> groundTruth, TrainingOptions options)
    {
        var features = window.Resolve(parse, data, includeLabels: true);
        var truthPath = parse.GetValue(groundTruth)?.FullName
            ?? (window.IsDefault(parse) && input.DataFolder(parse) is { } folder && File.Exists(Path.Combine(folder, GroundTruthFile.FileName))
                ? Path.Combine(folder, GroundTruthFile.FileName)
                : null);
        var truth = truthPath is null ? null : GroundTruthFile.Read(truthPath);
        return CliOutput.Step("Training", status =>
            BundleTrainer.TrainTransactional(new TransactionalInput(data, input.Files(parse), truth), features, options, new Progress<string>(status)));
    }

    private static IReadOnlyList<MlCustomer.Core.Segments.SegmentProfile>? PreviousSegments(string folder) =>
        File.Exists(Path.Combine(folder, ModelBundle.CardFile)) ? ModelBundle.ReadCard(folder).Segments?.Profiles : null;

    private static void PrintSummary(ModelCard card, TimeSpan elapsed)
    {
        var table = new Table().AddColumns("model", "algorithm", "customers", "held-out metrics", "baseline", "grade");
        var churn = card.Churn;
        table.AddRow(
            "churn",
            Markup.Escape(churn.Algorithm),
            $"{card.Split.TrainCustomers:N0} / {card.Split.HoldoutCustomers:N0}",
            $"AUC {churn.Holdout.Auc:0.000}, PR-AUC {churn.Holdout.PrAuc:0.000}, log loss {churn.Holdout.LogLoss:0.000}, lift@10% {churn.Holdout.LiftAt10Percent.Lift:0.00}",
            Markup.Escape($"{churn.Baseline.Feature} rule AUC {churn.BaselineAuc:0.000}" + (churn.OracleAuc is { } o ? $"; oracle {o:0.000}" : "")),
            churn.Grade.Letter.ToString());
        void AddValueRow(string model, ValueCard value) => table.AddRow(
            model,
            Markup.Escape(value.Algorithm),
            $"{card.Split.TrainCustomers:N0} / {card.Split.HoldoutCustomers:N0}",
            $"MAE {value.Holdout.Mae:N1}, Gini {value.Holdout.NormalizedGini:0.000}, Spearman {value.Holdout.Spearman:0.000}",
            Markup.Escape(string.Join("; ", value.Baselines.Select(b => $"{b.Key} Gini {b.Value.NormalizedGini:0.000}")) + (value.OracleGini is { } g ? $"; oracle {g:0.000}" : "")),
            value.Grade.Letter.ToString());
        if (card.LifetimeValue is { } profit)
        {
            AddValueRow("lifetime value", profit);
        }

        if (card.Revenue is { } revenue)
        {
            AddValueRow("lifetime revenue", revenue);
        }

        if (card.Segments is { } segments)
        {
            table.AddRow(
                "segments",
                "KMeans",
                $"{card.Split.TrainCustomers:N0}",
                Markup.Escape(string.Join(", ", segments.Profiles.Select(p => $"{p.Name} {p.ShareOfCustomers:P0}"))),
                $"silhouette {segments.Candidates.First(c => c.Segments == segments.Profiles.Count).Silhouette:0.000}",
                "");
        }

        AnsiConsole.Write(table);
        PrintChurnSearch(churn);
        CliOutput.Info($"{card.Summary()} — {elapsed.TotalSeconds:0} s");
        // A table's value model predicts its value column, which need not be profit.
        foreach (var (name, value) in new[] { (card.Table is null ? "profit" : "value", card.LifetimeValue), ("revenue", card.Revenue) })
        {
            if (value?.Intervals?.HeldOut is { } coverage)
            {
                CliOutput.Info($"{name} 80% intervals: {coverage.Verdict}; mean width {coverage.MeanWidth:N2}");
                foreach (var line in value.Intervals.DecileLines())
                {
                    CliOutput.Info(line);
                }
            }

            if (value?.ErrorComparison is { } errors)
            {
                CliOutput.Info($"{name} held out ({value.SelectionMetric} chose the form): {errors.Describe()}");
            }
        }

        if (card.Refit is { } refitted)
        {
            CliOutput.Info($"refit: {refitted.Rule}");
        }
        if (card.Table is not null)
        {
            CliOutput.Info($"note: {TableEncoding.NoSegmentsOrTiers}. Score a table in this file's format with: score --bundle <folder> --table <file>");
        }
    }

    /// <summary>Every churn candidate's cross-validated AUC, round by round, as the card stores it.</summary>
    private static void PrintChurnSearch(ChurnCard churn)
    {
        if (churn.Candidates is not { Count: > 1 } candidates)
        {
            return;
        }

        var table = new Table().AddColumns("round", "customers", "churn candidate", "CV AUC", "outcome");
        foreach (var candidate in candidates)
        {
            table.AddRow(
                $"{candidate.Round}",
                $"{candidate.Customers:N0}",
                Markup.Escape($"{candidate.Options.AlgorithmShortName}: {candidate.Options.Describe()}"),
                $"{candidate.Auc.Mean:0.0000} ± {candidate.Auc.StandardDeviation:0.0000}",
                candidate.Outcome);
        }

        AnsiConsole.Write(table);
    }
}

/// <summary>The tree libraries the churn search tries (<c>train --churn-algorithm</c>).</summary>
public enum ChurnLibrary
{
    /// <summary>FastTree only (the default: TreeSHAP reasons and the compiled scorer).</summary>
    FastTree,

    /// <summary>LightGBM only.</summary>
    LightGbm,

    /// <summary>Every candidate in both libraries.</summary>
    Both,
}
