using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>A fitted lifetime value model.</summary>
/// <param name="Model">
/// One ML.NET chain from <see cref="ModelRow"/> to <see cref="LifetimeValueTrainer.PredictedValueColumn"/>
/// (predicted profit in the horizon) and <see cref="ModelExplanations.ContributionsColumn"/> (per featurized
/// slot, in <see cref="ModelExplanations.SlotNames"/> order); saved as one file.
/// </param>
/// <param name="Algorithm">The candidate that won, in words.</param>
/// <param name="Selection">The rule and both candidates' cross-validation numbers, in words.</param>
/// <param name="Hyperparameters">The settings of the trees, by name.</param>
/// <param name="CrossValidationGini">Normalized Gini of the winner (with its blend) over the cross-validation folds of the training part.</param>
/// <param name="Blend">The blend with BG/NBD + Gamma-Gamma applied after the chain, or null when the trees stand alone.</param>
/// <param name="Covers">Each tree part's covers over its own fitting rows, for TreeSHAP (purchase and amount, or regression).</param>
public sealed record TrainedValueModel(
    ITransformer Model,
    string Algorithm,
    string Selection,
    IReadOnlyDictionary<string, double> Hyperparameters,
    CrossValidated CrossValidationGini,
    ValueBlend? Blend,
    IReadOnlyList<TreeCovers>? Covers = null);

/// <summary>
/// Builds and trains the lifetime value model: predicted profit in the value horizon (negative allowed).
/// Two candidates are cross-validated on the training part and the better one is fitted on all of it:
/// <list type="bullet">
/// <item><description><b>FastTree regression</b> (squared loss) on profit.</description></item>
/// <item><description><b>Two-part</b>: P(profit ≠ 0) from a FastTree binary classifier × E[profit | profit ≠ 0]
/// from a FastTree regression fitted on those customers only. "≠ 0" rather than "&gt; 0" because then
/// P(≠ 0) · E[profit | ≠ 0] = E[profit] exactly, with the losses of returners and loss-making buyers kept in
/// the amount part instead of being dropped.</description></item>
/// </list>
/// FastTree Tweedie is not a candidate: it cannot take negative labels, and clipping them would teach it
/// that a loss-making customer is worth zero. When the features carry a purchase history and a horizon is
/// given, the winner may then be blended with BG/NBD + Gamma-Gamma (<see cref="ValueBlend"/>), the weight
/// chosen on the same folds. The same procedure trains revenue (<see cref="LifetimeValueOptions.LabelName"/>).
/// </summary>
public static class LifetimeValueTrainer
{
    /// <summary>Output column with the predicted profit in the horizon.</summary>
    public const string PredictedValueColumn = "PredictedValue";

    /// <summary>Output column of the two-part model with P(profit ≠ 0 in the horizon).</summary>
    public const string ProbabilityColumn = "PurchaseProbability";

    /// <summary>Mean cross-validated normalized Ginis closer than this are a tie, settled by the lower mean MAE.</summary>
    public const double GiniTieTolerance = 0.005;

    /// <summary>
    /// Blend weights whose mean out-of-fold normalized Ginis are within this of the best are a tie, settled
    /// towards the trees. Smaller than <see cref="GiniTieTolerance"/> because neighbouring weights differ by
    /// little and a blend's gain over its parts is itself small.
    /// </summary>
    public const double BlendTieTolerance = 0.001;

    /// <summary>Name of the single-regression candidate for a label named <paramref name="label"/> ("profit", "revenue").</summary>
    public static string RegressionAlgorithm(string label) => $"FastTree regression on {label}";

    /// <summary>Name of the two-part candidate for a label named <paramref name="label"/>.</summary>
    public static string TwoPartAlgorithm(string label) => $"two-part: FastTree binary P({label} ≠ 0) × FastTree regression E[{label} | {label} ≠ 0]";

    // The score column a regression or binary predictor writes; the binary one also writes Probability.
    private const string ScoreColumn = "Score";
    private const string BinaryProbabilityColumn = "Probability";

