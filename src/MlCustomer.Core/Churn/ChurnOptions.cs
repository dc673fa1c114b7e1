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
    /// The settings cross-validation chooses from. Churn tables range from a few thousand rows with a
    /// few strong signals (where shallow, heavily regularised trees win) to large transactional
    /// feature sets (where deeper trees help), so no single setting is right for both.
    /// </summary>
    public static IReadOnlyList<ChurnOptions> DefaultCandidates { get; } =
    [
        new() { NumberOfTrees = 400, NumberOfLeaves = 4, LearningRate = 0.05, MinimumExampleCountPerLeaf = 30, FeatureFraction = 1.0 },
        new() { NumberOfTrees = 200, NumberOfLeaves = 8, LearningRate = 0.05, MinimumExampleCountPerLeaf = 50, FeatureFraction = 1.0 },
        new() { NumberOfTrees = 300, NumberOfLeaves = 16, LearningRate = 0.05, MinimumExampleCountPerLeaf = 20, FeatureFraction = 0.8 },
    ];
}
