using System.CommandLine;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;
using MlCustomer.Training.Cli;
using Spectre.Console;

namespace MlCustomer.Training.Decisions;

/// <summary>`tiers`: the profit pyramid, the Pareto figure, false big customers and, between two dates, movement and migration.</summary>
internal static class TiersCommand
{
    /// <summary>Points of the concentration curve printed under the Pareto line, in percent of customers.</summary>
    private static readonly int[] CurvePercents = [1, 5, 10, 20, 50, 80];

    public static Command Create()
    {
        var inputs = new DecisionInputs();
        var compareTo = new Option<string?>("--compare-to")
        {
            Description = "An earlier as-of date (yyyy-MM-dd): also decide there with the same bundle and cut-offs, and print the movement categories and the tier migration matrix",
        };
        var topPercent = new Option<double>("--top-percent") { Description = "The top share of customers the Pareto figure looks at, in percent", DefaultValueFactory = _ => 20 };
        var command = new Command("tiers", "Print the profit pyramid (tiers A–D), the Pareto figure and false big customers; with --compare-to, the movement between two dates")
        {
            compareTo, topPercent,
        };
        inputs.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var earlier = FeatureWindowOptions.ParseDate(parse.GetValue(compareTo), "--compare-to");
            var top = parse.GetValue(topPercent);

            // Checks the share before the data is loaded and scored.
            ProfitConcentration.Compute(Array.Empty<double>(), top);
            var run = inputs.Prepare(parse);
            if (earlier is { } date && date >= run.AsOfDate)
            {
                throw new ArgumentException($"--compare-to {CsvText.Date(date)} must be before the as-of date {CsvText.Date(run.AsOfDate)}");
            }

            // The views need the numbers and the tiers, not the reasons: do not hold them.
            static CustomerDecision WithoutReasons(CustomerDecision d) => d with { Reasons = [] };
            var now = run.DecideAll(run.Features(run.AsOfDate), WithoutReasons);
            CliOutput.Info($"bundle {run.Bundle.Card.Version}; cut-offs learned at {(run.Bundle.Card.AsOfDate is { } learned ? CsvText.Date(learned) : "training")}: {run.Cutoffs.Describe()}");
            PrintPyramid(ProfitConcentration.Compute(now, top), run.AsOfDate, run.Bundle.Card.Currency);
            PrintForecast(TierForecast.Of(now, $"{now.Count:N0} customers at {CsvText.Date(run.AsOfDate)}"), run.ValueHorizonDays);
            if (earlier is { } before)
            {
                var then = run.DecideAll(run.Features(before), WithoutReasons);
                CliOutput.Info($"at {CsvText.Date(before)}: {ProfitConcentration.Compute(then, top).Describe()}");
                PrintMovement(
                    TierMovement.Compare(then.ToDictionary(d => d.CustomerId, StringComparer.Ordinal), now.ToDictionary(d => d.CustomerId, StringComparer.Ordinal)),
                    before,
                    run.AsOfDate,
                    run.Bundle.Card.Currency);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Tier today against predicted tier, both by profit after cost-to-serve.</summary>
    internal static void PrintForecast(TierForecast forecast, int horizonDays)
    {
        CliOutput.Info($"Tier today (rows) against predicted tier (columns: predicted profit after cost-to-serve in the next {horizonDays} days, scaled to 365), {forecast.Basis}:");
        var tiers = Enum.GetValues<ProfitTier>();
        var table = new Table().AddColumn("today \\ predicted");
        foreach (var tier in tiers)
        {
            table.AddColumn(tier.ToString());
        }

        table.AddColumn("all");
        foreach (var today in tiers)
        {
            table.AddRow([today.ToString(), .. tiers.Select(p => $"{forecast.Count(today, p):N0}"), $"{tiers.Sum(p => forecast.Count(today, p)):N0}"]);
        }

        table.AddRow(["all", .. tiers.Select(p => $"{forecast.PredictedIn(p):N0}"), $"{forecast.Customers:N0}"]);
        AnsiConsole.Write(table);
        CliOutput.Info($"loss-making: {forecast.LossMaking:N0} now (profit in the last 365 days below 0), {forecast.PredictedLossMaking:N0} predicted (predicted profit below 0)");
    }

    private static void PrintPyramid(ProfitConcentration concentration, DateOnly asOf, string? currency)
    {
        // Headings are plain lines: a table title wraps to the table's width.
        CliOutput.Info($"Profit pyramid at {CsvText.Date(asOf)} (revenue and profit in the last 365 days; tiers by the cut-offs in the bundle):");
        var table = new Table()
            .AddColumns("tier", "customers", "share", Labels.Header("revenue", currency), Labels.Header("profit", currency), "share of profit", "mean churn p", "loss-making", "false big");
        foreach (var tier in concentration.Tiers)
        {
            table.AddRow(
                Labels.Of(tier.Tier), $"{tier.Customers:N0}", Labels.Percent(tier.CustomerShare), $"{tier.Revenue:N2}", $"{tier.Profit:N2}",
                tier.ProfitShare is { } share ? Labels.Percent(share) : "–",
                tier.MeanChurnProbability is { } churn ? $"{churn:0.000}" : "–",
                $"{tier.LossMaking:N0}", $"{tier.FalseBigCustomers:N0}");
        }

        var all = concentration.Tiers;
        var customers = all.Sum(t => t.Customers);
        table.AddRow(
            "all", $"{customers:N0}", customers > 0 ? "100.0%" : "–", $"{all.Sum(t => t.Revenue):N2}", $"{concentration.TotalProfit:N2}",
            concentration.TotalProfit > 0 ? "100.0%" : "–",
            customers > 0 ? $"{all.Sum(t => (t.MeanChurnProbability ?? 0) * t.Customers) / customers:0.000}" : "–",
            $"{all.Sum(t => t.LossMaking):N0}", $"{all.Sum(t => t.FalseBigCustomers):N0}");
        AnsiConsole.Write(table);

        CliOutput.Info($"Pareto: {concentration.Describe()}");
        if (concentration.TotalProfit > 0 && concentration.Customers > 0)
        {
            var points = CurvePercents.Select(percent =>
            {
                var point = concentration.Curve.First(p => p.CustomerShare * 100 >= percent - 1e-9);
                return $"top {percent}% → {Labels.Percent(point.ProfitShare!.Value)}";
            });
            CliOutput.Info($"concentration curve: {string.Join(", ", points)}");
        }

        var falseBig = all.Sum(t => t.FalseBigCustomers);
        CliOutput.Info($"false big customers: {falseBig:N0} ({Labels.Percent(customers > 0 ? (double)falseBig / customers : 0)} of customers): big by revenue, thin margin or low profit tier; flag them, do not pamper them");
    }

    private static void PrintMovement(TierMovementReport report, DateOnly before, DateOnly after, string? currency)
    {
        var span = $"{CsvText.Date(before)} → {CsvText.Date(after)}";
        CliOutput.Info($"Movement {span}:");
        var counts = new Table().AddColumns("category", "customers", "meaning");
        foreach (var count in report.Counts)
        {
            counts.AddRow(Labels.Of(count.Category), $"{count.Customers:N0}", Markup.Escape(count.Meaning));
        }

        AnsiConsole.Write(counts);

        var tiers = Enum.GetValues<ProfitTier>();
        var customers = new Table().AddColumn("from \\ to");
        var profit = new Table().AddColumn(Labels.Header("from \\ to", currency));
        foreach (var to in tiers)
        {
            customers.AddColumn(Labels.Of(to));
            profit.AddColumn(Labels.Of(to));
        }

        customers.AddColumn("all");
        foreach (var from in tiers)
        {
            var cells = tiers.Select(to => report.Cell(from, to)).ToList();
            customers.AddRow([Labels.Of(from), .. cells.Select(c => $"{c.Customers:N0}"), $"{cells.Sum(c => c.Customers):N0}"]);
            profit.AddRow([Labels.Of(from), .. cells.Select(c => c.Customers == 0 ? "–" : $"{c.ProfitBefore:N0} → {c.ProfitAfter:N0}")]);
        }

        customers.AddRow(["all", .. tiers.Select(to => $"{tiers.Sum(from => report.Cell(from, to).Customers):N0}"), $"{report.Migration.Sum(c => c.Customers):N0}"]);
        CliOutput.Info($"Tier migration {span}: customers (rows: tier at {CsvText.Date(before)}, columns: tier at {CsvText.Date(after)}):");
        AnsiConsole.Write(customers);
        CliOutput.Info($"Tier migration {span}: profit in the last 365 days, at {CsvText.Date(before)} → at {CsvText.Date(after)}:");
        AnsiConsole.Write(profit);
    }
}