    /// <summary>The FastTree regression trainer on the featurized vector, label <see cref="ModelRow.Value"/>.</summary>
    public static FastTreeRegressionTrainer RegressionTrainer(MLContext ml, LifetimeValueOptions options)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(options);
        return ml.Regression.Trainers.FastTree(Settings<FastTreeRegressionTrainer.Options>(nameof(ModelRow.Value), options));
    }

    /// <summary>
    /// The FastTree binary trainer of the two-part model's first part. Its label is <see cref="ModelRow.Label"/>,
    /// which <see cref="Train"/> sets to "profit ≠ 0" on copies of the rows (the churn label is not used).
    /// </summary>
    public static FastTreeBinaryTrainer PurchaseTrainer(MLContext ml, LifetimeValueOptions options)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(options);
        return ml.BinaryClassification.Trainers.FastTree(Settings<FastTreeBinaryTrainer.Options>(nameof(ModelRow.Label), options));
    }

    private static TOptions Settings<TOptions>(string label, LifetimeValueOptions options)
        where TOptions : BoostedTreeOptions, new() =>
        FastTreeSettings.For<TOptions>(
            label, options.NumberOfTrees, options.NumberOfLeaves, options.LearningRate, options.MinimumExampleCountPerLeaf, options.FeatureFraction);

    /// <summary>
    /// Cross-validates both candidates on <paramref name="rows"/> (the training part; folds stratified by
    /// profit ≠ 0), keeps the one with the higher mean normalized Gini (within <see cref="GiniTieTolerance"/>:
    /// the lower mean MAE), and fits it on all rows with its contribution calculator.
    /// </summary>
    /// <exception cref="ArgumentException">Too few rows, or no customer with profit ≠ 0 in the horizon.</exception>
    public static TrainedValueModel Train(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> rows, LifetimeValueOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        var bought = rows.Select(r => r.Value != 0).ToArray();
        if (bought.Count(b => b) < options.Folds || bought.Count(b => !b) < options.Folds)
        {
            throw new ArgumentException(
                $"The value model needs at least {options.Folds} customers with profit in the horizon and {options.Folds} without; " +
                $"the training data has {bought.Count(b => b)} and {bought.Count(b => !b)}.");
        }

        var foldOf = Splits.Folds(bought, options.Folds, seed);
        var regression = CrossValidate(ml, schema, rows, foldOf, options, twoPart: false);
        var twoPart = CrossValidate(ml, schema, rows, foldOf, options, twoPart: true);
        var giniGap = twoPart.Gini.Mean - regression.Gini.Mean;
        var chooseTwoPart = Math.Abs(giniGap) >= GiniTieTolerance ? giniGap > 0 : twoPart.Mae.Mean < regression.Mae.Mean;
        var winner = chooseTwoPart ? twoPart : regression;

        var selection = string.Create(
            CultureInfo.InvariantCulture,
            $"{winner.Algorithm}: the higher mean normalized Gini over {options.Folds}-fold cross-validation on the training customers " +
            $"(Ginis within {GiniTieTolerance} are a tie, settled by the lower mean MAE). " +
            $"{Describe(regression)}; {Describe(twoPart)}.");
        var (blend, blendGini, blendSelection) = ChooseBlend(schema, rows, foldOf, winner, options);
        var covers = new List<TreeCovers>();
        var model = Fit(ml, schema, rows, options, chooseTwoPart, withContributions: true, covers);
        var algorithm = blend is null ? winner.Algorithm : $"{winner.Algorithm}, blended with BG/NBD + Gamma-Gamma ({blend.TreeWeight:0.0} × trees)";
        return new TrainedValueModel(model, algorithm, $"{selection} {blendSelection}", Hyperparameters(options), blendGini ?? winner.Gini, blend, covers);
    }

    /// <summary>
    /// Chooses the tree weight of a <see cref="ValueBlend"/> on out-of-fold predictions: in each fold BG/NBD and
    /// Gamma-Gamma are fitted on the fold's training customers and predict the held fold, like the trees did;
    /// the weight with the highest mean normalized Gini over the folds wins (within <see cref="GiniTieTolerance"/>
    /// of the best: the one with more weight on the trees). Weight 1 means no blend. The statistical models of the
    /// returned blend are fitted on all <paramref name="rows"/>.
    /// </summary>
    private static (ValueBlend? Blend, CrossValidated? Gini, string Selection) ChooseBlend(
        FeatureSchema schema, IReadOnlyList<ModelRow> rows, int[] foldOf, CandidateResult winner, LifetimeValueOptions options)
    {
        if (options.HorizonDays is not { } horizon || !ValueBlend.CanUse(schema.NumericNames, options.ValueTotalFeature))
        {
            return (null, null, "No blend with BG/NBD + Gamma-Gamma: the data has no purchase history features.");
        }

        try
        {
            var statistical = new double[rows.Count];
            for (var fold = 0; fold < options.Folds; fold++)
            {
                var models = BgNbdBaseline.Fit(ValueBlend.Histories(schema, rows.Where((_, i) => foldOf[i] != fold), options.ValueTotalFeature)).Models;
                var blender = ValueBlend.Of(0, horizon, options.ValueTotalFeature, models).For(schema);
                for (var i = 0; i < rows.Count; i++)
                {
                    if (foldOf[i] == fold)
                    {
                        statistical[i] = Evaluated(blender, rows[i]);
                    }
                }
            }

            var scores = options.BlendWeights
                .Select(w => (Weight: w, Result: Score(rows, foldOf, options.Folds, i => (w * winner.OutOfFold[i]) + ((1 - w) * statistical[i]))))
                .ToList();
            var best = scores.Max(s => s.Result.Gini.Mean);
            var chosen = scores.Where(s => s.Result.Gini.Mean >= best - BlendTieTolerance).MaxBy(s => s.Weight);
            var table = string.Join(", ", scores.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Weight:0.0}: {s.Result.Gini.Mean:0.0000}")));
            var rule = string.Create(
                CultureInfo.InvariantCulture,
                $"Blend with BG/NBD + Gamma-Gamma (fitted per fold on the fold's training customers): tree weight {chosen.Weight:0.0}, " +
                $"the highest mean out-of-fold normalized Gini, preferring more weight on the trees within {BlendTieTolerance} " +
                $"(tree weight: Gini — {table}).");
            if (chosen.Weight >= 1)
            {
                return (null, null, rule);
            }

            var all = BgNbdBaseline.Fit(ValueBlend.Histories(schema, rows, options.ValueTotalFeature)).Models;
            var blend = ValueBlend.Of(chosen.Weight, horizon, options.ValueTotalFeature, all);

            // Served rows are like the training rows: a blend that cannot evaluate one of them is not served.
            var check = blend.For(schema);
            var statisticalTotal = 0.0;
            foreach (var row in rows)
            {
                statisticalTotal += Evaluated(check, row);
            }

            return (blend with { StatisticalBaseline = statisticalTotal / rows.Count }, chosen.Result.Gini, rule);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // BG/NBD or Gamma-Gamma cannot be fitted on this data (e.g. no repeat purchases), or its parameters are so
            // extreme (a short history, a small fold) that its expectation cannot be evaluated: the trees stand alone.
            return (null, null, $"No blend with BG/NBD + Gamma-Gamma: {e.Message}");
        }
    }

    // The statistical value of a training row; a blend that cannot evaluate one is not chosen (caught above).
    private static double Evaluated(ValueBlender blender, ModelRow row)
    {
        var value = blender.Statistical(row.Numeric);
        return double.IsNaN(value)
            ? throw new InvalidOperationException(
                $"its expectation cannot be evaluated for customer {row.CustomerId} with the parameters fitted here ({blender.Blend.Describe()})")
            : value;
    }

    private static (CrossValidated Gini, CrossValidated Mae) Score(IReadOnlyList<ModelRow> rows, int[] foldOf, int folds, Func<int, double> predict)
    {
        var ginis = new List<double>();
        var maes = new List<double>();
        for (var fold = 0; fold < folds; fold++)
        {
            var held = Enumerable.Range(0, rows.Count).Where(i => foldOf[i] == fold).ToList();
            var metrics = Evaluation.RegressionMetrics.Compute(held.Select(predict).ToArray(), held.Select(i => (double)rows[i].Value).ToArray());
            maes.Add(metrics.Mae);
            if (metrics.NormalizedGini is { } gini)
            {
                ginis.Add(gini);
            }
        }

        return (CrossValidated.Of(ginis), CrossValidated.Of(maes));
    }

    /// <summary>Predicted value of a fitted chain (and its blend, when given) for the given rows, in order.</summary>
    public static double[] Predict(MLContext ml, ITransformer model, FeatureSchema schema, IReadOnlyList<ModelRow> rows, ValueBlend? blend = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        var scored = model.Transform(schema.Load(ml, rows));
        var trees = scored.GetColumn<float>(PredictedValueColumn).Select(v => (double)v).ToArray();
        if (blend is null)
        {
            return trees;
        }

        var blender = blend.For(schema);
        return trees.Select((t, i) => blender.Value(t, rows[i].Numeric)).ToArray();
    }

    /// <summary>
    /// Fits one candidate on all <paramref name="rows"/>.
    /// The single regression's chain is featurizer → regression → contributions → copy Score to
    /// <see cref="PredictedValueColumn"/>; its contributions are the trees' own, in currency units.
    /// The two-part chain is featurizer → purchase classifier → copy Probability to
    /// <see cref="ProbabilityColumn"/> → amount regression → contributions → PredictedValue = probability × amount.
    /// Its contributions are those of the <b>amount</b> part, E[profit | profit ≠ 0], multiplied by the customer's
    /// purchase probability, so that they are on the scale of the predicted profit: why the customer is worth
    /// this much, with the chance of buying held at its value. The purchase part's own reasons are in log-odds
    /// and cannot be combined with amounts in a product, so they are not mixed in; the probability itself is
    /// in <see cref="ProbabilityColumn"/>. (ML.NET's tree contributions are not exactly additive, so neither
    /// kind sums to the prediction; they rank the reasons.)
    /// </summary>
    internal static ITransformer Fit(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> rows, LifetimeValueOptions options, bool twoPart, bool withContributions,
        List<TreeCovers>? covers = null)
    {
        var all = schema.Load(ml, rows);
        var featurizer = FeatureSchema.Featurizer(ml).Fit(all);
        var parts = new List<ITransformer> { featurizer };
        RegressionPredictionTransformer<FastTreeRegressionModelParameters> amount;
        IDataView beforeAmount;
        if (twoPart)
        {
            var purchaseRows = rows.Select(r => WithLabel(r, r.Value != 0)).ToList();
            var purchaseData = featurizer.Transform(schema.Load(ml, purchaseRows));
            var purchase = PurchaseTrainer(ml, options).Fit(purchaseData);
            covers?.Add(TreeCovers.Count(
                "purchase", $"the {rows.Count:N0} training customers", purchase.Model.SubModel, purchaseData, FeatureSchema.FeaturesColumn));
            var keepProbability = ml.Transforms.CopyColumns(ProbabilityColumn, BinaryProbabilityColumn).Fit(purchase.Transform(featurizer.Transform(all)));
            parts.Add(purchase);
            parts.Add(keepProbability);
            var buyers = rows.Where(r => r.Value != 0).ToList();
            var buyerData = featurizer.Transform(schema.Load(ml, buyers));
            amount = RegressionTrainer(ml, options).Fit(buyerData);
            covers?.Add(TreeCovers.Count(
                "amount", $"the {buyers.Count:N0} training customers with {options.LabelName} ≠ 0", amount.Model, buyerData, FeatureSchema.FeaturesColumn));
            beforeAmount = keepProbability.Transform(purchase.Transform(featurizer.Transform(all)));
        }
        else
        {
            amount = RegressionTrainer(ml, options).Fit(featurizer.Transform(all));
            covers?.Add(TreeCovers.Count(
                "regression", $"the {rows.Count:N0} training customers", amount.Model, featurizer.Transform(all), FeatureSchema.FeaturesColumn));
            beforeAmount = featurizer.Transform(all);
        }

        parts.Add(amount);
        var scored = amount.Transform(beforeAmount);
        if (withContributions)
        {
            var contributions = ml.Transforms
                .CalculateFeatureContribution(amount, ModelExplanations.SlotCount(beforeAmount), ModelExplanations.SlotCount(beforeAmount), normalize: false)
                .Fit(scored);
            parts.Add(contributions);
            scored = contributions.Transform(scored);
            if (twoPart)
            {
                var scaled = ml.Transforms
                    .Expression(ModelExplanations.ContributionsColumn, "(p, c) => p * c", ProbabilityColumn, ModelExplanations.ContributionsColumn)
                    .Fit(scored);
                parts.Add(scaled);
                scored = scaled.Transform(scored);
            }
        }

        IEstimator<ITransformer> output = twoPart
            ? ml.Transforms.Expression(PredictedValueColumn, "(p, amount) => p * amount", ProbabilityColumn, ScoreColumn)
            : ml.Transforms.CopyColumns(PredictedValueColumn, ScoreColumn);
        parts.Add(output.Fit(scored));
        return new TransformerChain<ITransformer>(parts.ToArray());
    }

    private static CandidateResult CrossValidate(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> rows, int[] foldOf, LifetimeValueOptions options, bool twoPart)
    {
        var outOfFold = new double[rows.Count];
        for (var fold = 0; fold < options.Folds; fold++)
        {
            var fit = rows.Where((_, i) => foldOf[i] != fold).ToList();
            var heldIndex = Enumerable.Range(0, rows.Count).Where(i => foldOf[i] == fold).ToList();
            var model = Fit(ml, schema, fit, options, twoPart, withContributions: false);
            var predicted = Predict(ml, model, schema, heldIndex.Select(i => rows[i]).ToList());
            for (var k = 0; k < heldIndex.Count; k++)
            {
                outOfFold[heldIndex[k]] = predicted[k];
            }
        }

        var (gini, mae) = Score(rows, foldOf, options.Folds, i => outOfFold[i]);
        return new CandidateResult(twoPart ? TwoPartAlgorithm(options.LabelName) : RegressionAlgorithm(options.LabelName), gini, mae, outOfFold);
    }

    private static string Describe(CandidateResult result) => string.Create(
        CultureInfo.InvariantCulture,
        $"{result.Algorithm}: Gini {result.Gini.Mean:0.0000} ± {result.Gini.StandardDeviation:0.0000}, MAE {result.Mae.Mean:0.00} ± {result.Mae.StandardDeviation:0.00}");

    private static Dictionary<string, double> Hyperparameters(LifetimeValueOptions options) => new(StringComparer.Ordinal)
    {
        [nameof(LifetimeValueOptions.NumberOfTrees)] = options.NumberOfTrees,
        [nameof(LifetimeValueOptions.NumberOfLeaves)] = options.NumberOfLeaves,
        [nameof(LifetimeValueOptions.LearningRate)] = options.LearningRate,
        [nameof(LifetimeValueOptions.MinimumExampleCountPerLeaf)] = options.MinimumExampleCountPerLeaf,
        [nameof(LifetimeValueOptions.FeatureFraction)] = options.FeatureFraction,
        [nameof(LifetimeValueOptions.Folds)] = options.Folds,
    };

    private static ModelRow WithLabel(ModelRow row, bool label) => new()
    {
        CustomerId = row.CustomerId,
        Numeric = row.Numeric,
        Categorical = row.Categorical,
        Label = label,
        Value = row.Value,
    };

    private sealed record CandidateResult(string Algorithm, CrossValidated Gini, CrossValidated Mae, double[] OutOfFold);
}
