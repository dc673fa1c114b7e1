using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;
using MlCustomer.Core.Tests.Data;
using MlCustomer.Core.Tiers;
using Xunit.Abstractions;

namespace MlCustomer.Core.Tests.Segments;

/// <summary>Segment names on the real UCI Online Retail export, when it is present next to the repository (it is never inside it).</summary>
public sealed class OnlineRetailSegmentTests(ITestOutputHelper output)
{
    [Fact]
    public void OnlineRetailSegmentsAreNamedUniquelyAndTruthfully()
    {
        var path = Path.Combine(RepositoryFolders.SharedDatasets, "online-retail-uci.csv.gz");
        if (!File.Exists(path))
        {
            output.WriteLine("skipped: data not present");
            return;
        }

        // As `train --churn-horizon 90 --value-horizon 90` does: the training split's customers, tiers from everyone.
        var mapping = DataMapping.Load(Path.Combine(RepositoryFolders.Root, "training-data", "mappings", "uci-retail-export.json"));
        var data = CustomerDataLoader.Load(path, null, new LoadOptions { Mapping = mapping, SkipBadRows = true });
        var table = FeatureBuilder.Build(data, new FeatureOptions { AsOfDate = FeatureBuilder.DefaultAsOfDate(data, 90, 90), ChurnHorizonDays = 90, ValueHorizonDays = 90 });
        var options = new TrainingOptions();
        var byId = table.Rows.ToDictionary(r => r.CustomerId, StringComparer.Ordinal);
        var (train, _) = BundleTrainer.SplitRows(ModelDatasets.FromFeatureTable(table).Rows, options);
        var customers = train.Select(r => byId[r.CustomerId]).ToList();
        var tiers = ProfitTiers.Learn(table.Rows.Select(r => (r.ProfitLast365Days, r.RevenueLast365Days)).ToList(), options.Rules);
        // Names read the lifecycle mix only for its share of new customers, which does not depend on the churn probability.
        var mixes = new SegmentMixRules(tiers, options.Rules.Lifecycle, new double[customers.Count]);

        foreach (var segmentOptions in new[] { options.Segments, options.Segments with { Segments = 7 } })
        {
            var model = SegmentTrainer.Train(new MLContext(seed: options.Seed), customers, segmentOptions, previous: null, mixes);

            foreach (var p in model.Profiles)
            {
                output.WriteLine($"{p.Name}: {p.NameReason}");
            }

            SegmentNameAudit.AssertTruthful(model.Profiles, model.Base);
        }
    }
}
