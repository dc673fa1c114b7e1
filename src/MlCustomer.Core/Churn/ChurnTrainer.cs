using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MlCustomer.Core.Bundle;
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
    /// order: what the calibrator was fitted on, and the out-of-fold predictions a bundle reports; NaN for rows outside the final
    /// cross-validation sample (more training rows than <see cref="ChurnSearchOptions.MaxCrossValidationCustomers"/>).
    /// </summary>
    public IReadOnlyList<double> OutOfFoldScores { get; init; } = [];

    /// <summary>Each training row's cross-validation fold (0-based), in row order; −1 for rows outside the final cross-validation sample.</summary>
    public IReadOnlyList<int> FoldOf { get; init; } = [];

    /// <summary>Every candidate's cross-validated AUC in every round of the search.</summary>
    public IReadOnlyList<ChurnCandidateScore> Candidates { get; init; } = [];

    /// <summary>The search rule in words.</summary>
    public string Search { get; init; } = "";
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
    /// Searches the candidates (<see cref="ChurnSearchOptions"/>: every candidate on every row for small data, successive
    /// halving on growing stratified subsamples for large data), keeps in the final round the earliest candidate within
    /// one standard error of the best mean cross-validated AUC (so the same rows and seed always choose the same
    /// settings), calibrates on its out-of-fold scores, then fits it on all rows.
    /// </summary>
    public static TrainedChurnModel Train(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> rows, IReadOnlyList<ChurnOptions> candidates, int folds, int seed,
        ChurnSearchOptions? search = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(candidates);
        search ??= new ChurnSearchOptions();
        if (candidates.Count == 0)
        {
            throw new ArgumentException("The churn search needs at least one candidate setting.", nameof(candidates));
        }

        var labels = rows.Select(r => r.Label).ToArray();
        if (labels.All(l => l) || labels.All(l => !l))
        {
            throw new ArgumentException("The churn label has only one value in the training data: a churn model needs churners and non-churners.");
        }

        var (best, sample, sampleFolds, scores, finalRound) = Search(ml, schema, rows, labels, candidates, folds, seed, search);
        var selection = $"earliest candidate within one standard error of the highest mean AUC over {folds}-fold cross-validation on {sample.Length:N0} training customers" +
            (scores.Any(s => s.Round > 1) ? $" (successive halving, round {finalRound})" : "") + ": " +
            string.Join("; ", scores.Where(s => s.Round == finalRound).Select(s => $"{s.Options.AlgorithmShortName} {s.Options.Describe()} → {s.Auc.Mean:0.0000}"));

        var sampleLabels = sample.Select(i => labels[i]).ToArray();
        var calibration = ChooseCalibration(best.OutOfFold, sampleLabels, sampleFolds);
        var calibrator = calibration.Method == calibration.Platt.Method
            ? (IProbabilityCalibrator)PlattCalibrator.Fit(best.OutOfFold, sampleLabels)
            : IsotonicCalibrator.Fit(best.OutOfFold, sampleLabels);

        // Rows outside the final cross-validation sample (large data only) have no out-of-fold score: NaN and fold −1.
        var outOfFold = Enumerable.Repeat(double.NaN, rows.Count).ToArray();
        var foldOf = Enumerable.Repeat(-1, rows.Count).ToArray();
        for (var j = 0; j < sample.Length; j++)
        {
            outOfFold[sample[j]] = best.OutOfFold[j];
            foldOf[sample[j]] = sampleFolds[j];
        }

        // The served fit in a context of its own: the same rows and settings give the same model however many candidates were tried
        // (and train --refit fits the chosen settings the same way).
        var (final, covers) = Fit(new MLContext(seed), schema, rows, best.Options);
        return new TrainedChurnModel(final, best.Options, selection, calibrator, calibration, best.FoldAuc, covers)
        {
            OutOfFoldScores = outOfFold,
            FoldOf = foldOf,
            Candidates = scores,
            Search = search.Describe(folds),
        };
    }

    /// <summary>
    /// Fits one setting on the given rows: featurizer, trees and the feature-contribution step, with the trees' covers
    /// over those rows for TreeSHAP (FastTree and LightGBM alike). Used for the served fit and for <c>train --refit</c>.
    /// </summary>
    public static (ITransformer Model, TreeCovers? Covers) Fit(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> rows, ChurnOptions options, string rowsName = "training customers")
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        var data = schema.Load(ml, rows);
        var featurizer = FeatureSchema.Featurizer(ml).Fit(data);
        var featurized = featurizer.Transform(data);
        var slots = ModelExplanations.SlotCount(featurized);
        ITransformer predictor;
        IEstimator<ITransformer> contributions;
        TreeCovers? covers = null;
        if (options.Algorithm == ChurnAlgorithm.LightGbm)
        {
            var lightGbm = LightGbmTrainer(ml, options).Fit(featurized);
            (predictor, contributions) = (lightGbm, ml.Transforms.CalculateFeatureContribution(lightGbm, slots, slots, normalize: false));
            covers = TreeCovers.Count(
                "churn", $"the {rows.Count:N0} training customers", lightGbm.Model.SubModel, featurized, FeatureSchema.FeaturesColumn);
        }
        else
        {
            var fastTree = Trainer(ml, options).Fit(featurized);
            (predictor, contributions) = (fastTree, ml.Transforms.CalculateFeatureContribution(fastTree, slots, slots, normalize: false));
            covers = TreeCovers.Count(
                "churn", $"the {rows.Count:N0} {rowsName}", fastTree.Model.SubModel, featurized, FeatureSchema.FeaturesColumn);
        }

        return (ModelExplanations.Chain(featurizer, predictor, contributions.Fit(predictor.Transform(featurized))), covers);
    }

    /// <summary>
    /// Runs the rounds: each cross-validates the surviving candidates on a stratified subsample (the first rows of one
    /// seeded stratified order, so every round's sample contains the previous one) and keeps the best 1/η, until one
    /// candidate has been cross-validated on the final sample.
    /// </summary>
    private static (CrossValidation Best, int[] Sample, int[] SampleFolds, List<ChurnCandidateScore> Scores, int FinalRound) Search(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> rows, bool[] labels, IReadOnlyList<ChurnOptions> candidates, int folds, int seed,
        ChurnSearchOptions search)
    {
        var reduction = Math.Max(2, search.Reduction);
        var order = StratifiedOrder(labels, seed);
        var finalCount = Math.Min(rows.Count, Math.Max(search.MaxCrossValidationCustomers, 1));
        var smallest = Math.Min(finalCount, search.FullGridCustomers);
        var alive = Enumerable.Range(0, candidates.Count).ToList();
        var scores = new List<ChurnCandidateScore>();
        for (var round = 1; ; round++)
        {
            // log_η(alive) halvings are left; the first round starts that many η-steps below the final sample, never below the full-grid size.
            var halvings = alive.Count == 1 ? 0 : (int)Math.Ceiling(Math.Log(alive.Count) / Math.Log(reduction) - 1e-9);
            var size = (int)Math.Min(finalCount, Math.Max(smallest, finalCount / Math.Pow(reduction, halvings)));
            var sample = order.Take(size).Order().ToArray();
            var sampleRows = sample.Select(i => rows[i]).ToList();
            var sampleLabels = sample.Select(i => labels[i]).ToArray();
            var sampleFolds = Splits.Folds(sampleLabels, folds, seed);
            var results = alive
                .Select(i => (Index: i, Result: CrossValidate(ml, schema, sampleRows, sampleLabels, sampleFolds, folds, candidates[i])))
                .OrderByDescending(r => r.Result.MeanAuc).ThenBy(r => r.Index)
                .ToList();
            var final = size >= finalCount;
            if (final)
            {
                // One-standard-error rule: any candidate within one standard error (over the folds) of the best mean AUC
                // is as good as the data can tell, and the earliest in the list is kept, so a newcomer to the grid
                // replaces the earlier versions' settings only when it is better by more than the folds' noise.
                var top = results[0].Result;
                var standardError = CrossValidated.Of(top.FoldAuc).StandardDeviation / Math.Sqrt(Math.Max(1, top.FoldAuc.Count));
                var chosen = results.Where(r => r.Result.MeanAuc >= top.MeanAuc - standardError).MinBy(r => r.Index);
                results.Remove(chosen);
                results.Insert(0, chosen);
            }

            var keep = final ? 1 : (alive.Count + reduction - 1) / reduction;
            scores.AddRange(results.Select((r, rank) => new ChurnCandidateScore(
                candidates[r.Index], round, size, CrossValidated.Of(r.Result.FoldAuc),
                rank >= keep ? ChurnCandidateScore.Dropped : final ? ChurnCandidateScore.Chosen : ChurnCandidateScore.Advanced)));
            if (final)
            {
                return (results[0].Result, sample, sampleFolds, scores, round);
            }

            alive = results.Take(keep).Select(r => r.Index).Order().ToList();
        }
    }

    /// <summary>
    /// The rows in a seeded order whose every prefix keeps the churn share of the whole: each class shuffled, then the
    /// two interleaved by their position within the class.
    /// </summary>
    private static int[] StratifiedOrder(bool[] labels, int seed)
    {
        var random = new Random(seed);
        var keyed = new List<(double Key, int Index)>(labels.Length);
        foreach (var label in new[] { false, true })
        {
            var group = Enumerable.Range(0, labels.Length).Where(i => labels[i] == label).ToArray();
            random.Shuffle(group);
            keyed.AddRange(group.Select((index, rank) => ((rank + 0.5) / group.Length, index)));
        }

        return keyed.OrderBy(k => k.Key).ThenBy(k => k.Index).Select(k => k.Index).ToArray();
    }

    /// <summary>One candidate's cross-validation: its out-of-fold raw scores (sample order) and the AUC of each fold.</summary>
    private sealed record CrossValidation(ChurnOptions Options, double[] OutOfFold, List<double> FoldAuc)
    {
        public double MeanAuc => FoldAuc.Count > 0 ? FoldAuc.Average() : 0;
    }

    private static CrossValidation CrossValidate(
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

        return new CrossValidation(options, outOfFold, foldAuc);
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
