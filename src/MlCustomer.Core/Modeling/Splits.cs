namespace MlCustomer.Core.Modeling;

/// <summary>
/// Seeded, stratified customer-level splits: every customer lands in exactly one part, and each part
/// keeps the share of churners of the whole.
/// </summary>
public static class Splits
{
    /// <summary>The default share of customers held out for every reported metric.</summary>
    public const double DefaultHoldoutShare = 0.2;

    /// <summary>Indexes of the training and held-out customers.</summary>
    public static (int[] Train, int[] Holdout) TrainHoldout(IReadOnlyList<bool> strata, double holdoutShare, int seed)
    {
        ArgumentNullException.ThrowIfNull(strata);
        if (holdoutShare is <= 0 or >= 1)
        {
            throw new ArgumentException($"The held-out share must be between 0 and 1 (exclusive), not {holdoutShare}.", nameof(holdoutShare));
        }

        var train = new List<int>();
        var holdout = new List<int>();
        var random = new Random(seed);
        foreach (var group in Strata(strata))
        {
            Shuffle(group, random);
            var holdoutCount = (int)Math.Round(group.Count * holdoutShare);
            holdout.AddRange(group.Take(holdoutCount));
            train.AddRange(group.Skip(holdoutCount));
        }

        train.Sort();
        holdout.Sort();
        return (train.ToArray(), holdout.ToArray());
    }

    /// <summary>For each row, the fold (0 … folds − 1) it is held out in, stratified.</summary>
    public static int[] Folds(IReadOnlyList<bool> strata, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(strata);
        if (folds < 2)
        {
            throw new ArgumentException($"Cross-validation needs at least 2 folds, not {folds}.", nameof(folds));
        }

        var fold = new int[strata.Count];
        var random = new Random(seed);
        var next = 0;
        foreach (var group in Strata(strata))
        {
            Shuffle(group, random);
            foreach (var index in group)
            {
                fold[index] = next++ % folds;
            }
        }

        return fold;
    }

    private static List<List<int>> Strata(IReadOnlyList<bool> strata) =>
    [
        Enumerable.Range(0, strata.Count).Where(i => !strata[i]).ToList(),
        Enumerable.Range(0, strata.Count).Where(i => strata[i]).ToList(),
    ];

    private static void Shuffle(List<int> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
