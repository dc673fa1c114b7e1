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
    IReadOnlyList<TreeCovers>? Covers = null)
{
    /// <summary>The metric that chose the form.</summary>
    public ValueMetric Metric { get; init; } = ValueMetric.Gini;

    /// <summary>Every form and blend weight tried, with its cross-validated metrics.</summary>
    public IReadOnlyList<ValueCandidate> Candidates { get; init; } = [];

    /// <summary>
    /// The chosen form's out-of-fold prediction of every training row (blended as served), in row order: what the
    /// value intervals are calibrated on; NaN for rows outside the cross-validation sample (more training rows than
    /// <see cref="LifetimeValueOptions.MaxCrossValidationCustomers"/>).
    /// </summary>
    public IReadOnlyList<double> OutOfFold { get; init; } = [];

    /// <summary>True when the chosen form is the two-part trees, false for the single regression.</summary>
    public bool TwoPart { get; init; }

    /// <summary>
    /// With <see cref="TwoPart"/>: the two parts' out-of-fold predictions (P(≠ 0) and the amount, before any blend) of
    /// every training row, in row order, NaN as <see cref="OutOfFold"/>; what the two-part intervals are calibrated on.
    /// Empty for the single regression.
    /// </summary>
    public IReadOnlyList<TwoPartPrediction> OutOfFoldParts { get; init; } = [];
}

