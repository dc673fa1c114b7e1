using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.SampleData;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Bundle;

/// <summary>
/// Every model draws its random numbers from a context of its own, seeded from the training seed: how many churn
/// settings the search tries cannot change the segmentation (it once went from 4 to 5 segments when the grid grew).
/// </summary>
public sealed class ModelSeedTests : IDisposable
{
    private readonly TempFiles files = new();

    [Fact]
    public void TheSegmentationIsTheSameWhetherTheChurnSearchTriesOneSettingOrSix()
    {
        var folder = files.Folder("data");
        SampleDataGenerator.Write(new SampleDataOptions { Customers = 1_500, Seed = 11 }, folder);
        var paths = new[] { Path.Combine(folder, SampleDataGenerator.TransactionsFile), Path.Combine(folder, SampleDataGenerator.CustomersFile) };
        var data = CustomerDataLoader.Load(paths[0], paths[1], new LoadOptions());
        var features = new FeatureOptions { AsOfDate = FeatureBuilder.DefaultAsOfDate(data, 180, 365) };
        var options = new TrainingOptions { Folds = 3, Value = new() { BlendWeights = [1] } };
        TrainingResult Train(IReadOnlyList<ChurnOptions> candidates) =>
            BundleTrainer.TrainTransactional(new TransactionalInput(data, paths, null), features, options with { ChurnCandidates = candidates });

        var one = Train([ChurnOptions.DefaultCandidates[2]]).Bundle.Card;
        var six = Train(ChurnOptions.DefaultCandidates).Bundle.Card;

        Assert.Single(one.Churn.Candidates!);
        Assert.Equal(6, six.Churn.Candidates!.Count);
        var (a, b) = (one.Segments!, six.Segments!);
        Assert.Equal(a.Candidates, b.Candidates);
        Assert.Equal(a.ClusterToSegment, b.ClusterToSegment);
        Assert.Equal(a.Profiles.Select(p => (p.Id, p.Customers, p.MeanProfit)), b.Profiles.Select(p => (p.Id, p.Customers, p.MeanProfit)));
        Assert.Equal(a.Profiles.Select(p => p.Centroid), b.Profiles.Select(p => p.Centroid));
        // The value models do not depend on the churn search either.
        Assert.Equal((one.LifetimeValue!.Holdout.Mae, one.LifetimeValue.Holdout.NormalizedGini), (six.LifetimeValue!.Holdout.Mae, six.LifetimeValue.Holdout.NormalizedGini));
        Assert.Equal((one.Revenue!.Holdout.Mae, one.Revenue.Holdout.NormalizedGini), (six.Revenue!.Holdout.Mae, six.Revenue.Holdout.NormalizedGini));
    }

    public void Dispose() => files.Dispose();
}
