using System.Reflection;
using System.Security.Cryptography;
using Microsoft.ML;
using MlCustomer.Core.Churn;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.SampleData;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Segments;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Bundle;

/// <summary>A trained bundle plus what the report draws that is not in the card.</summary>
/// <param name="Bundle">Models and card.</param>
/// <param name="CustomerProfits">Profit of every customer in the trailing year, for the concentration curve.</param>
/// <param name="SegmentScatter">A sample of customers with their segment, for the scatter plot.</param>
public sealed record TrainingResult(ModelBundle Bundle, IReadOnlyList<double> CustomerProfits, IReadOnlyList<SegmentPoint> SegmentScatter)
{
    /// <summary>The held-out and out-of-fold predictions, written as predictions.csv beside the models.</summary>
    public IReadOnlyList<HeldOutPrediction> Predictions { get; init; } = [];

    /// <summary>What a data scientist should know before trusting the metrics (few held-out churners, no held-out rows).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>One row of predictions.csv: a prediction for a row that the model making it never fitted on.</summary>
/// <param name="CustomerId">The row's id.</param>
/// <param name="Fold">"holdout" for a held-out row (scored by the served model), else the cross-validation fold (1-based) whose fit left it out.</param>
/// <param name="Churned">The observed label.</param>
/// <param name="ChurnProbability">The calibrated churn probability.</param>
/// <param name="PredictedValue">The value model's prediction (held-out rows of bundles with a value model), else null.</param>
public sealed record HeldOutPrediction(string CustomerId, string Fold, bool Churned, double ChurnProbability, double? PredictedValue);

/// <summary>One customer in the segment scatter.</summary>
/// <param name="LogRecencyDays">ln(1 + recency days).</param>
/// <param name="LogRevenue">Signed ln(1 + |revenue|).</param>
/// <param name="SegmentId">The segment.</param>
public sealed record SegmentPoint(double LogRecencyDays, double LogRevenue, int SegmentId);

/// <summary>The data a transactional training run reads, with the files it came from.</summary>
/// <param name="Data">Loaded transactions and customers.</param>
/// <param name="Files">Paths of the files read (hashed into the card).</param>
/// <param name="GroundTruth">The sample data generator's truth, when training on sample data at its as-of date.</param>
public sealed record TransactionalInput(CustomerDataSet Data, IReadOnlyList<string> Files, IReadOnlyDictionary<string, OracleTruth>? GroundTruth);

/// <summary>
/// Trains the whole bundle: features, a stratified customer-level split, churn (cross-validated,
/// calibrated), segments, lifetime value, evaluation of each on held-out customers against baselines,
/// explanations, and the model card.
/// </summary>
public static class BundleTrainer
{
    /// <summary>Trains from transactions (and customers) at the as-of date in <paramref name="features"/>.</summary>
    public static TrainingResult TrainTransactional(
        TransactionalInput input, FeatureOptions features, TrainingOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        var ml = new MLContext(seed: options.Seed);

        progress?.Report("computing features");
        if (options.HoldoutShare == 0)
        {
            throw new ArgumentException("--holdout 0 is for customer tables (train --table); transactional bundles measure every model on held-out customers.");
        }

        var table = FeatureBuilder.Build(input.Data, features with { IncludeLabels = true });
        var dataset = ModelDatasets.FromFeatureTable(table, options.Exclude);
        var byId = table.Rows.ToDictionary(r => r.CustomerId, StringComparer.Ordinal);
        var (train, holdout) = SplitRows(dataset.Rows, options);
        var contract = FeatureContract.Learn(dataset.Schema, train);

        progress?.Report("training churn");
        var recencyIndex = IndexOf(dataset.Schema.NumericNames, "recency_days");
        var (churn, outOfFold, foldOf) = TrainChurnWithFolds(ModelContext(options), dataset.Schema, train, holdout, options, recencyIndex,
            input.GroundTruth is { } truth ? id => truth.TryGetValue(id, out var t) ? t.TrueChurnProbability : null : null);

        // Cut-offs from every customer at the as-of date (not only the training part): tiers describe
        // the whole customer base, and scoring one customer later must give the tier the batch gave.
        var profits = table.Rows.Select(r => Profit.Trailing(r, options.Rules.CostToServe)).ToList();
        var tiers = ProfitTiers.Learn(profits.Zip(table.Rows, (profit, r) => (profit, r.RevenueLast365Days)).ToList(), options.Rules);

        progress?.Report("training segments");
        var trainFeatures = train.Select(r => byId[r.CustomerId]).ToList();
        var trainProbabilities = churn.Card.Calibrator.Calibrate(ChurnTrainer.RawScores(ml, churn.Model, dataset.Schema, train));
        var segments = SegmentTrainer.Train(
            ModelContext(options), trainFeatures, options.Segments, options.PreviousSegments, new SegmentMixRules(tiers, options.Rules.Lifecycle, trainProbabilities));
        var scatter = Scatter(ml, segments, trainFeatures, options);

        var card = new ModelCard
        {
            Version = BundleVersion.Pending,
            CreatedAt = DateTimeOffset.UtcNow,
            InputKind = "transactional",
            Currency = options.Currency,
            Data = new DataSummary(Describe(input.Files, input.Data.Report), input.Data.Report.WithFileNamesOnly(), table.Report, table.Rows.Count),
            AsOfDate = table.AsOfDate,
            SnapshotAttributesBeforeExport = table.Report.Leaks.Count > 0,
            ChurnHorizonDays = table.ChurnHorizonDays,
            ValueHorizonDays = table.ValueHorizonDays,
            FeatureContract = contract,
            ExcludedColumns = dataset.ExcludedColumns,
            Seed = options.Seed,
            PackageVersions = PackageVersions(),
            Split = Summary(train, holdout, options),
            Churn = churn.Card,
            Segments = new SegmentCard
            {
                Criterion = segments.Criterion,
                Candidates = segments.Candidates,
                Profiles = segments.Profiles,
                ClusterToSegment = segments.ClusterToSegment,
                Features = SegmentFeatures.Names,
                Base = segments.Base,
                NamingRule = SegmentNames.Rule,
                MixRule = segments.MixRule,
            },
        };
        progress?.Report("training lifetime value");
        var horizon = table.ValueHorizonDays;
        var histories = ValueBaselines.PurchaseHistories(input.Data, table.AsOfDate);
        var valueBaselines = new Dictionary<string, Func<ModelRow, double>>(StringComparer.Ordinal)
        {
            ["run rate"] = r => ValueBaselines.RunRate(byId[r.CustomerId], horizon),
        };
        var valueBaselineDetails = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["run rate"] = $"past gross profit per day of tenure × {horizon} days",
        };
        try
        {
            var bgNbd = BgNbdBaseline.Fit(train.Select(r => histories.GetValueOrDefault(r.CustomerId)).OfType<ValueHistory>());
            valueBaselines["BG/NBD + Gamma-Gamma"] = r => bgNbd.Predict(histories.GetValueOrDefault(r.CustomerId), horizon);
            valueBaselineDetails["BG/NBD + Gamma-Gamma"] = $"{bgNbd}, fitted on the training customers by maximum likelihood, in days";
        }
        catch (ArgumentException e)
        {
            // No repeat purchases, or a spend distribution without a mean: the model is compared with the run rate alone.
            valueBaselineDetails["BG/NBD + Gamma-Gamma"] = $"not available on this data: {e.Message}";
        }

