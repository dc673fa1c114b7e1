using System.CommandLine;
using System.Globalization;
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
        var asOf = new Option<string?>("--as-of")
        {
            Description = "As-of date (yyyy-MM-dd): features use only events on or before it [default: last order date minus the longer horizon]",
        };
        var churnHorizon = new Option<int>("--churn-horizon") { Description = "Churn label window in days after the as-of date", DefaultValueFactory = _ => FeatureOptions.DefaultChurnHorizonDays };
        var valueHorizon = new Option<int>("--value-horizon") { Description = "Profit label window in days after the as-of date", DefaultValueFactory = _ => FeatureOptions.DefaultValueHorizonDays };
        var noLabels = new Option<bool>("--no-labels") { Description = "Compute features only (for scoring); order lines after the as-of date are then not used" };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "Feature table CSV to write; the load report is written beside it as <name>.load-report.json",
            DefaultValueFactory = _ => new FileInfo(Path.Combine("out", "features.csv")),
        };

        var command = new Command("features", "Build the point-in-time feature table (one row per customer) and write it as CSV")
        {
            asOf, churnHorizon, valueHorizon, noLabels, output,
        };
        input.AddTo(command);
        command.SetAction(parse => CliOutput.Run(() =>
        {
            var data = input.Load(parse);
            var options = new FeatureOptions
            {
                AsOfDate = ParseDate(parse.GetValue(asOf), "--as-of")
                    ?? FeatureBuilder.DefaultAsOfDate(data, parse.GetValue(churnHorizon), parse.GetValue(valueHorizon)),
                ChurnHorizonDays = parse.GetValue(churnHorizon),
                ValueHorizonDays = parse.GetValue(valueHorizon),
                IncludeLabels = !parse.GetValue(noLabels),
            };
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

    private static DateOnly? ParseDate(string? text, string option) =>
        text is null ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw new ArgumentException($"{option} '{text}' is not a date (expected yyyy-MM-dd)");
}
