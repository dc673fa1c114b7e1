namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// Hyperparameters of the lifetime value model: named defaults, no logic. Every FastTree of the model
/// (the single regression, or both parts of the two-part model) uses the same settings.
/// </summary>
/// <remarks>
/// The defaults were chosen by 5-fold cross-validation on the training part of the committed sample data
/// (never on its held-out customers), starting from 200 trees, 16 leaves, learning rate 0.05, 30 per leaf:
/// small trees (4 leaves) gave the two-part model a mean normalized Gini of about 0.742 against 0.728 with
/// 16 leaves; more trees, a lower learning rate, 3 or 8 leaves, 20–200 per leaf, row bagging, tree output
/// smoothing and capped labels all landed within 0.005 of that or below it (32 leaves 0.724, a signed-log
/// amount 0.710, FastTree Tweedie on profit clipped at 0 about 0.736), so a simple setting in that band is kept.
/// </remarks>
public sealed record LifetimeValueOptions
{
    /// <summary>Boosted trees in each ensemble.</summary>
    public int NumberOfTrees { get; init; } = 300;

    /// <summary>Leaves per tree.</summary>
    public int NumberOfLeaves { get; init; } = 4;

    /// <summary>Shrinkage of each tree's contribution.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>
    /// Fewest customers a leaf may hold. Profit is heavy-tailed, so small leaves chase a handful of big
    /// spenders; a large minimum is the main regulariser.
    /// </summary>
    public int MinimumExampleCountPerLeaf { get; init; } = 50;

    /// <summary>Share of features each tree may use.</summary>
    public double FeatureFraction { get; init; } = 0.7;

    /// <summary>Folds of the cross-validation on the training part that chooses between the candidates.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>
    /// Most training customers the choice of form and blend weight is cross-validated on: above it, a sample stratified by
    /// value ≠ 0 (the served model is still fitted on every training customer). Ten fits on 100,000 customers tell the forms
    /// apart as well as on 800,000, at an eighth of the time: what keeps training 1,000,000 customers within 30 minutes.
    /// </summary>
    public int MaxCrossValidationCustomers { get; init; } = 100_000;

    /// <summary>
    /// The prediction horizon in days, for the BG/NBD + Gamma-Gamma part of a <see cref="ValueBlend"/>;
    /// null (customer tables) means no blend is tried.
    /// </summary>
    public int? HorizonDays { get; init; }

    /// <summary>What the label is, in the algorithm's name ("profit", "revenue").</summary>
    public string LabelName { get; init; } = "profit";

    /// <summary>The feature with the value to date in the label's units (gross profit or revenue), for the blend.</summary>
    public string ValueTotalFeature { get; init; } = ValueBlend.ProfitTotalFeature;

    /// <summary>
    /// Tree weights tried for the blend, from BG/NBD + Gamma-Gamma alone (0) to trees only (1). Cross-validation may
    /// go below one half where BG/NBD wins on the chosen <see cref="Metric"/> (sparse, zero-heavy purchase histories);
    /// the explanations then carry the statistical term as one reason, so they still add up.
    /// </summary>
    public IReadOnlyList<double> BlendWeights { get; init; } = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

    /// <summary>
    /// What cross-validation minimises (MAE, RMSE) or maximises (normalized Gini) when it chooses the model's form:
    /// one-part or two-part trees, and the blend weight (<c>train --value-metric</c>).
    /// </summary>
    public ValueMetric Metric { get; init; } = ValueMetric.Gini;

    /// <summary>
    /// The forms cross-validation chooses among: null (the default) both one-part and two-part trees; true or false only
    /// that one (a caller that needs a given form, e.g. to check what each form serves).
    /// </summary>
    public bool? TwoPartOnly { get; init; }

    /// <summary>
    /// The form of two-part value interval served (<c>train --value-intervals</c>): the decile form (the default: it meets
    /// the bars on the committed data's held-out customers, profit and revenue) or each customer's own. Both are
    /// calibrated and measured on the same customers; this only chooses which one scoring serves.
    /// </summary>
    public ValueIntervalForm IntervalForm { get; init; } = ValueIntervalForm.Decile;
}

/// <summary>The cross-validated metric that chooses the value model's form.</summary>
public enum ValueMetric
{
    /// <summary>Normalized Gini: who is worth more (ranking), the default; errors may be larger than BG/NBD's.</summary>
    Gini,

    /// <summary>Mean absolute error: the typical customer's error in currency.</summary>
    Mae,

    /// <summary>Root mean squared error: errors on big spenders weigh most.</summary>
    Rmse,
}