        var value = TrainValue(
            ModelContext(options), dataset.Schema, train, holdout, options,
            $"gross profit in the {horizon} days after the as-of date",
            valueBaselines,
            valueBaselineDetails,
            input.GroundTruth is { } valueTruth ? id => valueTruth.TryGetValue(id, out var t) ? t.TrueExpectedProfit : null : null,
            horizonDays: horizon);
        progress?.Report("training lifetime revenue");
        var revenue = TrainRevenue(ModelContext(options), dataset.Schema, train, holdout, options, horizon, id => byId[id]);
        card = card with { LifetimeValue = value.Card, Revenue = revenue.Card, Tiers = tiers };

        var bundle = new ModelBundle(card, churn.Model, segments.Model, value.Model, options.Rules, revenue.Model);

        progress?.Report("deciding the customers at the as-of date");
        var (offer, forecast, heldOutScores) = DecideAtAsOf(ml, bundle, table, holdout, options);
        card = card with { Churn = card.Churn with { OfferThreshold = offer }, TierForecast = forecast };
        // predictions.csv: the held-out customers as the evaluation fit scored them, then every training row from the fold fit that left it out.
        var predictions = Predictions(holdout, heldOutScores, train, foldOf, outOfFold);
        var warnings = SmallDataWarnings(card.Churn, holdout, options);
        bundle = new ModelBundle(card, churn.Model, segments.Model, value.Model, options.Rules, revenue.Model);

        if (options.Refit)
        {
            progress?.Report("refitting every model on every customer");
            var all = train.Concat(holdout).ToList();
            var (servedChurn, refitCard) = RefitChurn(dataset.Schema, all, card, options);
            var servedValue = value.RefitOn(all);
            var servedRevenue = revenue.RefitOn(all);
            var allFeatures = all.Select(r => byId[r.CustomerId]).ToList();
            var allProbabilities = card.Churn.Calibrator.Calibrate(ChurnTrainer.RawScores(ml, servedChurn, dataset.Schema, all));
            // The number of segments chosen on the training customers; ids follow the evaluation fit's nearest centres.
            var servedSegments = SegmentTrainer.Train(
                ModelContext(options), allFeatures, options.Segments with { Segments = segments.Profiles.Count }, segments.Profiles,
                new SegmentMixRules(tiers, options.Rules.Lifecycle, allProbabilities));
            scatter = Scatter(ml, servedSegments, allFeatures, options);
            card = refitCard with
            {
                LifetimeValue = servedValue.Card,
                Revenue = servedRevenue.Card,
                Segments = card.Segments! with
                {
                    Criterion = $"{segments.Criterion}, on the {train.Count:N0} training customers; then refitted with that number on all {all.Count:N0} customers",
                    Profiles = servedSegments.Profiles,
                    ClusterToSegment = servedSegments.ClusterToSegment,
                    Base = servedSegments.Base,
                    MixRule = servedSegments.MixRule,
                },
                Refit = new RefitSummary(all.Count, ["churn", "lifetime value", "lifetime revenue", "segments"], RefitRule(card, train.Count, holdout.Count) +
                    " The lifetime value and revenue models keep their chosen form and blend weight (BG/NBD + Gamma-Gamma of a blend refitted on every customer too), " +
                    $"and the segments the number chosen on the training customers ({segments.Profiles.Count}), their ids matched to the evaluation fit's nearest centres. " +
                    "Held-out metrics, the churn calibrator, the offer threshold, permutation importance and the value intervals' calibration are the evaluation fit's " +
                    "(a refit on more rows of the same data is expected to do at least as well; the intervals keep the evaluation fit's out-of-fold errors); the TreeSHAP " +
                    "covers and baselines, the mean effects, the segment profiles and the tier forecast are the served models'." +
                    string.Concat(new[] { servedValue.BlendNote, servedRevenue.BlendNote }.OfType<string>().Select(n => $" {n}."))),
            };
            bundle = new ModelBundle(card, servedChurn, servedSegments.Model, servedValue.Model, options.Rules, servedRevenue.Model);

            progress?.Report("deciding the customers at the as-of date with the refitted models");
            card = card with { TierForecast = DecideAtAsOf(ml, bundle, table, holdout, options).Forecast };
            bundle = new ModelBundle(card, servedChurn, servedSegments.Model, servedValue.Model, options.Rules, servedRevenue.Model);
        }

