using System.CommandLine;
using MlCustomer.Training.Cli;
using MlCustomer.Training.Decisions;
using MlCustomer.Training.Drift;
using MlCustomer.Training.Evaluate;
using MlCustomer.Training.Features;
using MlCustomer.Training.Generate;
using MlCustomer.Training.Train;

namespace MlCustomer.Training;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("MlCustomer training console: sample data, features, models, reports, scores and retention decisions")
        {
            GenerateCommand.Create(),
            FeaturesCommand.Create(),
            TrainCommand.Create(),
            EvaluateCommand.CreateEvaluate(),
            EvaluateCommand.CreateCompare(),
            PromoteCommand.Create(),
            ScoreCommand.Create(),
            TargetsCommand.Create(),
            TiersCommand.Create(),
            DriftCommand.Create(),
        };
        if (Console.IsOutputRedirected)
        {
            // Redirected output (CI logs, files) has no terminal width; Spectre would wrap tables at 80 columns.
            Spectre.Console.AnsiConsole.Profile.Width = 200;
        }

        return CliParsing.Invoke(root, args);
    }
}
