using System.CommandLine;
using System.Globalization;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;

namespace MlCustomer.Training.Cli;

/// <summary>The as-of date and horizons, shared by every command that builds features.</summary>
internal sealed class FeatureWindowOptions
{
    private readonly Option<string?> asOf = new("--as-of")
    {
        Description = "As-of date (yyyy-MM-dd): features use only events on or before it [default: last order date minus the longer horizon]",
    };

    private readonly Option<int> churnHorizon = new("--churn-horizon")
    {
        Description = "Churn label window in days after the as-of date",
        DefaultValueFactory = _ => FeatureOptions.DefaultChurnHorizonDays,
    };

    private readonly Option<int> valueHorizon = new("--value-horizon")
    {
        Description = "Profit label window in days after the as-of date",
        DefaultValueFactory = _ => FeatureOptions.DefaultValueHorizonDays,
    };

    private readonly Option<bool> snapshotAttributes = new("--snapshot-attributes")
    {
        Description = "Use the customers file's service totals (tickets, complaints, cost, satisfaction) at an as-of date before its export. " +
            "They count events after the as-of date: the features leak the future, and the model card says so. " +
            "Without it they are left out there; dated service events (--service-events) need no opt-in",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(asOf);
        command.Options.Add(snapshotAttributes);
        command.Options.Add(churnHorizon);
        command.Options.Add(valueHorizon);
    }

    /// <summary>True when the user gave no as-of date, so the default one is used.</summary>
    public bool IsDefault(ParseResult parse) =>
        parse.GetValue(asOf) is null
        && parse.GetValue(churnHorizon) == FeatureOptions.DefaultChurnHorizonDays
        && parse.GetValue(valueHorizon) == FeatureOptions.DefaultValueHorizonDays;

    public FeatureOptions Resolve(ParseResult parse, CustomerDataSet data, bool includeLabels)
    {
        var churn = parse.GetValue(churnHorizon);
        var value = parse.GetValue(valueHorizon);
        var date = ParseDate(parse.GetValue(asOf), "--as-of");
        if (date is { } given)
        {
            data.CheckAsOfDate(given, "--as-of");
        }

        return new FeatureOptions
        {
            AsOfDate = date ?? FeatureBuilder.DefaultAsOfDate(data, churn, value),
            ChurnHorizonDays = churn,
            ValueHorizonDays = value,
            IncludeLabels = includeLabels,
            SnapshotAttributesBeforeExport = parse.GetValue(snapshotAttributes),
        };
    }

    public static DateOnly? ParseDate(string? text, string option) =>
        text is null ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw new ArgumentException($"{option} '{text}' is not a date (expected yyyy-MM-dd)");
}