        // Global importance as the served reasons measure it: mean |TreeSHAP effect| over the held-out customers.
        progress?.Report("explaining the held-out customers");
        var scorer = new BundleScorer(ml, bundle);
        if (scorer.Explainer is { } explainer)
        {
            var explained = scorer.Score(holdout, reasons: explainer.Units.Count);
            card = card with
            {
                Churn = card.Churn with { MeanEffects = MeanEffect.Of(explained, churn: true) },
                LifetimeValue = card.LifetimeValue is null || !explainer.ExplainsValue ? card.LifetimeValue
                    : card.LifetimeValue with { MeanEffects = MeanEffect.Of(explained, churn: false) },
            };
        }

        bundle = new ModelBundle(card, bundle.Churn, bundle.Segments, bundle.LifetimeValue, options.Rules, bundle.Revenue).Versioned(ml);
        return new TrainingResult(bundle, profits, scatter) { Predictions = predictions, Warnings = warnings };
    }

    /// <summary>
    /// Trains from a customer table (one row per customer with a churn label): churn only, or churn and
    /// value when the table has a value column. The churn baseline is the best single numeric column.
    /// </summary>
    public static TrainingResult TrainTable(CustomerTable table, string file, TrainingOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        var ml = new MLContext(seed: options.Seed);
        var dataset = table.Dataset;
        if (options.HoldoutShare == 0 && dataset.HasValueLabel)
        {
            throw new ArgumentException("--holdout 0 trains churn on every row with out-of-fold metrics only; the value model needs held-out rows to be measured: leave out --value-column or hold rows out.");
        }

        if (options.Refit && options.HoldoutShare == 0)
        {
            throw new ArgumentException(RefitWithoutHoldout);
        }

        var (train, holdout) = SplitRows(dataset.Rows, options);
        var contract = FeatureContract.Learn(dataset.Schema, train);

        progress?.Report("training churn");
        var (churn, outOfFold, foldOf) = TrainChurnWithFolds(ModelContext(options), dataset.Schema, train, holdout, options, baselineFeature: null, oracle: null);

        // A table has no actions and no predicted profit per customer: every offer costs one amount and every kept
        // churner is worth one value, through the same offer rule the transactional decisions use.
        var savedValue = options.SavedCustomerValue
            ?? (dataset.HasValueLabel ? Mean(train.Where(r => !r.Label).Select(r => (double)r.Value), fallback: 100) : 100);
        var offerCost = options.OfferCost ?? TrainingOptions.DefaultTableOfferCost;
        var (measured, probabilities, basis) = holdout.Count > 0
            ? (holdout, churn.HoldoutProbabilities, "held-out customers")
            : (train.Where((_, i) => foldOf[i] >= 0).ToList(), outOfFold.Where(p => !double.IsNaN(p)).ToArray(),
                "training customers' out-of-fold predictions (no customers held out)");
        var cases = measured.Select((r, i) => new OfferCase(probabilities[i], r.Label ? 1 : 0, savedValue, offerCost)).ToList();
        var saveRate = options.SaveRate ?? options.Rules.SaveRate;
        churn = (churn.Model, churn.Card with
        {
            OfferThreshold = OfferEconomics.BestThreshold(cases, saveRate,
                $"{cases.Count:N0} {basis}, their observed churn, a kept churner worth {Show.Amount(savedValue)} (mean value of the training customers who stayed), offer cost {Show.Amount(offerCost)} each, save rate {Show.Probability(saveRate)}"),
        }, churn.HoldoutProbabilities);
        var warnings = SmallDataWarnings(churn.Card, holdout, options);

        var card = new ModelCard
        {
            Version = BundleVersion.Pending,
            CreatedAt = DateTimeOffset.UtcNow,
            InputKind = ModelCard.CustomerTableInput,
            Table = table.Encoding,
            Currency = options.Currency,
            Data = new DataSummary(Describe([file], table.Report), table.Report.WithFileNamesOnly(), null, dataset.Rows.Count),
            FeatureContract = contract,
            ExcludedColumns = dataset.ExcludedColumns,
            Seed = options.Seed,
            PackageVersions = PackageVersions(),
            Split = Summary(train, holdout, options),
            Churn = churn.Card,
        };
        ITransformer? valueModel = null;
        Func<IReadOnlyList<ModelRow>, (ITransformer Model, ValueCard Card, string? BlendNote)>? refitValue = null;
        if (dataset.HasValueLabel)
        {
            progress?.Report("training lifetime value");
            var trainMean = train.Average(r => (double)r.Value);
            var value = TrainValue(
                ModelContext(options), dataset.Schema, train, holdout, options with { Value = options.Value with { LabelName = "value" } }, "the value column",
                new Dictionary<string, Func<ModelRow, double>> { ["training mean"] = _ => trainMean },
                new Dictionary<string, string> { ["training mean"] = $"every customer predicted at the training customers' mean, {trainMean:0.00}" },
                oracle: null);
            card = card with { LifetimeValue = value.Card };
            (valueModel, refitValue) = (value.Model, value.RefitOn);
        }

        var evaluated = new ModelBundle(card, churn.Model, segments: null, valueModel, options.Rules);
        // Held-out rows as the evaluation fit scores them (the served bundle unless refitted), then every training row
        // from the fold fit that left it out.
        var heldOutScores = holdout.Count == 0 ? [] : new BundleScorer(ml, evaluated, compile: false).Score(holdout, reasons: 0);
        var (servedChurn, servedValue) = (churn.Model, valueModel);
        if (options.Refit)
        {
            progress?.Report("refitting every model on every row");
            var all = train.Concat(holdout).ToList();
            (servedChurn, card) = RefitChurn(dataset.Schema, all, card, options);
            var models = new List<string> { "churn" };
            var rule = RefitRule(card, train.Count, holdout.Count);
            if (refitValue is not null)
            {
                var refitted = refitValue(all);
                (servedValue, card) = (refitted.Model, card with { LifetimeValue = refitted.Card });
                models.Add("lifetime value");
                rule += $" Lifetime value: {card.LifetimeValue.Algorithm}, the chosen form.";
            }

            card = card with
            {
                Refit = new RefitSummary(all.Count, models, rule +
                    " Held-out metrics, the churn calibrator, the offer threshold, permutation importance" + (refitValue is null ? "" : " and the value intervals' calibration") +
                    " are the evaluation fit's (a refit on more rows of the same data is expected to do at least as well); the TreeSHAP covers and baselines are the served models'."),
            };
        }

        var bundle = new ModelBundle(card, servedChurn, segments: null, servedValue, options.Rules).Versioned(ml);
        var predictions = Predictions(holdout, heldOutScores, train, foldOf, outOfFold);
        return new TrainingResult(bundle, [], []) { Predictions = predictions, Warnings = warnings };
    }

