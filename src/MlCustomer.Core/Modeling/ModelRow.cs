namespace MlCustomer.Core.Modeling;

/// <summary>
/// One customer as every MlCustomer model sees it: a numeric vector and a categorical vector whose
/// sizes and names come from the <see cref="FeatureSchema"/> at run time, so the same input type
/// serves sample data, any customer table and the API.
/// </summary>
public sealed class ModelRow
{
    /// <summary>The customer id (passed through, never a feature).</summary>
    public string CustomerId { get; set; } = "";

    /// <summary>Numeric features in <see cref="FeatureSchema.NumericNames"/> order; NaN = missing.</summary>
    public float[] Numeric { get; set; } = [];

    /// <summary>
    /// Categorical features in <see cref="FeatureSchema.CategoricalNames"/> order, each as
    /// "name=value" so that one shared vocabulary one-hot encodes every column without collisions.
    /// </summary>
    public string[] Categorical { get; set; } = [];

    /// <summary>Churn label (true = churned); false when unknown.</summary>
    public bool Label { get; set; }

    /// <summary>Value label (profit in the horizon); 0 when unknown.</summary>
    public float Value { get; set; }
}

/// <summary>The output every churn model produces from a <see cref="ModelRow"/>.</summary>
public sealed class ChurnScore
{
    /// <summary>Raw model score (before MlCustomer's calibration).</summary>
    public float Score { get; set; }

    /// <summary>Per-slot contributions to the score, in the featurized vector's slot order.</summary>
    public float[] FeatureContributions { get; set; } = [];
}

/// <summary>The output of a regression model from a <see cref="ModelRow"/>.</summary>
public sealed class ValueScore
{
    /// <summary>The predicted value (profit in the horizon).</summary>
    [Microsoft.ML.Data.ColumnName(PredictedValueColumn)]
    public float PredictedValue { get; set; }

    /// <summary>The column every lifetime value chain outputs its prediction in.</summary>
    public const string PredictedValueColumn = "PredictedValue";

    /// <summary>Per-slot contributions to the score, in the featurized vector's slot order.</summary>
    public float[] FeatureContributions { get; set; } = [];
}
