using System.CommandLine;
using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Training.Cli;

namespace MlCustomer.Training.Evaluate;

/// <summary><c>promote</c>: the API's promotion check for a bundle folder that a deployment serves from.</summary>
public static class PromoteCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var challenger = new Argument<DirectoryInfo>("challenger") { Description = "The candidate bundle folder" };
        var to = new Option<DirectoryInfo>("--to")
        {
            Description = "The serving bundle folder (the API's MlCustomer:BundlePath); the bundle in it is kept in FOLDER.previous",
            Required = true,
        };
        var force = new Option<bool>("--force") { Description = "Promote even when the check finds the candidate worse, or cannot compare the two" };
        var command = new Command("promote", "Compare a bundle with the serving one on the same held-out customers and, unless it is worse, copy it into the serving folder")
        {
            challenger, to, force,
        };
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var from = parse.GetValue(challenger)!.FullName;
            var active = parse.GetValue(to)!.FullName;
            var (verdict, promoted) = BundleFolderPromotion.Promote(new MLContext(TrainingOptions.DefaultSeed), from, active, parse.GetValue(force));
            if (verdict is not null)
            {
                CliOutput.Info($"compared on {verdict.Basis}");
                foreach (var metric in verdict.Metrics)
                {
                    CliOutput.Info($"  {metric.Metric}: serving {metric.Champion:0.0000}, candidate {metric.Challenger:0.0000}, tolerance {metric.Tolerance}{(metric.Worse ? " — worse" : "")}");
                }

                CliOutput.Info(verdict.Verdict);
            }

            if (!promoted)
            {
                throw new ArgumentException($"not promoted: {verdict!.Verdict} Use --force to promote it anyway.");
            }

            CliOutput.Info($"promoted {ModelBundle.ReadCard(active).Version} into {active}" +
                (verdict is null ? "" : $"; the bundle it replaced is in {BundleFolderPromotion.PreviousFolder(active)} (promote it back with --force to roll back)") +
                ". A running API loads it with POST /api/v1/models/reload (no path).");
            return 0;
        }));
        return command;
    }
}
