using Microsoft.ML;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Tests.LifetimeValue;

namespace MlCustomer.Core.Tests.Churn;

public sealed class ChurnSearchTests(SmallValueData sample) : IClassFixture<SmallValueData>
{
    // Small, different settings, so the rounds rank them and the test stays quick.
    private static readonly ChurnOptions[] Candidates =
    [
        new() { NumberOfTrees = 20, NumberOfLeaves = 2, LearningRate = 0.05, MinimumExampleCountPerLeaf = 200, FeatureFraction = 1 },
        new() { NumberOfTrees = 40, NumberOfLeaves = 4, LearningRate = 0.1, MinimumExampleCountPerLeaf = 20, FeatureFraction = 1 },
        new() { NumberOfTrees = 30, NumberOfLeaves = 8, LearningRate = 0.1, MinimumExampleCountPerLeaf = 20, FeatureFraction = 0.8 },
        new() { NumberOfTrees = 10, NumberOfLeaves = 2, LearningRate = 0.02, MinimumExampleCountPerLeaf = 300, FeatureFraction = 0.5 },
    ];

    // Halving forced on a small sample: two rounds of races on subsamples, then the winner's calibration folds on 600 rows.
    private static readonly ChurnSearchOptions Halving = new() { FullGridCustomers = 150, MaxCrossValidationCustomers = 600, Reduction = 2 };

    [Fact]
    public void SuccessiveHalvingStoresEveryCandidatesScoreAndChoosesTheSameSettingsForTheSameSeed()
    {
        var rows = sample.Rows;
        var first = ChurnTrainer.Train(new MLContext(seed: 3), sample.Schema, rows, Candidates, folds: 3, seed: 3, Halving);
        var again = ChurnTrainer.Train(new MLContext(seed: 3), sample.Schema, rows, Candidates, folds: 3, seed: 3, Halving);

        Assert.Equal(Described(first.Candidates), Described(again.Candidates));
        Assert.Equal(first.Options, again.Options);
        Assert.Equal(ChurnTrainer.RawScores(new MLContext(1), first.Model, sample.Schema, rows), ChurnTrainer.RawScores(new MLContext(1), again.Model, sample.Schema, rows));

        // Round 1: all four on 150 customers; round 2: the best two on 300; round 3: the winner on 600.
        Assert.Equal([4, 2, 1], first.Candidates.GroupBy(c => c.Round).OrderBy(g => g.Key).Select(g => g.Count()));
        Assert.Equal([150, 300, 600], first.Candidates.GroupBy(c => c.Round).OrderBy(g => g.Key).Select(g => g.First().Customers));
        Assert.All(first.Candidates, c => Assert.Equal(3, c.Auc.Folds.Count));
        var chosen = Assert.Single(first.Candidates, c => c.Outcome == ChurnCandidateScore.Chosen);
        Assert.Equal(first.Options, chosen.Options);
        Assert.Equal(chosen.Auc.Folds, first.CrossValidationAuc);
        // Survivors of a round are its best: none that advanced scored below one that was dropped.
        foreach (var round in first.Candidates.Where(c => c.Round < 3).GroupBy(c => c.Round))
        {
            var advanced = round.Where(c => c.Outcome == ChurnCandidateScore.Advanced).Min(c => c.Auc.Mean);
            Assert.All(round.Where(c => c.Outcome == ChurnCandidateScore.Dropped), c => Assert.True(c.Auc.Mean <= advanced));
        }

        // Only the final sample has out-of-fold scores; the rest are marked, not made up.
        Assert.True(rows.Count > 600);
        Assert.Equal(600, first.FoldOf.Count(f => f >= 0));
        Assert.Equal(rows.Count - 600, first.OutOfFoldScores.Count(double.IsNaN));
        var sampled = first.FoldOf.Select((f, i) => (f, i)).Where(x => x.f >= 0).Select(x => rows[x.i].Label).ToList();
        Assert.InRange(sampled.Count(l => l) / (double)sampled.Count, rows.Count(r => r.Label) / (double)rows.Count - 0.005, rows.Count(r => r.Label) / (double)rows.Count + 0.005);
    }

    [Fact]
    public void SmallDataCrossValidatesEveryCandidateOnEveryRowInOneRound()
    {
        var rows = sample.Rows;
        var model = ChurnTrainer.Train(new MLContext(seed: 3), sample.Schema, rows, Candidates[..2], folds: 3, seed: 3);

        Assert.All(model.Candidates, c => Assert.Equal((1, rows.Count), (c.Round, c.Customers)));
        Assert.Equal(2, model.Candidates.Count);
        Assert.DoesNotContain(model.OutOfFoldScores, double.IsNaN);
        // One-standard-error rule: the earliest candidate within one standard error of the best mean AUC.
        var best = model.Candidates.MaxBy(c => c.Auc.Mean)!;
        var withinNoise = best.Auc.Mean - best.Auc.StandardDeviation / Math.Sqrt(3);
        var earliest = Candidates[..2].First(c => model.Candidates.Single(s => s.Options == c).Auc.Mean >= withinNoise);
        Assert.Equal(earliest, model.Options);
        Assert.Equal(ChurnCandidateScore.Chosen, model.Candidates.Single(s => s.Options == earliest).Outcome);
    }

    private static List<string> Described(IEnumerable<ChurnCandidateScore> scores) =>
        [.. scores.Select(s => $"{s.Round} {s.Customers} {s.Options} {string.Join(",", s.Auc.Folds)} {s.Outcome}")];
}
