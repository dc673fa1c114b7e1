using System.CommandLine;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Training.Cli;

namespace MlCustomer.Training.Features;

/// <summary>`features`: loads a data set and writes the point-in-time feature table as CSV.</summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var input = new DataInputOptions();
        var window = new FeatureWindowOptions();
        var noLabels = new Option<bool>("--no-labels") { Description = "Compute features only (for scoring); order lines after the as-of date are then not used" };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "Feature table CSV to write; the load report is written beside it as <name>.load-report.json",
            DefaultValueFactory = _ => new FileInfo(Path.Combine("out", "features.csv")),
        };

        var command = new Command("features", "Build the point-in-time feature table (one row per customer) and write it as CSV") { noLabels, output };
        input.AddTo(command);
        window.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var data = input.Load(parse);
            var options = window.Resolve(parse, data, includeLabels: !parse.GetValue(noLabels));
            var table = CliOutput.Step($"Computing features at {CsvText.Date(options.AsOfDate)}", _ => FeatureBuilder.Build(data, options));
            CliOutput.Info(table.Report.ToText());

            var file = parse.GetValue(output)!;
            file.Directory?.Create();
            CliOutput.Step($"Writing {file.FullName}", _ =>
            {
                using var writer = new StreamWriter(file.FullName);
                FeatureTableExport.WriteCsv(table, writer);
                return 0;
            });
            var reportPath = Path.ChangeExtension(file.FullName, ".load-report.json");
            File.WriteAllText(reportPath, data.Report.ToJson());
            CliOutput.Info($"wrote {reportPath}");
            return 0;
        }));
        return command;
    }
}
