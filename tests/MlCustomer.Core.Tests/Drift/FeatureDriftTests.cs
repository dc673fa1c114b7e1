using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.Tests.Drift;

public sealed class FeatureDriftTests
{
    private static readonly FeatureSchema Schema = new(["recency_days", "satisfaction"], ["region"]);

    [Fact]
    public void PsiIsTheSumOfShareChangesTimesTheLogOfTheirRatio()
    {
        // (0.9 − 0.5) ln(0.9 / 0.5) + (0.1 − 0.5) ln(0.1 / 0.5)
        Assert.Equal((0.4 * Math.Log(1.8)) + (0.4 * Math.Log(5)), FeatureDrift.Psi([0.5, 0.5], [0.9, 0.1]), 12);
        Assert.Equal(0, FeatureDrift.Psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]));

        // An empty bin counts as 0.01%: finite, and one stray customer there is no shift.
        Assert.True(double.IsFinite(FeatureDrift.Psi([0, 1], [0.5, 0.5])));
        Assert.True(FeatureDrift.Psi([0, 1], [0.0001, 0.9999]) < 1e-6);
        Assert.Throws<ArgumentException>(() => FeatureDrift.Psi([1], [0.5, 0.5]));
    }

    [Theory]
    [InlineData(0.099, DriftLevel.Stable)]
    [InlineData(0.1, DriftLevel.Moderate)]
    [InlineData(0.249, DriftLevel.Moderate)]
    [InlineData(0.25, DriftLevel.Shifted)]
    public void PsiBandsAreTheUsualOnes(double psi, DriftLevel level) => Assert.Equal(level, FeatureDrift.LevelOf(psi));

    [Fact]
    public void TheBinEdgesAreTheDecilesWithoutRepeats()
    {
        Assert.Equal([10.0, 20, 30, 40, 50, 60, 70, 80, 90], FeatureDrift.DecileEdges([.. Enumerable.Range(1, 100).Select(i => (double)i)]));
        Assert.Equal([0.0, 1, 2], FeatureDrift.DecileEdges([.. Enumerable.Repeat(0.0, 50), .. Enumerable.Repeat(1.0, 30), .. Enumerable.Repeat(2.0, 20)]));
        Assert.Empty(FeatureDrift.DecileEdges([]));
    }

    [Fact]
    public void TheContractKeepsTheTrainingSharesOfEveryBinIncludingMissingValues()
    {
        var contract = FeatureContract.Learn(Schema, Rows(1_000));

        var recency = contract.Features[0];
        Assert.Equal(recency.BinEdges!.Count + 2, recency.BinShares!.Count);
        Assert.Equal(1, recency.BinShares.Sum(), 9);
        Assert.Equal(0.1, recency.BinShares[^1], 9); // every tenth row has no recency
        var region = contract.Features[2];
        Assert.Equal(region.Categories!.Count + 1, region.BinShares!.Count);
        Assert.Equal(0, region.BinShares[^1]); // nothing outside the training categories in training
    }

    [Fact]
    public void TheTrainingRowsThemselvesShowNoDrift()
    {
        var rows = Rows(1_000);

        var drift = FeatureDrift.Measure(FeatureContract.Learn(Schema, rows), rows);

        Assert.Equal(["recency_days", "region", "satisfaction"], drift.Select(d => d.Feature).Order(StringComparer.Ordinal));
        Assert.All(drift, d => Assert.Equal(0, d.Psi, 12));
        Assert.All(drift, d => Assert.Equal(DriftLevel.Stable, d.Level));
    }

    [Fact]
    public void AMovedFeatureIsShiftedAndNamesTheBinThatMovedMost()
    {
        var training = Rows(1_000);
        var later = Rows(1_000).Select(r => new ModelRow { CustomerId = r.CustomerId, Numeric = [r.Numeric[0] * 3, r.Numeric[1]], Categorical = r.Categorical }).ToList();

        var drift = FeatureDrift.Measure(FeatureContract.Learn(Schema, training), later);

        var recency = drift[0];
        Assert.Equal("recency_days", recency.Feature);
        Assert.Equal(DriftLevel.Shifted, recency.Level);
        Assert.StartsWith("> ", recency.LargestMove, StringComparison.Ordinal); // tripled values pile up above the top decile
        Assert.Equal(0.1, recency.TrainingMissingShare, 9);
        Assert.Equal(0.1, recency.MissingShare, 9);
        Assert.All(drift.Skip(1), d => Assert.Equal(DriftLevel.Stable, d.Level));
    }

    [Fact]
    public void MoreMissingValuesAndUnseenCategoriesCountAsDrift()
    {
        var training = Rows(1_000);
        var later = Rows(1_000)
            .Select((r, i) => new ModelRow
            {
                CustomerId = r.CustomerId,
                Numeric = [i % 2 == 0 ? float.NaN : r.Numeric[0], r.Numeric[1]],
                Categorical = [i % 7 == 0 ? FeatureSchema.Term("region", "Mars") : r.Categorical[0]],
            })
            .ToList();

        var drift = FeatureDrift.Measure(FeatureContract.Learn(Schema, training), later).ToDictionary(d => d.Feature);

        Assert.Equal(DriftLevel.Shifted, drift["recency_days"].Level);
        Assert.Equal(0.5, drift["recency_days"].MissingShare, 9); // every other row, including every tenth
        Assert.Equal(DriftLevel.Shifted, drift["region"].Level);
        Assert.Equal("not seen in training: 0.0% → 14.3%", drift["region"].LargestMove);
    }

    [Fact]
    public void AContractWithoutTrainingDistributionsSaysToRetrain()
    {
        var rows = Rows(100);
        var learned = FeatureContract.Learn(Schema, rows);
        var old = new FeatureContract([.. learned.Features.Select(f => f with { BinEdges = null, BinShares = null })]);

        var error = Assert.Throws<InvalidOperationException>(() => FeatureDrift.Measure(old, rows));

        Assert.Contains("recency_days", error.Message, StringComparison.Ordinal);
        Assert.Contains("Retrain", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => FeatureDrift.Measure(learned, []));
    }

    [Fact]
    public void AModelOutputIsComparedWithItsHeldOutDistribution()
    {
        double[] heldOut = [.. Enumerable.Range(0, 500).Select(i => i / 500.0)];
        var training = FeatureDrift.LearnOutputs(heldOut);

        var same = FeatureDrift.MeasureOutput("churn probability", training, heldOut);
        var higher = FeatureDrift.MeasureOutput("churn probability", training, [.. heldOut.Select(p => Math.Min(1, p + 0.3))]);

        Assert.Equal(9, training.BinEdges.Count);
        Assert.Equal(0, same.Psi, 12);
        Assert.Equal(DriftLevel.Stable, same.Level);
        Assert.Equal(DriftLevel.Shifted, higher.Level);
        Assert.StartsWith("> 0.898: 10.0% → 40.", higher.LargestMove, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => FeatureDrift.MeasureOutput("churn probability", training, []));
    }

    // Recency 0…999 (every tenth missing), satisfaction 1…5, three regions.
    private static List<ModelRow> Rows(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new ModelRow
        {
            CustomerId = $"C{i}",
            Numeric = [i % 10 == 0 ? float.NaN : i, 1 + (i % 5)],
            Categorical = [FeatureSchema.Term("region", (i % 3) switch { 0 => "North", 1 => "South", _ => "East" })],
        })];
}
