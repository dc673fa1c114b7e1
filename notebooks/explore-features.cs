#:project ../src/MlCustomer.Core/MlCustomer.Core.csproj
#:property TreatWarningsAsErrors=false

// A notebook for data scientists, as a .NET 10 single-file program (the dotnet-interactive kernel is
// not available in our package feed): run it from the repository root with
//   dotnet run notebooks/explore-features.cs
// It loads the committed sample data, builds the point-in-time feature table at the default as-of
// date and prints what a data scientist looks at first: label balance, feature summaries, how churn
// varies with recency, and the profit concentration. Edit and rerun, like a notebook cell.
using Microsoft.Data.Analysis;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;

var data = CustomerDataLoader.Load("training-data/transactions.csv", "training-data/customers.csv", new LoadOptions());
var options = new FeatureOptions { AsOfDate = FeatureBuilder.DefaultAsOfDate(data, 180, 365) };
var table = FeatureBuilder.Build(data, options);
Console.WriteLine($"as-of {options.AsOfDate:yyyy-MM-dd}: {table.Rows.Count:N0} customers");
Console.WriteLine(table.Report.ToText());

// The feature table as a Microsoft.Data.Analysis DataFrame: describe the numeric columns.
DataFrame frame = FeatureTableExport.ToDataFrame(table);
Console.WriteLine(frame.Description());

// Churn rate by recency band: the single strongest signal, and the baseline every model must beat.
foreach (var band in table.Rows.GroupBy(r => r.RecencyDays switch { < 30 => "0-29", < 90 => "30-89", < 180 => "90-179", < 365 => "180-364", _ => "365+" }).OrderBy(g => g.Min(r => r.RecencyDays)))
{
    Console.WriteLine($"recency {band.Key,8} days: {band.Count(),6:N0} customers, churn {band.Average(r => r.Churned == true ? 1.0 : 0):P1}");
}

// Profit concentration: share of trailing-year profit from the top 20% of customers.
var profits = table.Rows.Select(r => r.ProfitLast365Days).OrderByDescending(p => p).ToList();
var top = profits.Take(profits.Count / 5).Sum();
Console.WriteLine($"top 20% of customers bring {top / profits.Sum():P1} of trailing-year profit");