    // The rows of predictions.csv: each held-out row with its score (in holdout order), then each training row in the final
    // cross-validation sample with its out-of-fold churn probability and fold.
    private static List<HeldOutPrediction> Predictions(
        IReadOnlyList<ModelRow> holdout, IReadOnlyList<CustomerScore> heldOutScores, IReadOnlyList<ModelRow> train, IReadOnlyList<int> foldOf, double[] outOfFold) =>
        holdout.Select((r, i) => new HeldOutPrediction(r.CustomerId, "holdout", r.Label, heldOutScores[i].ChurnProbability, heldOutScores[i].PredictedGrossProfit))
            .Concat(train.Select((r, i) => (Row: r, Index: i)).Where(x => foldOf[x.Index] >= 0).Select(x => new HeldOutPrediction(
                x.Row.CustomerId, (foldOf[x.Index] + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), x.Row.Label, outOfFold[x.Index], null)))
            .ToList();

    /// <summary>
    /// <c>train --refit</c>: the churn model fitted again with the chosen settings on every customer (<paramref name="all"/>:
    /// training and held out), in a context seeded like the evaluation fit's. The calibrator, the metrics, the offer threshold
    /// and the importance stay those of the evaluation fit (the refit has no rows left to measure or calibrate on); the trees
    /// and their covers are new. The card's <see cref="ModelCard.Refit"/> is the caller's to write.
    /// </summary>
    private static (ITransformer Model, ModelCard Card) RefitChurn(FeatureSchema schema, IReadOnlyList<ModelRow> all, ModelCard card, TrainingOptions options)
    {
        var (model, covers) = ChurnTrainer.Fit(ModelContext(options), schema, all, card.Churn.Hyperparameters, "customers (training and held out)");
        return (model, card with { Churn = card.Churn with { TreeCovers = covers } });
    }

    // What every refit says first: which rows the served models saw, and the chosen churn settings.
    private static string RefitRule(ModelCard card, int train, int holdout) =>
        $"After the held-out evaluation every served model was fitted again with the chosen settings on all {train + holdout:N0} customers " +
        $"({train:N0} training + {holdout:N0} held out): the served models saw every row. Churn: {card.Churn.Hyperparameters.Describe()}.";

    private const string RefitWithoutHoldout =
        "--refit refits on the held-out customers after measuring on them; with --holdout 0 the model already saw every row: leave out --refit.";

    /// <summary>Fewer held-out churners than this make the held-out metrics too noisy to trust alone.</summary>
    public const int MinHeldOutPositives = 50;

    // What the held-out metrics cannot carry: no held-out rows at all, or too few churners among them.
    private static List<string> SmallDataWarnings(ChurnCard churn, IReadOnlyList<ModelRow> holdout, TrainingOptions options)
    {
        var cv = churn.CrossValidationAuc;
        var spread = $"{options.Folds}-fold cross-validated AUC {cv.Mean:0.000} ± {cv.StandardDeviation:0.000} (folds {string.Join(", ", cv.Folds.Select(f => f.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))})";
        if (holdout.Count == 0)
        {
            return [$"no rows held out (--holdout 0): the served model saw every row and no held-out metrics exist; the card's metrics are out-of-fold cross-validation predictions; {spread}"];
        }

        var positives = holdout.Count(r => r.Label);
        return positives >= MinHeldOutPositives
            ? []
            : [$"small data: the held-out set has {positives} churners (fewer than {MinHeldOutPositives}), so its AUC of {churn.Holdout.Auc:0.000} is noisy; {spread}"];
    }

    /// <summary>
    /// Decides every customer at the training as-of date with the finished bundle (the decisions <c>score</c> makes):
    /// the card's offer threshold comes from the held-out customers, with their observed churn, through the one offer
    /// rule <c>targets</c> uses on today's customers; the tier forecast counts every customer.
    /// </summary>
    private static (ProfitOptimalThreshold Offer, TierForecast Forecast, IReadOnlyList<CustomerScore> HeldOutScores) DecideAtAsOf(
        MLContext ml, ModelBundle bundle, FeatureTable table, IReadOnlyList<ModelRow> holdout, TrainingOptions options)
    {
        var scores = new BundleScorer(ml, bundle, compile: false).Score(table.Rows, table.AttributeNames, reasons: 0);
        var rules = new BundleDecisions(bundle, options.Rules);
        var decisions = table.Rows.Select((row, i) => rules.Decide(row, scores[i])!).ToList();
        var churned = holdout.ToDictionary(r => r.CustomerId, r => r.Label, StringComparer.Ordinal);
        var cases = decisions
            .Where(d => d.PaidOffer && churned.ContainsKey(d.CustomerId))
            .Select(d => RetentionTargets.Case(d, options.OfferCost) with { Churn = churned[d.CustomerId] ? 1 : 0 })
            .ToList();
        var saveRate = options.SaveRate ?? options.Rules.SaveRate;
        var asOf = $"{table.AsOfDate:yyyy-MM-dd}";
        var basis = $"{cases.Count:N0} of the {churned.Count:N0} held-out customers have a paid offer at {asOf}; their observed churn in the {table.ChurnHorizonDays} days after it, " +
            $"predicted profit, {(options.OfferCost is { } cost ? $"offer cost {Show.Amount(cost)} each" : "each action's own offer cost")}, save rate {Show.Probability(saveRate)}";
        var scoreOf = Enumerable.Range(0, table.Rows.Count).Where(i => churned.ContainsKey(table.Rows[i].CustomerId))
            .ToDictionary(i => table.Rows[i].CustomerId, i => scores[i], StringComparer.Ordinal);
        return (OfferEconomics.BestThreshold(cases, saveRate, basis),
            TierForecast.Of(decisions, $"all {decisions.Count:N0} customers at {asOf}, the training as-of date"),
            holdout.Select(r => scoreOf[r.CustomerId]).ToList());
    }

