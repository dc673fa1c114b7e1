using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;
using static MlCustomer.Core.Tests.Decisions.DecisionSamples;

namespace MlCustomer.Core.Tests.Tiers;

public sealed class TierMovementTests
{
    private static TierMovementReport Compare(IEnumerable<CustomerDecision> before, IEnumerable<CustomerDecision> after) =>
        TierMovement.Compare(before.ToDictionary(d => d.CustomerId), after.ToDictionary(d => d.CustomerId));

    public static TheoryData<string, CustomerDecision, CustomerDecision, MovementCategory> Movements => new()
    {
        { "stays A", Decision("x", ProfitTier.A), Decision("x", ProfitTier.A), MovementCategory.Loyal },
        { "stays B", Decision("x", ProfitTier.B), Decision("x", ProfitTier.B), MovementCategory.Loyal },
        { "stays C", Decision("x", ProfitTier.C), Decision("x", ProfitTier.C), MovementCategory.Steady },
        { "D to B", Decision("x", ProfitTier.D), Decision("x", ProfitTier.B), MovementCategory.FastGrowing },
        { "B to A", Decision("x", ProfitTier.B), Decision("x", ProfitTier.A), MovementCategory.FastGrowing },
        { "A to B", Decision("x", ProfitTier.A), Decision("x", ProfitTier.B), MovementCategory.Declining },
        { "A to D", Decision("x", ProfitTier.A), Decision("x", ProfitTier.D), MovementCategory.Declining },
        { "active to lapsed", Decision("x", ProfitTier.A), Decision("x", ProfitTier.A, stage: LifecycleStage.Lapsed), MovementCategory.Sleeping },
        { "at risk to churned, also declining", Decision("x", ProfitTier.B, stage: LifecycleStage.AtRisk), Decision("x", ProfitTier.D, stage: LifecycleStage.Churned), MovementCategory.Sleeping },
        { "lapsed stays lapsed: not newly asleep", Decision("x", ProfitTier.C, stage: LifecycleStage.Lapsed), Decision("x", ProfitTier.C, stage: LifecycleStage.Lapsed), MovementCategory.Steady },
        { "C now, predicted A", Decision("x", ProfitTier.C), Decision("x", ProfitTier.C, predictedTier: ProfitTier.A), MovementCategory.WorthCultivating },
        { "D to C, predicted B: cultivating beats growing", Decision("x", ProfitTier.D), Decision("x", ProfitTier.C, predictedTier: ProfitTier.B), MovementCategory.WorthCultivating },
        { "A to C, predicted B", Decision("x", ProfitTier.A), Decision("x", ProfitTier.C, predictedTier: ProfitTier.B), MovementCategory.WorthCultivating },
        { "C now, predicted C", Decision("x", ProfitTier.B), Decision("x", ProfitTier.C, predictedTier: ProfitTier.C), MovementCategory.Declining },
    };

    [Theory]
    [MemberData(nameof(Movements))]
    public void EachCustomerGetsTheFirstCategoryThatApplies(string name, CustomerDecision before, CustomerDecision after, MovementCategory expected)
    {
        var movement = Compare([before], [after]).Customers.Single();

        Assert.True(expected == movement.Category, $"{name}: expected {expected}, got {movement.Category} ({movement.Reason})");
        Assert.StartsWith(WireNames.Of(expected) + ":", movement.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NewAndGoneCustomersAreCountedOutsideTheMatrix()
    {
        var report = Compare([Decision("old", ProfitTier.A), Decision("both", ProfitTier.B)], [Decision("both", ProfitTier.B), Decision("young", ProfitTier.D)]);

        Assert.Equal(["both", "old", "young"], report.Customers.Select(c => c.CustomerId));
        Assert.Equal((1, 1, 1), (report.Count(MovementCategory.New), report.Count(MovementCategory.Gone), report.Count(MovementCategory.Loyal)));
        Assert.Equal(1, report.Migration.Sum(c => c.Customers));
        Assert.Equal("gone: tier A at the earlier date (profit 500.00), not among the customers at the later date", report.Customers[1].Reason);
    }

    [Fact]
    public void MigrationMatrixCountsCustomersAndProfitAtBothDates()
    {
        var report = Compare(
            [Decision("1", ProfitTier.A, profit: 1_200), Decision("2", ProfitTier.A, profit: 1_100), Decision("3", ProfitTier.D, profit: 10), Decision("4", ProfitTier.A, profit: 1_500)],
            [Decision("1", ProfitTier.A, profit: 1_300), Decision("2", ProfitTier.C, profit: 100), Decision("3", ProfitTier.B, profit: 400), Decision("4", ProfitTier.A, profit: 1_000)]);

        Assert.Equal(16, report.Migration.Count);
        Assert.Equal(new TierMigrationCell(ProfitTier.A, ProfitTier.A, 2, 2_700, 2_300), report.Cell(ProfitTier.A, ProfitTier.A));
        Assert.Equal(new TierMigrationCell(ProfitTier.A, ProfitTier.C, 1, 1_100, 100), report.Cell(ProfitTier.A, ProfitTier.C));
        Assert.Equal(new TierMigrationCell(ProfitTier.D, ProfitTier.B, 1, 10, 400), report.Cell(ProfitTier.D, ProfitTier.B));
        Assert.Equal(0, report.Cell(ProfitTier.B, ProfitTier.B).Customers);
        Assert.Equal("fastGrowing: tier D → B (profit 10.00 → 400.00)", report.Customers.Single(c => c.CustomerId == "3").Reason);
    }

    [Fact]
    public void CountsListEveryCategoryInOrderWithItsMeaning()
    {
        var report = Compare([], []);

        Assert.Equal(Enum.GetValues<MovementCategory>(), report.Counts.Select(c => c.Category));
        Assert.All(report.Counts, c => Assert.Equal(0, c.Customers));
        Assert.Equal("was active, now lapsed or churned", report.Counts[0].Meaning);
    }
}
