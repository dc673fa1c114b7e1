namespace MlCustomer.Core.Churn;

/// <summary>Hyperparameters of the churn model: named defaults, no logic.</summary>
public sealed record ChurnOptions
{
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

    /// <summary>Folds of the cross-validation on the training part (also the source of the calibration scores).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>How many reasons (largest contributions) to keep per customer.</summary>
    public int ReasonsPerCustomer { get; init; } = 5;
}
