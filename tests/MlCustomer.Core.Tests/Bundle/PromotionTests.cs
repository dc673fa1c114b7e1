using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Tests.CustomerTables;
using MlCustomer.Core.Tests.Data;

namespace MlCustomer.Core.Tests.Bundle;

public sealed class PromotionTests : IDisposable
{
    private readonly TempFiles files = new();

    [Fact]
    public void PromoteRefusesAWorseBundleKeepsTheServingOneAndPromotesWhenForced()
    {
        var path = files.Write("contracts.csv", SmallTableBundle.Write(withId: true));
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "Churn" });
        var options = new TrainingOptions { Folds = 3, ChurnCandidates = [ChurnOptions.DefaultCandidates[0] with { NumberOfTrees = 60 }] };
        var ml = new MLContext(1);
        var active = files.PathOf("active");
        var weak = files.PathOf("weak");
        var good = BundleTrainer.TrainTable(table, path, options).Bundle;
        good.Save(ml, active);
        BundleTrainer.TrainTable(table, path, options with { ChurnCandidates = [new ChurnOptions { NumberOfTrees = 1, NumberOfLeaves = 2, MinimumExampleCountPerLeaf = 150 }] })
            .Bundle.Save(ml, weak);

        var (verdict, promoted) = BundleFolderPromotion.Promote(ml, weak, active, force: false);

        Assert.False(promoted);
        Assert.True(verdict!.Comparable);
        Assert.True(verdict.Worse);
        Assert.Contains(verdict.Metrics, m => m.Metric == "churn AUC" && m.Worse);
        Assert.Equal(good.Card.Version, ModelBundle.ReadCard(active).Version);
        Assert.False(Directory.Exists(BundleFolderPromotion.PreviousFolder(active)));

        var (_, forced) = BundleFolderPromotion.Promote(ml, weak, active, force: true);

        Assert.True(forced);
        Assert.Equal(ModelBundle.ReadCard(weak).Version, ModelBundle.ReadCard(active).Version);
        Assert.Equal(good.Card.Version, ModelBundle.ReadCard(BundleFolderPromotion.PreviousFolder(active)).Version);
        BundleVersion.Verify(active);

        // Back again: the good bundle is better than the weak one serving now, so no force is needed.
        var (back, again) = BundleFolderPromotion.Promote(ml, BundleFolderPromotion.PreviousFolder(active), active, force: false);
        Assert.True(again);
        Assert.False(back!.Worse);
        Assert.Equal(good.Card.Version, ModelBundle.ReadCard(active).Version);
    }

    [Fact]
    public void BundlesHeldOutOnDifferentCustomersCannotBeComparedFromTheirCards()
    {
        var path = files.Write("contracts.csv", SmallTableBundle.Write(withId: true));
        var table = CustomerTableLoader.Load(path, new CustomerTableOptions { IdColumn = "customer", LabelColumn = "Churn" });
        var options = new TrainingOptions { Folds = 3, ChurnCandidates = [ChurnOptions.DefaultCandidates[0] with { NumberOfTrees = 30 }] };
        var first = BundleTrainer.TrainTable(table, path, options).Bundle.Card;
        var second = BundleTrainer.TrainTable(table, path, options with { Seed = 7 }).Bundle.Card;

        var verdict = BundlePromotion.Judge(first, second);

        Assert.False(verdict.Comparable);
        Assert.True(verdict.Worse);
        Assert.Contains("different held-out customers", verdict.Verdict, StringComparison.Ordinal);
        Assert.Contains("force=true", verdict.Verdict, StringComparison.Ordinal);
        Assert.False(BundlePromotion.Judge(first, first).Worse);
    }

    public void Dispose() => files.Dispose();
}
