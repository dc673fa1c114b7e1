using System.Globalization;
using System.Text;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Bundle;

/// <summary>Training on data unlike the sample retailer: what a real export can look like.</summary>
public sealed class BundleTrainerEdgeTests
{
    [Fact]
    public void CustomersWhoNeverBoughtTwiceBeforeTheAsOfDateTrainAModelComparedWithTheRunRateAlone()
    {
        // 600 one-time buyers in the first half of 2024 (as-of 2024-06-30); a quarter buy again in the horizon.
        using var files = new TempFiles();
        var path = files.PathOf("transactions.csv");
        var text = new StringBuilder("customer_id,order_id,order_date,category,quantity,revenue,cost\n");
        var start = new DateOnly(2024, 1, 1);
        var asOf = new DateOnly(2024, 6, 30);
        for (var i = 0; i < 600; i++)
        {
            var revenue = 20 + (i % 37);
            text.Append(CultureInfo.InvariantCulture, $"C{i},O{i}a,{start.AddDays(i % 180):yyyy-MM-dd},Home,1,{revenue},{revenue * 0.6}\n");
            if (i % 4 == 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"C{i},O{i}b,{asOf.AddDays(20 + (i % 140)):yyyy-MM-dd},Garden,2,{2 * revenue},{revenue}\n");
            }
        }

        text.Append("C600,O600a,2024-03-01,Home,1,30,18\nC600,O600b,2025-06-30,Home,1,30,18\n");
        File.WriteAllText(path, text.ToString());
        var data = CustomerDataLoader.Load(path, null, new LoadOptions());
        var features = new FeatureOptions { AsOfDate = asOf };

        var result = BundleTrainer.TrainTransactional(new TransactionalInput(data, [path], null), features, new TrainingOptions { Folds = 2 });

        var value = result.Bundle.Card.LifetimeValue!;
        Assert.Equal(["run rate"], value.Baselines.Keys);
        Assert.StartsWith("not available on this data", value.BaselineDetails["BG/NBD + Gamma-Gamma"], StringComparison.Ordinal);
        Assert.Null(value.Blend);
        Assert.Contains("No blend with BG/NBD", value.Selection, StringComparison.Ordinal);
        Assert.True(double.IsFinite(value.Holdout.Mae));
        Segments.SegmentNameAudit.AssertTruthful(result.Bundle.Card.Segments!);
    }
}