    /// <summary>
    /// A context of its own for one model, seeded from the training seed. ML.NET trainers that draw random numbers
    /// (KMeans++ seeding, shuffles) draw them from their context, so models sharing one would each depend on how many
    /// numbers the models before them drew: the segmentation changed from 4 to 5 segments when the churn search grew.
    /// </summary>
    private static MLContext ModelContext(TrainingOptions options) => new(seed: options.Seed);

    /// <summary>The stratified customer-level split of a data set's rows.</summary>
    public static (List<ModelRow> Train, List<ModelRow> Holdout) SplitRows(IReadOnlyList<ModelRow> rows, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        if (options.HoldoutShare == 0)
        {
            // --holdout 0 (customer tables): every row trains; the card says no held-out metrics exist.
            return (rows.ToList(), []);
        }

        var (trainIndex, holdoutIndex) = Splits.TrainHoldout(rows.Select(r => r.Label).ToList(), options.HoldoutShare, options.Seed);
        return (trainIndex.Select(i => rows[i]).ToList(), holdoutIndex.Select(i => rows[i]).ToList());
    }

    /// <summary>
    /// Trains and evaluates the churn model; the baseline is the best single-feature threshold rule. With no held-out
    /// customers (<c>--holdout 0</c>, customer tables) the card's metrics are the out-of-fold cross-validation predictions
    /// on the training rows, which <see cref="SplitSummary.Rule"/> says, and no permutation importance is measured.
    /// </summary>
    public static (ITransformer Model, ChurnCard Card, double[] HoldoutProbabilities) TrainChurn(
        MLContext ml,
        FeatureSchema schema,
        IReadOnlyList<ModelRow> train,
        IReadOnlyList<ModelRow> holdout,
        TrainingOptions options,
        int? baselineFeature,
        Func<string, double?>? oracle) =>
        TrainChurnWithFolds(ml, schema, train, holdout, options, baselineFeature, oracle).Churn;

    /// <summary><see cref="TrainChurn"/>, with every training row's out-of-fold prediction (calibrated) and fold.</summary>
    public static ((ITransformer Model, ChurnCard Card, double[] HoldoutProbabilities) Churn, double[] OutOfFoldProbabilities, IReadOnlyList<int> FoldOf) TrainChurnWithFolds(
        MLContext ml,
        FeatureSchema schema,
        IReadOnlyList<ModelRow> train,
        IReadOnlyList<ModelRow> holdout,
        TrainingOptions options,
        int? baselineFeature,
        Func<string, double?>? oracle)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(holdout);
        ArgumentNullException.ThrowIfNull(options);
        var model = ChurnTrainer.Train(ml, schema, train, options.ChurnCandidates, options.Folds, options.Seed, options.ChurnSearch);
        // Rows outside the final cross-validation sample (large data) have no out-of-fold score and stay NaN.
        var outOfFold = model.Calibrator.Calibrate(model.OutOfFoldScores.Select(s => double.IsNaN(s) ? 0 : s).ToArray())
            .Select((p, i) => double.IsNaN(model.OutOfFoldScores[i]) ? double.NaN : p).ToArray();
        double[] Probabilities(IReadOnlyList<ModelRow> rows) => model.Calibrator.Calibrate(ChurnTrainer.RawScores(ml, model.Model, schema, rows));
        // Without held-out rows the only predictions on rows a fit never saw are the out-of-fold ones.
        var measured = holdout.Count > 0 ? holdout : train.Where((_, i) => model.FoldOf[i] >= 0).ToList();
        var labels = measured.Select(r => r.Label).ToArray();
        var probabilities = holdout.Count > 0 ? Probabilities(holdout) : outOfFold.Where(p => !double.IsNaN(p)).ToArray();
        var metrics = BinaryMetrics.Compute(probabilities, labels);

        var (feature, direction) = baselineFeature is { } index ? (index, 1.0) : BestSingleFeature(train, schema);
        double FeatureScore(ModelRow r) => double.IsNaN(r.Numeric[feature]) ? 0 : direction * r.Numeric[feature];
        var featureName = direction > 0 ? schema.NumericNames[feature] : $"−{schema.NumericNames[feature]}";
        var rule = BinaryMetrics.BestSingleThresholdRule(train.Select(FeatureScore).ToArray(), train.Select(r => r.Label).ToArray(), featureName);
        var baselineAuc = BinaryMetrics.Auc(measured.Select(FeatureScore).ToArray(), labels);

        double? oracleAuc = null;
        if (oracle is not null)
        {
            var truth = measured.Select(r => oracle(r.CustomerId)).ToList();
            oracleAuc = truth.All(t => t is not null) ? BinaryMetrics.Auc(truth.Select(t => t!.Value).ToArray(), labels) : null;
        }

