using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.Churn;

/// <summary>A fitted churn model: the ML.NET chain (featurizer, trees, contributions) and its calibrator.</summary>
/// <param name="Model">Featurizer → FastTree → feature contributions; outputs Score and FeatureContributions.</param>
/// <param name="Options">The hyperparameters cross-validation chose.</param>
/// <param name="Selection">The candidates compared and the rule, in words.</param>
/// <param name="Calibrator">Turns the raw score into a churn probability.</param>
/// <param name="Calibration">How the calibrator was chosen (log loss of both methods on out-of-fold scores).</param>
/// <param name="CrossValidationAuc">AUC of each cross-validation fold of the chosen settings on the training part.</param>
/// <param name="Covers">The trees' covers over the training rows for TreeSHAP (FastTree; null for LightGBM).</param>
public sealed record TrainedChurnModel(
    ITransformer Model,
    ChurnOptions Options,
    string Selection,
    IProbabilityCalibrator Calibrator,
    CalibrationChoice Calibration,
    IReadOnlyList<double> CrossValidationAuc,
    TreeCovers? Covers = null)
{
    /// <summary>
    /// Each training row's raw score from the cross-validation fit that did not see it (the chosen settings), in row
    /// order: what the calibrator was fitted on, and the out-of-fold predictions a bundle reports.
    /// </summary>
    public IReadOnlyList<double> OutOfFoldScores { get; init; } = [];

    /// <summary>Each training row's cross-validation fold (0-based), in row order.</summary>
    public IReadOnlyList<int> FoldOf { get; init; } = [];
}

/// <summary>
/// Builds and trains the churn model: FastTree on the shared featurizer, cross-validated on the
/// training part, calibrated (Platt or isotonic, whichever has the lower out-of-fold log loss).
/// </summary>
public static class ChurnTrainer
{
    /// <summary>The estimator: shared featurizer, then FastTree (or LightGBM) binary classification.</summary>
    public static IEstimator<ITransformer> Build(MLContext ml, ChurnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Algorithm == ChurnAlgorithm.LightGbm
            ? FeatureSchema.Featurizer(ml).Append(LightGbmTrainer(ml, options))
            : FeatureSchema.Featurizer(ml).Append(Trainer(ml, options));
    }

