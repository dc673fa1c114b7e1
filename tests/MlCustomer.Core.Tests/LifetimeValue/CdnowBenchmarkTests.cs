using System.Globalization;
using MlCustomer.Core.LifetimeValue;
using Xunit.Abstractions;

namespace MlCustomer.Core.Tests.LifetimeValue;

/// <summary>
/// The published benchmark on real data: the CDNOW 1/10 sample (2,357 customers, 39 weeks), which lives
/// outside the repository in ../shared/datasets (see the README's "Public data sets"). Without it the test is
/// reported as skipped.
/// </summary>
public sealed class CdnowBenchmarkTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void FittingCdnowReproducesThePublishedEstimatesAndLogLikelihood()
    {
        var customers = LoadCdnowSummary()
            ?? throw new SkipException("data not present: ../shared/datasets/cdnow-sample-summary.csv (see the README's \"Public data sets\")");

        var model = BgNbdModel.Fit(customers);
        output.WriteLine(model.ToString());

        // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
        Assert.Equal(2_357, customers.Count);
        Assert.Equal(0.243, model.R, 0.243 * 0.01);
        Assert.Equal(4.414, model.Alpha, 4.414 * 0.01);
        Assert.Equal(0.793, model.A, 0.793 * 0.01);
        Assert.Equal(2.426, model.B, 2.426 * 0.01);
        Assert.Equal(-9582.4, model.Estimation!.LogLikelihood, 0.05);
        Assert.Equal(-9582.4, new BgNbdModel(0.243, 4.414, 0.793, 2.426).LogLikelihood(customers), 0.05);

        // Hardie's spreadsheet values, computed at the unrounded estimates (lifetimes checks them to 3 decimals).
        Assert.Equal(1.226, model.ExpectedPurchases(new RepeatPurchaseHistory(2, 30.43, 38.86), 39), 0.001);
        double[] weeks = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0];
        double[] spreadsheet = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
        for (var i = 0; i < weeks.Length; i++)
        {
            Assert.Equal(spreadsheet[i], model.ExpectedPurchasesOfNewCustomer(weeks[i]), 0.001);
        }
    }

    private static List<RepeatPurchaseHistory>? LoadCdnowSummary()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MlCustomer.sln")))
        {
            directory = directory.Parent;
        }

        if (directory?.Parent is null)
        {
            return null;
        }

        var path = Path.Combine(directory.Parent.FullName, "shared", "datasets", "cdnow-sample-summary.csv");
        if (!File.Exists(path))
        {
            return null;
        }

        // Columns ID,frequency,recency,T (weeks).
        return File.ReadLines(path)
            .Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split(','))
            .Select(fields => new RepeatPurchaseHistory(
                double.Parse(fields[1], CultureInfo.InvariantCulture),
                double.Parse(fields[2], CultureInfo.InvariantCulture),
                double.Parse(fields[3], CultureInfo.InvariantCulture)))
            .ToList();
    }
}
