namespace MlCustomer.Core.Churn;

/// <summary>The gradient-boosted tree library that trains the churn model.</summary>
public enum ChurnAlgorithm
{
    /// <summary>ML.NET's FastTree (the default).</summary>
    FastTree,

    /// <summary>Microsoft's LightGBM through ML.NET (native library, same trees and contributions).</summary>
    LightGbm,
}

/// <summary>Hyperparameters of the churn model: named defaults, no logic.</summary>
public sealed record ChurnOptions
{
    /// <summary>The library that trains the trees.</summary>
    public ChurnAlgorithm Algorithm { get; init; } = ChurnAlgorithm.FastTree;

    /// <summary>The algorithm in words, for the model card.</summary>
    public string AlgorithmName => Algorithm == ChurnAlgorithm.LightGbm ? "LightGBM binary classification" : "FastTree binary classification";

    /// <summary>The library in one word, for candidate lists.</summary>
    public string AlgorithmShortName => Algorithm == ChurnAlgorithm.LightGbm ? "LightGBM" : "FastTree";

    /// <summary>Boosted trees in the ensemble.</summary>
    public int NumberOfTrees { get; init; } = 300;

    /// <summary>Leaves per tree.</summary>
    public int NumberOfLeaves { get; init; } = 16;

    /// <summary>Shrinkage of each tree's contribution.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>Fewest customers a leaf may hold; larger values smooth small tables.</summary>
    public int MinimumExampleCountPerLeaf { get; init; } = 20;

    /// <summary>Share of features each tree may use.</summary>
    public double FeatureFraction { get; init; } = 0.8;

    /// <summary>One line naming the settings, for the card and the console.</summary>
    public string Describe() =>
        $"{NumberOfTrees} trees, {NumberOfLeaves} leaves, learning rate {LearningRate}, at least {MinimumExampleCountPerLeaf} per leaf, feature fraction {FeatureFraction}";

    /// <summary>
    /// The settings the churn search chooses from (FastTree; <see cref="WithLightGbm"/> adds the same settings in
    /// LightGBM). Churn tables range from a few thousand rows with a few strong signals (where shallow, heavily
    /// regularised trees win) to large transactional feature sets (where deeper trees and more data per leaf help), so
    /// no single setting is right for both. The first three are the grid of earlier versions, first so that a tie
    /// keeps what they chose; the others vary the learning rate, leaf size and feature fraction around them.
    /// </summary>
    public static IReadOnlyList<ChurnOptions> DefaultCandidates { get; } =
    [
        new() { NumberOfTrees = 400, NumberOfLeaves = 4, LearningRate = 0.05, MinimumExampleCountPerLeaf = 30, FeatureFraction = 1.0 },
        new() { NumberOfTrees = 200, NumberOfLeaves = 8, LearningRate = 0.05, MinimumExampleCountPerLeaf = 50, FeatureFraction = 1.0 },
        new() { NumberOfTrees = 300, NumberOfLeaves = 16, LearningRate = 0.05, MinimumExampleCountPerLeaf = 20, FeatureFraction = 0.8 },
        new() { NumberOfTrees = 500, NumberOfLeaves = 8, LearningRate = 0.03, MinimumExampleCountPerLeaf = 20, FeatureFraction = 0.7 },
        new() { NumberOfTrees = 150, NumberOfLeaves = 32, LearningRate = 0.1, MinimumExampleCountPerLeaf = 50, FeatureFraction = 0.8 },
        new() { NumberOfTrees = 300, NumberOfLeaves = 16, LearningRate = 0.03, MinimumExampleCountPerLeaf = 100, FeatureFraction = 0.6 },
    ];

    /// <summary>Each candidate in FastTree and again in LightGBM: the search over the algorithm as well.</summary>
    public static IReadOnlyList<ChurnOptions> WithLightGbm(IReadOnlyList<ChurnOptions> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return [.. candidates.Select(c => c with { Algorithm = ChurnAlgorithm.FastTree }), .. candidates.Select(c => c with { Algorithm = ChurnAlgorithm.LightGbm })];
    }
}
