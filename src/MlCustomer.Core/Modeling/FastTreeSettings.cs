using Microsoft.ML.Trainers.FastTree;

namespace MlCustomer.Core.Modeling;

/// <summary>
/// The one place FastTree options are filled in: every MlCustomer tree model reads the shared
/// featurized vector and differs only in its label and its size settings.
/// </summary>
internal static class FastTreeSettings
{
    /// <summary>FastTree options of type <typeparamref name="TOptions"/> (binary or regression) on the featurized vector.</summary>
    public static TOptions For<TOptions>(
        string labelColumn, int trees, int leaves, double learningRate, int minimumExamplesPerLeaf, double featureFraction)
        where TOptions : BoostedTreeOptions, new() => new()
        {
            LabelColumnName = labelColumn,
            FeatureColumnName = FeatureSchema.FeaturesColumn,
            NumberOfTrees = trees,
            NumberOfLeaves = leaves,
            LearningRate = learningRate,
            MinimumExampleCountPerLeaf = minimumExamplesPerLeaf,
            FeatureFraction = featureFraction,
        };
}