    /// <summary>
    /// The LightGBM binary trainer with the same settings as <see cref="Trainer"/>. One thread and a fixed seed,
    /// because LightGBM's multi-threaded histogram sums are not bit-for-bit reproducible and the committed
    /// models must be.
    /// </summary>
    public static LightGbmBinaryTrainer LightGbmTrainer(MLContext ml, ChurnOptions options)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(options);
        return ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            LabelColumnName = nameof(ModelRow.Label),
            FeatureColumnName = FeatureSchema.FeaturesColumn,
            NumberOfIterations = options.NumberOfTrees,
            NumberOfLeaves = options.NumberOfLeaves,
            LearningRate = options.LearningRate,
            MinimumExampleCountPerLeaf = options.MinimumExampleCountPerLeaf,
            Booster = new GradientBooster.Options { FeatureFraction = options.FeatureFraction },
            NumberOfThreads = 1,
            Seed = 1,
        });
    }

    /// <summary>The FastTree binary trainer on the featurized vector.</summary>
    public static FastTreeBinaryTrainer Trainer(MLContext ml, ChurnOptions options)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(options);
        return ml.BinaryClassification.Trainers.FastTree(FastTreeSettings.For<FastTreeBinaryTrainer.Options>(
            nameof(ModelRow.Label), options.NumberOfTrees, options.NumberOfLeaves, options.LearningRate,
            options.MinimumExampleCountPerLeaf, options.FeatureFraction));
    }

    /// <summary>
    /// Cross-validates every candidate on the training rows, keeps the one with the best mean AUC,
    /// calibrates on its out-of-fold scores, then fits it on all rows.
    /// </summary>
    public static TrainedChurnModel Train(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> rows, IReadOnlyList<ChurnOptions> candidates, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(candidates);
        var labels = rows.Select(r => r.Label).ToArray();
        if (labels.All(l => l) || labels.All(l => !l))
        {
            throw new ArgumentException("The churn label has only one value in the training data: a churn model needs churners and non-churners.");
        }

        var foldOf = Splits.Folds(labels, folds, seed);
        var results = candidates.Select(c => CrossValidate(ml, schema, rows, labels, foldOf, folds, c)).ToList();
        var best = results.MaxBy(r => r.FoldAuc.Average())!;
        var selection = $"highest mean AUC over {folds}-fold cross-validation on the training customers: " +
            string.Join("; ", results.Select(r => $"{r.Options.Describe()} → {r.FoldAuc.Average():0.0000}"));

        var calibration = ChooseCalibration(best.OutOfFold, labels, foldOf);
        var calibrator = calibration.Method == calibration.Platt.Method
            ? (IProbabilityCalibrator)PlattCalibrator.Fit(best.OutOfFold, labels)
            : IsotonicCalibrator.Fit(best.OutOfFold, labels);

        var data = schema.Load(ml, rows);
        var featurizer = FeatureSchema.Featurizer(ml).Fit(data);
        var featurized = featurizer.Transform(data);
        var slots = ModelExplanations.SlotCount(featurized);
        ITransformer predictor;
        IEstimator<ITransformer> contributions;
        TreeCovers? covers = null;
        if (best.Options.Algorithm == ChurnAlgorithm.LightGbm)
        {
            var lightGbm = LightGbmTrainer(ml, best.Options).Fit(featurized);
            (predictor, contributions) = (lightGbm, ml.Transforms.CalculateFeatureContribution(lightGbm, slots, slots, normalize: false));
        }
        else
        {
            var fastTree = Trainer(ml, best.Options).Fit(featurized);
            (predictor, contributions) = (fastTree, ml.Transforms.CalculateFeatureContribution(fastTree, slots, slots, normalize: false));
            // LightGBM's trees route missing values by learned defaults that ShapTree does not read yet: FastTree only.
            covers = TreeCovers.Count(
                "churn", $"the {rows.Count:N0} training customers", fastTree.Model.SubModel, featurized, FeatureSchema.FeaturesColumn);
        }

        var final = ModelExplanations.Chain(featurizer, predictor, contributions.Fit(predictor.Transform(featurized)));
        return new TrainedChurnModel(final, best.Options, selection, calibrator, calibration, best.FoldAuc, covers)
        {
            OutOfFoldScores = best.OutOfFold,
            FoldOf = foldOf,
        };
    }

    private static (ChurnOptions Options, double[] OutOfFold, List<double> FoldAuc) CrossValidate(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> rows, bool[] labels, int[] foldOf, int folds, ChurnOptions options)
    {
        var outOfFold = new double[rows.Count];
        var foldAuc = new List<double>();
        for (var fold = 0; fold < folds; fold++)
        {
            var fit = rows.Where((_, i) => foldOf[i] != fold).ToList();
            var held = Enumerable.Range(0, rows.Count).Where(i => foldOf[i] == fold).ToArray();
            var model = Build(ml, options).Fit(schema.Load(ml, fit));
            var scores = RawScores(ml, model, schema, held.Select(i => rows[i]).ToList());
            for (var j = 0; j < held.Length; j++)
            {
                outOfFold[held[j]] = scores[j];
            }

            if (BinaryMetrics.Auc(scores, held.Select(i => labels[i]).ToArray()) is { } auc)
            {
                foldAuc.Add(auc);
            }
        }

        return (options, outOfFold, foldAuc);
    }

    /// <summary>Raw (uncalibrated) scores of a fitted chain for the given rows, in order.</summary>
    public static double[] RawScores(MLContext ml, ITransformer model, FeatureSchema schema, IReadOnlyList<ModelRow> rows)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(schema);
        var scored = model.Transform(schema.Load(ml, rows));
        return scored.GetColumn<float>("Score").Select(s => (double)s).ToArray();
    }

    /// <summary>
    /// Chooses Platt or isotonic on out-of-fold scores: fit on the even folds, compare log loss on the
    /// odd ones, so the choice is never made on the scores it was fitted to.
    /// </summary>
    private static CalibrationChoice ChooseCalibration(double[] scores, bool[] labels, int[] folds)
    {
        var fit = Enumerable.Range(0, scores.Length).Where(i => folds[i] % 2 == 0).ToArray();
        var check = Enumerable.Range(0, scores.Length).Where(i => folds[i] % 2 == 1).ToArray();
        return Evaluation.Calibration.ChooseByLogLoss(
            fit.Select(i => scores[i]).ToArray(), fit.Select(i => labels[i]).ToArray(),
            check.Select(i => scores[i]).ToArray(), check.Select(i => labels[i]).ToArray());
    }
}