/// <summary>One form of the value model tried by cross-validation.</summary>
/// <param name="TwoPart">True for the two-part trees (P(value ≠ 0) × E[value | ≠ 0]), false for one regression.</param>
/// <param name="TreeWeight">Weight of the trees in the blend with BG/NBD + Gamma-Gamma (1: trees alone, 0: BG/NBD alone).</param>
/// <param name="Gini">Normalized Gini over the folds.</param>
/// <param name="Mae">MAE over the folds, in currency over the horizon.</param>
/// <param name="Rmse">RMSE over the folds.</param>
public sealed record ValueCandidate(bool TwoPart, double TreeWeight, CrossValidated Gini, CrossValidated Mae, CrossValidated Rmse);

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

    /// <summary>
    /// Candidates whose mean out-of-fold normalized Ginis are within this of the best are a tie, settled towards the
    /// trees: neighbouring weights differ by little and a blend's gain over its parts is itself small.
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
    /// Cross-validates one-part and two-part trees on <paramref name="rows"/> (the training part; folds stratified by
    /// profit ≠ 0), each at every blend weight with BG/NBD + Gamma-Gamma (fitted per fold), keeps the form and weight
    /// that <see cref="Choose"/> prefers on <see cref="LifetimeValueOptions.Metric"/>, and fits it on all rows with its
    /// contribution calculator.
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

        // Large data: cross-validate on a stratified sample of the training customers (the served fit still sees every one).
        var sample = rows.Count <= options.MaxCrossValidationCustomers
            ? Enumerable.Range(0, rows.Count).ToArray()
            : Splits.TrainHoldout(bought, (double)options.MaxCrossValidationCustomers / rows.Count, seed).Holdout;
        var allRows = rows;
        rows = sample.Length == allRows.Count ? allRows : sample.Select(i => allRows[i]).ToList();
        var foldOf = Splits.Folds(sample.Select(i => bought[i]).ToArray(), options.Folds, seed);
        var regression = options.TwoPartOnly is true ? null : CrossValidate(ml, schema, rows, foldOf, options, twoPart: false);
        var twoPart = options.TwoPartOnly is false ? null : CrossValidate(ml, schema, rows, foldOf, options, twoPart: true);
        var (statistical, noBlend) = StatisticalOutOfFold(schema, rows, allRows, foldOf, options);

        // Every form × every blend weight, scored on the same out-of-fold predictions.
        var weights = statistical is null ? [1.0] : options.BlendWeights.Append(1.0).Distinct().Order().ToArray();
        var candidates = new List<(CandidateResult Form, double Weight, ValueCandidate Score)>();
        foreach (var form in new[] { regression, twoPart }.OfType<CandidateResult>())
        {
            foreach (var w in weights)
            {
                var (gini, mae, rmse) = Score(rows, foldOf, options.Folds, i => Blended(form.OutOfFold[i], statistical?[i], w));
                candidates.Add((form, w, new ValueCandidate(form.TwoPart, w, gini, mae, rmse)));
            }
        }

        var chosen = Choose(candidates.Select(c => c.Score).ToList(), options.Metric);
        var (winner, weight) = (candidates[chosen].Form, candidates[chosen].Weight);
        // Rows outside the cross-validation sample have no out-of-fold prediction: NaN.
        var outOfFold = Enumerable.Repeat(double.NaN, allRows.Count).ToArray();
        var outOfFoldParts = winner.TwoPart ? Enumerable.Repeat(new TwoPartPrediction(double.NaN, double.NaN), allRows.Count).ToArray() : [];
        for (var j = 0; j < sample.Length; j++)
        {
            outOfFold[sample[j]] = Blended(winner.OutOfFold[j], statistical?[j], weight);
            if (winner.TwoPart)
            {
                outOfFoldParts[sample[j]] = winner.OutOfFoldParts[j];
            }
        }

        var cvCustomers = sample.Length == allRows.Count
            ? "the training customers"
            : $"a stratified sample of {sample.Length:N0} of the {allRows.Count:N0} training customers (at most {options.MaxCrossValidationCustomers:N0})";
        rows = allRows;
        var selection = string.Create(
            CultureInfo.InvariantCulture,
            $"{winner.Algorithm} with tree weight {weight:0.0}: the {MetricWords(options.Metric)} over {options.Folds}-fold cross-validation on {cvCustomers} " +
            $"among {(options.TwoPartOnly switch { true => "two-part trees only", false => "one-part trees only", null => "one-part and two-part trees" })} × tree weights {string.Join("/", weights.Select(w => w.ToString("0.0", CultureInfo.InvariantCulture)))} " +
            $"(BG/NBD + Gamma-Gamma fitted per fold on the fold's training customers; {TieWords(options.Metric)}). " +
            $"Trees alone: {string.Join("; ", new[] { regression, twoPart }.OfType<CandidateResult>().Select(Describe))}.") + (noBlend is null ? "" : $" {noBlend}");

        var blend = weight < 1 ? FitBlend(schema, rows, weight, options.HorizonDays!.Value, options.ValueTotalFeature) : null;
        var covers = new List<TreeCovers>();
        // The served fit in a context of its own, so that it does not depend on how many fits cross-validation made before it.
        var model = Fit(new MLContext(seed), schema, rows, options, winner.TwoPart, withContributions: true, covers);
        var algorithm = blend is null ? winner.Algorithm : $"{winner.Algorithm}, blended with BG/NBD + Gamma-Gamma ({blend.TreeWeight:0.0} × trees)";
        return new TrainedValueModel(model, algorithm, selection, Hyperparameters(options), candidates[chosen].Score.Gini, blend, covers)
        {
            Metric = options.Metric,
            Candidates = candidates.Select(c => c.Score).ToList(),
            OutOfFold = outOfFold,
            TwoPart = winner.TwoPart,
            OutOfFoldParts = outOfFoldParts,
        };
    }

    /// <summary>
    /// <c>train --refit</c>: the form (one-part or two-part) and blend weight that <paramref name="chosen"/> settled on, fitted
    /// again on <paramref name="rows"/> (every customer, training and held out) in a context seeded like <see cref="Train"/>'s:
    /// new trees with their covers, and BG/NBD + Gamma-Gamma of the blend refitted on the same rows at the chosen weight.
    /// Nothing is chosen again: the selection, candidates and out-of-fold predictions stay the evaluation fit's.
    /// </summary>
    /// <returns>The refitted model, and in words why its blend kept the evaluation fit's parameters, when it had to.</returns>
    public static (TrainedValueModel Model, string? BlendNote) Refit(
        FeatureSchema schema, IReadOnlyList<ModelRow> rows, LifetimeValueOptions options, int seed, TrainedValueModel chosen)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(chosen);
        var (blend, note) = (chosen.Blend, (string?)null);
        if (chosen.Blend is { } evaluated)
        {
            try
            {
                blend = FitBlend(schema, rows, evaluated.TreeWeight, evaluated.HorizonDays, evaluated.ValueTotalFeature);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Every training customer evaluated with the evaluation fit's parameters; a held-out one that the refitted
                // parameters cannot evaluate must not stop the refit of the trees.
                note = $"BG/NBD + Gamma-Gamma of the blend kept the evaluation fit's parameters: refitted on every customer, {e.Message}";
            }
        }

        var covers = new List<TreeCovers>();
        var model = Fit(new MLContext(seed), schema, rows, options, chosen.TwoPart, withContributions: true, covers, "customers (training and held out)");
        return (chosen with { Model = model, Blend = blend, Covers = covers }, note);
    }

    /// <summary>
    /// BG/NBD + Gamma-Gamma fitted on <paramref name="rows"/> at a tree weight, with the mean expectation over them (where
    /// explanations start the statistical part from). Served rows are like these rows: a blend that cannot evaluate one of
    /// them is refused (<see cref="InvalidOperationException"/>).
    /// </summary>
    private static ValueBlend FitBlend(FeatureSchema schema, IReadOnlyList<ModelRow> rows, double weight, int horizonDays, string valueTotalFeature)
    {
        var blend = ValueBlend.Of(weight, horizonDays, valueTotalFeature, BgNbdBaseline.Fit(ValueBlend.Histories(schema, rows, valueTotalFeature)).Models);
        var check = blend.For(schema);
        var statisticalTotal = 0.0;
        foreach (var row in rows)
        {
            statisticalTotal += Evaluated(check, row);
        }

        return blend with { StatisticalBaseline = statisticalTotal / rows.Count };
    }

    // The served value of a form's out-of-fold prediction at a tree weight, as ValueBlender.Value computes it.
    private static double Blended(double trees, double? statistical, double weight) =>
        statistical is not { } s || double.IsNaN(s) || weight >= 1 ? trees : (weight * trees) + ((1 - weight) * s);

    /// <summary>
    /// The index of the candidate that cross-validation prefers on <paramref name="metric"/>. Candidates within a tie
    /// tolerance of the best (normalized Gini: <see cref="BlendTieTolerance"/>; MAE and RMSE: <see cref="ErrorTieTolerance"/>
    /// of the best, relative) are a tie, settled towards more weight on the trees (their reasons are the customer's
    /// features, where BG/NBD's is only itself), then the better value of the metric.
    /// </summary>
    public static int Choose(IReadOnlyList<ValueCandidate> candidates, ValueMetric metric)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfZero(candidates.Count);
        double Goodness(ValueCandidate c) => metric switch
        {
            ValueMetric.Mae => -c.Mae.Mean,
            ValueMetric.Rmse => -c.Rmse.Mean,
            _ => c.Gini.Mean,
        };
        var best = candidates.Max(Goodness);
        var tolerance = metric == ValueMetric.Gini ? BlendTieTolerance : ErrorTieTolerance * Math.Abs(best);
        return Enumerable.Range(0, candidates.Count)
            .Where(i => Goodness(candidates[i]) >= best - tolerance)
            .OrderByDescending(i => candidates[i].TreeWeight)
            .ThenByDescending(i => Goodness(candidates[i]))
            .First();
    }

    /// <summary>Cross-validated MAEs or RMSEs within this share of the best are a tie (0.2%).</summary>
    public const double ErrorTieTolerance = 0.002;

    private static string MetricWords(ValueMetric metric) => metric switch
    {
        ValueMetric.Mae => "lowest mean MAE (--value-metric mae)",
        ValueMetric.Rmse => "lowest mean RMSE (--value-metric rmse)",
        _ => "highest mean normalized Gini (--value-metric gini)",
    };

    private static string TieWords(ValueMetric metric) => metric == ValueMetric.Gini
        ? string.Create(CultureInfo.InvariantCulture, $"Ginis within {BlendTieTolerance} of the best are a tie, settled towards more weight on the trees")
        : string.Create(CultureInfo.InvariantCulture, $"errors within {ErrorTieTolerance:P1} of the best are a tie, settled towards more weight on the trees");

    /// <summary>
    /// The BG/NBD + Gamma-Gamma expectation of every training row from models fitted on the other folds (as the trees'
    /// out-of-fold predictions are), or null and why when no blend can be tried.
    /// </summary>
    private static (double[]? Statistical, string? Why) StatisticalOutOfFold(
        FeatureSchema schema, IReadOnlyList<ModelRow> rows, IReadOnlyList<ModelRow> allRows, int[] foldOf, LifetimeValueOptions options)
    {
        if (options.HorizonDays is not { } horizon || !ValueBlend.CanUse(schema.NumericNames, options.ValueTotalFeature))
        {
            return (null, "No blend with BG/NBD + Gamma-Gamma: the data has no purchase history features.");
        }

        if (options.BlendWeights.All(w => w >= 1))
        {
            return (null, "No blend with BG/NBD + Gamma-Gamma: only tree weight 1 was asked for.");
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

            // The blend served is fitted on all training rows: it must evaluate every one of them too.
            var all = ValueBlend.Of(0, horizon, options.ValueTotalFeature, BgNbdBaseline.Fit(ValueBlend.Histories(schema, allRows, options.ValueTotalFeature)).Models).For(schema);
            foreach (var row in allRows)
            {
                Evaluated(all, row);
            }

            return (statistical, null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // BG/NBD or Gamma-Gamma cannot be fitted on this data (e.g. no repeat purchases), or its parameters are so
            // extreme (a short history, a small fold) that its expectation cannot be evaluated: the trees stand alone.
            return (null, $"No blend with BG/NBD + Gamma-Gamma: {e.Message}");
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

    private static (CrossValidated Gini, CrossValidated Mae, CrossValidated Rmse) Score(IReadOnlyList<ModelRow> rows, int[] foldOf, int folds, Func<int, double> predict)
    {
        var ginis = new List<double>();
        var maes = new List<double>();
        var rmses = new List<double>();
        for (var fold = 0; fold < folds; fold++)
        {
            var held = Enumerable.Range(0, rows.Count).Where(i => foldOf[i] == fold).ToList();
            var predicted = held.Select(predict).ToArray();
            var actual = held.Select(i => (double)rows[i].Value).ToArray();
            maes.Add(predicted.Zip(actual, (p, a) => Math.Abs(p - a)).Average());
            rmses.Add(Math.Sqrt(predicted.Zip(actual, (p, a) => (p - a) * (p - a)).Average()));
            if (Evaluation.RegressionMetrics.NormalizedGini(predicted, actual) is { } gini)
            {
                ginis.Add(gini);
            }
        }

        return (CrossValidated.Of(ginis), CrossValidated.Of(maes), CrossValidated.Of(rmses));
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
    /// The two parts of a fitted two-part chain for the given rows, in order (P(≠ 0) and the amount, before any blend), or
    /// null when the chain is a single regression.
    /// </summary>
    public static TwoPartPrediction[]? PredictParts(MLContext ml, ITransformer model, FeatureSchema schema, IReadOnlyList<ModelRow> rows)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        var scored = model.Transform(schema.Load(ml, rows));
        if (scored.Schema.GetColumnOrNull(ProbabilityColumn) is null)
        {
            return null;
        }

        var trees = scored.GetColumn<float>(PredictedValueColumn).ToArray();
        var probability = scored.GetColumn<float>(ProbabilityColumn).ToArray();
        return [.. trees.Select((t, i) => TwoPartPrediction.FromTrees(t, probability[i]))];
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
        List<TreeCovers>? covers = null, string rowsName = "training customers")
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
                "purchase", $"the {rows.Count:N0} {rowsName}", purchase.Model.SubModel, purchaseData, FeatureSchema.FeaturesColumn));
            var keepProbability = ml.Transforms.CopyColumns(ProbabilityColumn, BinaryProbabilityColumn).Fit(purchase.Transform(featurizer.Transform(all)));
            parts.Add(purchase);
            parts.Add(keepProbability);
            var buyers = rows.Where(r => r.Value != 0).ToList();
            var buyerData = featurizer.Transform(schema.Load(ml, buyers));
            amount = RegressionTrainer(ml, options).Fit(buyerData);
            covers?.Add(TreeCovers.Count(
                "amount", $"the {buyers.Count:N0} {rowsName} with {options.LabelName} ≠ 0", amount.Model, buyerData, FeatureSchema.FeaturesColumn));
            beforeAmount = keepProbability.Transform(purchase.Transform(featurizer.Transform(all)));
        }
        else
        {
            amount = RegressionTrainer(ml, options).Fit(featurizer.Transform(all));
            covers?.Add(TreeCovers.Count(
                "regression", $"the {rows.Count:N0} {rowsName}", amount.Model, featurizer.Transform(all), FeatureSchema.FeaturesColumn));
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
        var outOfFoldParts = twoPart ? new TwoPartPrediction[rows.Count] : [];
        for (var fold = 0; fold < options.Folds; fold++)
        {
            var fit = rows.Where((_, i) => foldOf[i] != fold).ToList();
            var heldIndex = Enumerable.Range(0, rows.Count).Where(i => foldOf[i] == fold).ToList();
            var model = Fit(ml, schema, fit, options, twoPart, withContributions: false);
            var heldRows = heldIndex.Select(i => rows[i]).ToList();
            var predicted = Predict(ml, model, schema, heldRows);
            var parts = twoPart ? PredictParts(ml, model, schema, heldRows) : null;
            for (var k = 0; k < heldIndex.Count; k++)
            {
                outOfFold[heldIndex[k]] = predicted[k];
                if (parts is not null)
                {
                    outOfFoldParts[heldIndex[k]] = parts[k];
                }
            }
        }

        var (gini, mae, rmse) = Score(rows, foldOf, options.Folds, i => outOfFold[i]);
        return new CandidateResult(twoPart ? TwoPartAlgorithm(options.LabelName) : RegressionAlgorithm(options.LabelName), twoPart, gini, mae, rmse, outOfFold)
        {
            OutOfFoldParts = outOfFoldParts,
        };
    }

    private static string Describe(CandidateResult result) => string.Create(
        CultureInfo.InvariantCulture,
        $"{result.Algorithm}: Gini {result.Gini.Mean:0.0000} ± {result.Gini.StandardDeviation:0.0000}, MAE {result.Mae.Mean:0.00} ± {result.Mae.StandardDeviation:0.00}, RMSE {result.Rmse.Mean:0.00} ± {result.Rmse.StandardDeviation:0.00}");

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

    private sealed record CandidateResult(string Algorithm, bool TwoPart, CrossValidated Gini, CrossValidated Mae, CrossValidated Rmse, double[] OutOfFold)
    {
        // The two parts' out-of-fold predictions (two-part form only).
        public TwoPartPrediction[] OutOfFoldParts { get; init; } = [];
    }
}