        var importanceRows = ImportanceRows(holdout, options);
        var importanceLabels = importanceRows.Select(r => r.Label).ToArray();
        var importance = holdout.Count == 0
            ? []
            : ModelImportance.Compute(schema, importanceRows, rows => BinaryMetrics.Auc(Probabilities(rows), importanceLabels) ?? 0.5, options.Seed);
        var card = new ChurnCard
        {
            Algorithm = model.Options.AlgorithmName,
            Hyperparameters = model.Options,
            Selection = model.Selection,
            Search = model.Search,
            Candidates = model.Candidates,
            Calibrator = model.Calibrator,
            PlattLogLoss = model.Calibration.PlattLogLoss,
            IsotonicLogLoss = model.Calibration.IsotonicLogLoss,
            CrossValidationAuc = CrossValidated.Of(model.CrossValidationAuc),
            Holdout = metrics,
            Baseline = rule,
            BaselineAuc = baselineAuc,
            Grade = QualityGrade.ForChurn(metrics, baselineAuc),
            OracleAuc = oracleAuc,
            Importance = importance,
            SlotNames = ModelExplanations.SlotNames(model.Model, schema.Load(ml, []).Schema),
            ProbabilityDistribution = FeatureDrift.LearnOutputs(probabilities),
            TreeCovers = model.Covers,
        };
        return ((model.Model, card, holdout.Count > 0 ? probabilities : []), outOfFold, model.FoldOf);
    }

    /// <summary>
    /// Trains and evaluates the lifetime value model on held-out customers against each baseline; the
    /// grade compares with the strongest baseline (highest normalized Gini).
    /// </summary>
    public static (ITransformer Model, ValueCard Card, Func<IReadOnlyList<ModelRow>, (ITransformer Model, ValueCard Card, string? BlendNote)> RefitOn) TrainValue(
        MLContext ml,
        FeatureSchema schema,
        IReadOnlyList<ModelRow> train,
        IReadOnlyList<ModelRow> holdout,
        TrainingOptions options,
        string target,
        IReadOnlyDictionary<string, Func<ModelRow, double>> baselines,
        IReadOnlyDictionary<string, string> baselineDetails,
        Func<string, double?>? oracle,
        int? horizonDays = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(holdout);
        ArgumentNullException.ThrowIfNull(baselines);
        var valueOptions = options.Value with { Folds = options.Folds, HorizonDays = horizonDays };
        var model = LifetimeValueTrainer.Train(ml, schema, train, valueOptions, options.Seed);
        double[] Predict(IReadOnlyList<ModelRow> rows) => LifetimeValueTrainer.Predict(ml, model.Model, schema, rows, model.Blend);
        var actual = holdout.Select(r => (double)r.Value).ToArray();
        var predictions = Predict(holdout);
        var metrics = RegressionMetrics.Compute(predictions, actual);
        var baselineMetrics = new Dictionary<string, RegressionMetricsResult>(StringComparer.Ordinal);
        var details = new Dictionary<string, string>(baselineDetails, StringComparer.Ordinal);
        foreach (var (name, predict) in baselines)
        {
            try
            {
                baselineMetrics[name] = RegressionMetrics.Compute(holdout.Select(predict).ToArray(), actual);
            }
            catch (InvalidOperationException e)
            {
                // BG/NBD with extreme parameters (a short history) cannot evaluate every customer: say so, compare with the others.
                details[name] = $"{details.GetValueOrDefault(name)}; not evaluated: {e.Message}";
            }
        }

        var strongest = baselineMetrics.MaxBy(b => b.Value.NormalizedGini ?? double.MinValue);

        double? oracleGini = null;
        if (oracle is not null)
        {
            var truth = holdout.Select(r => oracle(r.CustomerId)).ToList();
            oracleGini = truth.All(t => t is not null) ? RegressionMetrics.NormalizedGini(truth.Select(t => t!.Value).ToArray(), actual) : null;
        }

        var importanceRows = ImportanceRows(holdout, options);
        var importanceActual = importanceRows.Select(r => (double)r.Value).ToArray();
        var importance = ModelImportance.Compute(
            schema, importanceRows, rows => RegressionMetrics.NormalizedGini(Predict(rows), importanceActual) ?? 0, options.Seed);

        // Intervals from the training customers' out-of-fold predictions of the chosen form, measured on the held-out ones.
        ValueIntervals? intervals = null;
        // Large data: only the cross-validation sample has out-of-fold predictions (the others are NaN).
        var calibration = model.OutOfFold.Count == train.Count
            ? Enumerable.Range(0, train.Count).Where(i => !double.IsNaN(model.OutOfFold[i])).ToList()
            : [];
        if (calibration.Count >= 20)
        {
            var calibrationActual = calibration.Select(i => (double)train[i].Value).ToList();
            intervals = ValueIntervals.Calibrate(calibration.Select(i => model.OutOfFold[i]).ToList(), calibrationActual);
            intervals = intervals with { HeldOut = holdout.Count > 0 ? intervals.Measure(predictions, actual) : null };
            if (model.TwoPart && calibration.Count >= 2 * TwoPartIntervals.MinimumCustomersPerStep && calibrationActual.Count(a => a != 0) >= 20)
            {
                // The two-part model's own intervals, calibrated on the same training customers' out-of-fold parts and
                // measured on the held-out ones, with the one-part intervals' held-out coverage kept beside them.
                var calibrationParts = calibration.Select(i => model.OutOfFoldParts[i]).ToList();
                var twoPart = TwoPartIntervals.Calibrate(calibrationParts, calibrationActual);
                // Both two-part forms are calibrated on the same training customers and measured on the same held-out ones;
                // the option only chooses the one served.
                var deciles = DecileIntervals.Calibrate(calibration.Select(i => model.OutOfFold[i]).ToList(), calibrationParts, calibrationActual, twoPart, intervals.Level, options.Seed);
                var served = valueOptions.IntervalForm;
                var onePart = intervals.HeldOut;
                intervals = intervals with
                {
                    TwoPart = twoPart,
                    Deciles = deciles,
                    ServedForm = served,
                    Method = $"served: the {ValueIntervals.FormName(served)} form (train --value-intervals {ValueIntervals.FormName(served)}): {ValueIntervals.FormPromise(served)}. " +
                        twoPart.Describe(calibration.Count, intervals.Level) + ". " + deciles.Describe(calibration.Count, intervals.Level) +
                        $" (the one-part intervals of the bins below, {intervals.Method}, are kept for comparison)",
                };
                var heldParts = holdout.Count > 0 ? LifetimeValueTrainer.PredictParts(ml, model.Model, schema, holdout) : null;
                var heldIds = holdout.Select(r => r.CustomerId).ToList();
                var other = served == ValueIntervalForm.Decile ? ValueIntervalForm.Customer : ValueIntervalForm.Decile;
                intervals = intervals with
                {
                    HeldOut = heldParts is null ? null : intervals.Measure(predictions, actual, heldParts, served, heldIds),
                    OtherFormHeldOut = heldParts is null ? null : intervals.Measure(predictions, actual, heldParts, other, heldIds),
                    SinglePartHeldOut = onePart,
                };
            }
            else if (valueOptions.IntervalForm == ValueIntervalForm.Decile)
            {
                // Asked for, but there is no P(buy) to rank a decile's customers by: say so where the served method is read.
                intervals = intervals with
                {
                    Method = $"{intervals.Method}; the decile form (train --value-intervals decile, the default) needs the two-part model and at least " +
                        $"{2 * TwoPartIntervals.MinimumCustomersPerStep} calibration customers with 20 buyers ({(model.TwoPart ? $"{calibration.Count:N0} customers, {calibrationActual.Count(a => a != 0):N0} buyers" : "the model is one-part")}): these one-part intervals are served",
                };
            }
        }

        // The chosen model next to the trees alone and the statistical baseline, with bootstrap intervals.
        ValueErrorComparison? comparison = null;
        if (holdout.Count > 0)
        {
            var compared = new List<(string Name, double[] Predicted)>
            {
                (ValueErrorComparison.Trees, LifetimeValueTrainer.Predict(ml, model.Model, schema, holdout)),
            };
            if (baselineMetrics.ContainsKey(BgNbdName))
            {
                compared.Add((BgNbdName, holdout.Select(baselines[BgNbdName]).ToArray()));
            }

            compared.Add((ValueErrorComparison.Chosen, predictions));
            comparison = ValueErrorComparison.Compute(compared, actual, BgNbdName);
        }
        var slotNames = ModelExplanations.SlotNames(model.Model, schema.Load(ml, []).Schema);
        var card = new ValueCard
        {
            Algorithm = model.Algorithm,
            Selection = model.Selection,
            Target = target,
            Hyperparameters = model.Hyperparameters,
            CrossValidationGini = model.CrossValidationGini,
            Holdout = metrics,
            Baselines = baselineMetrics,
            BaselineDetails = details,
            Grade = QualityGrade.ForValue(metrics, strongest.Value),
            Comparison = string.Join("; ", baselineMetrics.Select(b =>
                $"vs {b.Key}: MAE {metrics.Mae:0.00} against {b.Value.Mae:0.00} ({Change(metrics.Mae, b.Value.Mae)}), " +
                $"normalized Gini {metrics.NormalizedGini:0.000} against {b.Value.NormalizedGini:0.000}")),
            OracleGini = oracleGini,
            Importance = importance,
            Blend = model.Blend,
            SlotNames = model.Blend is null ? slotNames : [.. slotNames, ValueBlend.ReasonName],
            PredictionDistribution = FeatureDrift.LearnOutputs(predictions),
            TreeCovers = model.Covers,
            Intervals = intervals,
            SelectionMetric = model.Metric.ToString().ToLowerInvariant(),
            Candidates = model.Candidates,
            ErrorComparison = comparison,
        };

        // train --refit: the chosen form on every customer; the metrics and the intervals' calibration stay this fit's.
        (ITransformer Model, ValueCard Card, string? BlendNote) RefitOn(IReadOnlyList<ModelRow> all)
        {
            var (refitted, note) = LifetimeValueTrainer.Refit(schema, all, valueOptions, options.Seed, model);
            return (refitted.Model, card with { TreeCovers = refitted.Covers, Blend = refitted.Blend }, note);
        }

        return (model.Model, card, RefitOn);
    }

    /// <summary>
    /// Trains and evaluates the revenue model: the value model's procedure on revenue in the horizon instead of
    /// profit, against the revenue run rate and BG/NBD + Gamma-Gamma on revenue per purchase day (fitted on the
    /// training customers from their features).
    /// </summary>
    private static (ITransformer Model, ValueCard Card, Func<IReadOnlyList<ModelRow>, (ITransformer Model, ValueCard Card, string? BlendNote)> RefitOn) TrainRevenue(
        MLContext ml, FeatureSchema schema, IReadOnlyList<ModelRow> train, IReadOnlyList<ModelRow> holdout, TrainingOptions options,
        int horizon, Func<string, CustomerFeatures> features)
    {
        ModelRow WithRevenue(ModelRow r) => new()
        {
            CustomerId = r.CustomerId,
            Numeric = r.Numeric,
            Categorical = r.Categorical,
            Label = r.Label,
            Value = (float)(features(r.CustomerId).RevenueInHorizon ?? 0),
        };
        var revenueTrain = train.Select(WithRevenue).ToList();
        var revenueHoldout = holdout.Select(WithRevenue).ToList();
        var baselines = new Dictionary<string, Func<ModelRow, double>>(StringComparer.Ordinal)
        {
            ["run rate"] = r => features(r.CustomerId) is { TenureDays: > 0 } f ? f.RevenueTotal / f.TenureDays * horizon : 0,
        };
        var details = new Dictionary<string, string>(StringComparer.Ordinal) { ["run rate"] = $"past revenue per day of tenure × {horizon} days" };
        if (ValueBlend.CanUse(schema.NumericNames, ValueBlend.RevenueTotalFeature))
        {
            try
            {
                var models = BgNbdBaseline.Fit(ValueBlend.Histories(schema, revenueTrain, ValueBlend.RevenueTotalFeature)).Models;
                var blender = ValueBlend.Of(0, horizon, ValueBlend.RevenueTotalFeature, models).For(schema);
                baselines["BG/NBD + Gamma-Gamma"] = r => blender.Statistical(r.Numeric) is var v && double.IsNaN(v)
                    ? throw new InvalidOperationException($"its expectation cannot be evaluated for customer {r.CustomerId}")
                    : v;
                details["BG/NBD + Gamma-Gamma"] = $"{models}, on revenue per purchase day, fitted on the training customers by maximum likelihood, in days";
            }
            catch (ArgumentException e)
            {
                details["BG/NBD + Gamma-Gamma"] = $"not available on this data: {e.Message}";
            }
        }

        var revenue = TrainValue(
            ml, schema, revenueTrain, revenueHoldout, options with { Value = options.Value with { ValueTotalFeature = ValueBlend.RevenueTotalFeature, LabelName = "revenue" } },
            $"revenue in the {horizon} days after the as-of date", baselines, details, oracle: null, horizonDays: horizon);
        return (revenue.Model, revenue.Card, all => revenue.RefitOn(all.Select(WithRevenue).ToList()));
    }

    // The statistical baseline's name among a value card's baselines.
    private const string BgNbdName = "BG/NBD + Gamma-Gamma";

    private static string Change(double model, double baseline) =>
        baseline == 0 ? "baseline is 0" : $"{(model - baseline) / Math.Abs(baseline):+0.0%;-0.0%}";

    /// <summary>
    /// The held-out customers permutation importance shuffles: all of them, or above <see cref="TrainingOptions.MaxImportanceCustomers"/>
    /// a seeded sample stratified by the churn label (each feature is shuffled and rescored three times, so 200,000 held-out
    /// customers would cost more than the whole churn search; 20,000 rank the features the same way).
    /// </summary>
    private static List<ModelRow> ImportanceRows(IReadOnlyList<ModelRow> holdout, TrainingOptions options) =>
        holdout.Count <= options.MaxImportanceCustomers
            ? holdout.ToList()
            : Splits.TrainHoldout(holdout.Select(r => r.Label).ToList(), (double)options.MaxImportanceCustomers / holdout.Count, options.Seed).Holdout
                .Select(i => holdout[i]).ToList();

    /// <summary>The split as the card states it, with the held-out customers' ids.</summary>
    public static SplitSummary Summary(IReadOnlyList<ModelRow> train, IReadOnlyList<ModelRow> holdout, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(holdout);
        ArgumentNullException.ThrowIfNull(options);
        if (holdout.Count == 0)
        {
            return new SplitSummary(train.Count, 0, 0, options.Folds,
                $"no customers held out (--holdout 0): the served model was fitted on all {train.Count:N0}; hyperparameters and calibration chosen by " +
                $"{options.Folds}-fold cross-validation, and every reported churn metric is on the out-of-fold predictions, not held-out customers",
                HeldOutCustomers.Of([]));
        }

        return new SplitSummary(train.Count, holdout.Count, options.HoldoutShare, options.Folds,
            $"customers split at random, stratified by the churn label, {options.HoldoutShare:P0} held out (seed {options.Seed}); " +
            $"hyperparameters and calibration chosen by {options.Folds}-fold cross-validation on the rest; every reported metric is on the held-out customers" +
            (holdout.Count > options.MaxImportanceCustomers
                ? $" (permutation importance on a sample of {options.MaxImportanceCustomers:N0} of them, stratified by the churn label)"
                : ""),
            HeldOutCustomers.Of(holdout.Select(r => r.CustomerId)));
    }

    /// <summary>Each input file with its SHA-256 and the rows the load report counted.</summary>
    public static IReadOnlyList<DataFileSummary> Describe(IReadOnlyList<string> files, LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(report);
        return files.Select(path =>
        {
            using var stream = File.OpenRead(path);
            var rows = report.Files.FirstOrDefault(f => Path.GetFileName(f.File) == Path.GetFileName(path))?.RowsRead ?? 0;
            return new DataFileSummary(Path.GetFileName(path), Convert.ToHexStringLower(SHA256.HashData(stream)), rows);
        }).ToList();
    }

    /// <summary>Versions of the packages that train and serve the models.</summary>
    public static IReadOnlyDictionary<string, string> PackageVersions()
    {
        static string Of(Assembly assembly) =>
            assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["Microsoft.ML"] = Of(typeof(MLContext).Assembly),
            ["Microsoft.ML.FastTree"] = Of(typeof(Microsoft.ML.Trainers.FastTree.FastTreeBinaryTrainer).Assembly),
            ["Microsoft.Data.Analysis"] = Of(typeof(Microsoft.Data.Analysis.DataFrame).Assembly),
            [".NET"] = Environment.Version.ToString(),
        };
    }

    private static (int Feature, double Direction) BestSingleFeature(IReadOnlyList<ModelRow> train, FeatureSchema schema)
    {
        var labels = train.Select(r => r.Label).ToArray();
        var best = (Feature: 0, Direction: 1.0, Auc: 0.0);
        for (var j = 0; j < schema.NumericNames.Count; j++)
        {
            var values = train.Select(r => double.IsNaN(r.Numeric[j]) ? 0 : (double)r.Numeric[j]).ToArray();
            var auc = BinaryMetrics.Auc(values, labels) ?? 0.5;
            var (direction, strength) = auc >= 0.5 ? (1.0, auc) : (-1.0, 1 - auc);
            if (strength > best.Auc)
            {
                best = (j, direction, strength);
            }
        }

        return (best.Feature, best.Direction);
    }

    private static List<SegmentPoint> Scatter(MLContext ml, TrainedSegmentModel segments, IReadOnlyList<CustomerFeatures> customers, TrainingOptions options)
    {
        var random = new Random(options.Seed);
        var sample = customers.OrderBy(_ => random.Next()).Take(options.ScatterSample).ToList();
        var engine = ml.Model.CreatePredictionEngine<SegmentInput, SegmentAssignment>(segments.Model);
        return sample.Select(c =>
        {
            var input = new SegmentInput { Rfm = SegmentFeatures.From(c) };
            var cluster = (int)engine.Predict(input).ClusterId;
            return new SegmentPoint(input.Rfm[0], input.Rfm[2], segments.ClusterToSegment[cluster]);
        }).ToList();
    }

    private static int? IndexOf(IReadOnlyList<string> names, string name) =>
        names.Select((n, i) => (n, i)).Where(x => x.n == name).Select(x => (int?)x.i).FirstOrDefault();

    private static double Mean(IEnumerable<double> values, double fallback)
    {
        var list = values.ToList();
        return list.Count > 0 ? list.Average() : fallback;
    }
}
