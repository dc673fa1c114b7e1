using System.CommandLine;
using System.Text;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Training.Cli;
using Spectre.Console;

namespace MlCustomer.Training.Decisions;

/// <summary>`targets`: whom to give a retention offer within a budget, ranked by expected return, as CSV and a summary.</summary>
internal static class TargetsCommand
{
    public static Command Create()
    {
        var inputs = new DecisionInputs();
        var budget = new Option<double>("--budget") { Description = "Total money for offers", Required = true };
        var offerCost = new Option<double?>("--offer-cost") { Description = "One cost for every offer [default: each recommended action's own offer cost from the rules]" };
        var saveRate = new Option<double?>("--save-rate") { Description = "Share of targeted churners an offer keeps [default: the rules' saveRate]" };
        var limit = new Option<int?>("--limit") { Description = "At most this many customers (e.g. what the call centre can phone)" };
        var top = new Option<int>("--show") { Description = "Targets to print", DefaultValueFactory = _ => 10 };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "CSV to write, the chosen customers by expected return",
            DefaultValueFactory = _ => new FileInfo(Path.Combine("out", "targets.csv")),
        };
        var conservative = new Option<bool>("--conservative")
        {
            Description = "Plan on each customer's P10 of predicted profit (the low end of the 80% interval; 0 for a customer with P(buy) under 20%, whichever interval form the bundle serves) instead of the mean: a conservative budget. " +
                "Needs a bundle trained with value intervals",
        };
        var command = new Command("targets", "Choose the customers whose retention offer is expected to return most within a budget")
        {
            budget, offerCost, saveRate, limit, top, output, conservative,
        };
        inputs.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var options = new TargetOptions
            {
                Budget = parse.GetValue(budget),
                OfferCost = parse.GetValue(offerCost),
                SaveRate = parse.GetValue(saveRate) ?? 0,
                Limit = parse.GetValue(limit),
            };

            // Choosing from nobody checks the options before the data is loaded and scored; the save rate
            // checked here is a placeholder until the rules (and their default save rate) are loaded.
            RetentionTargets.Choose([], options);
            var run = inputs.Prepare(parse);
            options = options with { SaveRate = parse.GetValue(saveRate) ?? run.Rules.SaveRate, AsOfDate = run.AsOfDate };
            var table = run.Features(run.AsOfDate);

            // Only paid-offer customers can be chosen, so only their reasons are worth holding.
            var lower = parse.GetValue(conservative);
            if (lower && run.Bundle.Card.LifetimeValue?.Intervals is null)
            {
                throw new ArgumentException("--conservative plans on the P10 of predicted profit, but this bundle has no value intervals: retrain it.");
            }

            // The intervals of paid-offer customers are kept for the CSV, which shows them as the API's export does.
            var intervals = new Dictionary<string, ValueInterval>(StringComparer.Ordinal);
            var decisions = run.DecideAllScored(table, c =>
            {
                var d = lower ? RetentionTargets.AtLowerValue(c.Decision, c.Score.GrossProfitInterval) : c.Decision;
                if (!d.PaidOffer)
                {
                    return d with { Reasons = [] };
                }

                if (c.Score.GrossProfitInterval is { } interval)
                {
                    intervals[d.CustomerId] = interval;
                }

                return d;
            });
            var list = RetentionTargets.Choose(decisions, options);
            var file = parse.GetValue(output)!;
            Write(list, file, id => intervals.GetValueOrDefault(id));
            Print(list, parse.GetValue(top), file, run.Bundle.Card.Currency);
            return 0;
        }));
        return command;
    }

    private static void Write(RetentionTargetList list, FileInfo file, Func<string, ValueInterval?> grossProfitIntervalOf)
    {
        file.Directory?.Create();
        using var writer = new StreamWriter(file.FullName, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        TargetListCsv.Write(writer, list, grossProfitIntervalOf);
    }

    private static void Print(RetentionTargetList list, int show, FileInfo file, string? currency)
    {
        var summary = new Table().AddColumns("retention targets", "");
        void Row(string name, string value) => summary.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("customers chosen", $"{list.Targets.Count:N0} of {list.Considered:N0}");
        Row("budget", Labels.Money(list.Budget, currency));
        Row("offer cost", list.OfferCostOverride is { } cost ? $"{Labels.Money(cost, currency)} each" : "each action's own (rules)");
        Row("save rate", $"{list.SaveRate:0.###}");
        Row("spend", Labels.Money(list.Spend, currency));
        Row("expected saved profit", Labels.Money(list.ExpectedSavedProfit, currency));
        Row("expected return (saved − spend)", Labels.Money(list.ExpectedReturn, currency));
        Row("ROI", list.Roi is { } roi ? Labels.Percent(roi) : "undefined (nothing spent)");
        Row("profit-optimal churn threshold", list.Threshold.ChurnProbability is { } p
            ? $"{p:0.000}: {list.Threshold.Customers:N0} customers, spend {Labels.Money(list.Threshold.Spend, currency)}, expected return {Labels.Money(list.Threshold.ExpectedReturn, currency)} (budget aside)"
            : "none: every threshold loses money for this offer (rank by expected return instead)");
        Row("left out: no paid offer (D, loss-making, false big)", $"{list.WithoutPaidOffer:N0}");
        Row("left out: offer costs more than it is expected to save", $"{list.WithoutPositiveReturn:N0}");
        Row("left out: worth it, but over the budget", $"{list.LeftOutByBudget:N0}");
        Row("left out: worth it, but over --limit", $"{list.LeftOutByLimit:N0}");
        AnsiConsole.Write(summary);

        if (show > 0 && list.Targets.Count > 0)
        {
            var targets = new Table().AddColumns("#", "customer", "tier", "risk", "stage", "churn p", Labels.Header("predicted profit", currency), "action", Labels.Header("offer", currency), Labels.Header("expected return", currency));
            foreach (var (target, i) in list.Targets.Take(show).Select((t, i) => (t, i)))
            {
                var d = target.Customer;
                targets.AddRow(
                    $"{i + 1}", Markup.Escape(d.CustomerId), $"{Labels.Of(d.Tier)} → {Labels.Of(d.PredictedTier)}", Labels.Of(d.RiskBand), Labels.Of(d.Stage),
                    $"{d.ChurnProbability:0.000}", $"{d.PredictedProfit:N2}", Markup.Escape(d.Action), $"{target.OfferCost:N2}", $"{target.ExpectedReturn:N2}");
            }

            AnsiConsole.Write(targets);
        }

        CliOutput.Info($"wrote {file.FullName}: {list.Summary()}{(currency is null ? "" : $" (amounts in {currency})")}");
    }
}
