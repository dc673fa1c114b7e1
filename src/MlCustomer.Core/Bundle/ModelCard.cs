using MlCustomer.Core.Churn;
using MlCustomer.Core.Data;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;

namespace MlCustomer.Core.Bundle;

/// <summary>
/// Everything known about a model bundle: where its data came from, the feature contract the API
/// validates against, how each model was trained and how good it is on held-out customers compared
/// with a baseline. Written as model-card.json beside the models.
/// </summary>
public sealed record ModelCard
{
    /// <summary>
    /// The models' outputs for later customers (their churn probabilities and predicted profits, in the same order;
    /// NaN for a missing profit) against the held-out customers' at training; empty for cards from before drift checks.
    /// </summary>
    public IReadOnlyList<FeatureDriftResult> OutputDrift(IReadOnlyList<double> churnProbabilities, IReadOnlyList<double> predictedProfits)
    {
        ArgumentNullException.ThrowIfNull(churnProbabilities);
        ArgumentNullException.ThrowIfNull(predictedProfits);
        var outputs = new List<FeatureDriftResult>();
        if (Churn.ProbabilityDistribution is { } churn && churnProbabilities.Count > 0)
        {
            outputs.Add(FeatureDrift.MeasureOutput("churn probability", churn, churnProbabilities));
        }

        if (LifetimeValue?.PredictionDistribution is { } value && predictedProfits.Count > 0)
        {
            outputs.Add(FeatureDrift.MeasureOutput("predicted profit", value, predictedProfits));
        }

        return outputs;
    }

    /// <summary>
    /// The 80% interval of a predicted gross profit scored by this bundle, or null without a value model or intervals.
    /// For one-part intervals a pure function of the prediction and the card's calibration, so stored scores (which keep
    /// only the prediction) get the interval the scorer served; two-part intervals also need the customer's P(buy) and
    /// amount, which a stored prediction does not keep, so they give null (runs store the intervals they served).
    /// </summary>
    public ValueInterval? GrossProfitInterval(double? predictedGrossProfit) =>
        predictedGrossProfit is { } v && LifetimeValue?.Intervals is { } intervals ? (intervals.TwoPart is null ? intervals.For(v) : null) : null;

    /// <summary>The same for a predicted revenue.</summary>
    public ValueInterval? RevenueInterval(double? predictedRevenue) =>
        predictedRevenue is { } v && Revenue?.Intervals is { } intervals ? (intervals.TwoPart is null ? intervals.For(v) : null) : null;

    /// <summary>
    /// The margin rates that estimate cost of goods when this bundle scores order lines without cost: the ones it was
    /// trained with (<see cref="LoadReport.CostEstimate"/> in <see cref="Data"/>) by default; different rates given for
    /// scoring are refused (<see cref="CostEstimate.ForScoring"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The given rates differ from the trained ones.</exception>
    public CostEstimate? CostEstimateForScoring(CostEstimate? given, string givenBy) =>
        CostEstimate.ForScoring(Data.Load.CostEstimate, given, Version, givenBy);

    /// <summary>
    /// The outputs this bundle cannot give ("segments", "profitTiers") and why, in the words every surface that describes
    /// the bundle shows (<c>GET /models</c>, the workspace, the training report); null when it has them (transactional).
    /// </summary>
    public UnavailableOutputs? NotAvailable() => InputKind == CustomerTableInput
        ? new UnavailableOutputs([UnavailableOutputs.Segments, UnavailableOutputs.ProfitTiers],
            $"Segments and profit tiers are not available: {CustomerTables.TableEncoding.NoSegmentsOrTiers}.")
        : null;

    /// <summary>The card format this code writes and reads.</summary>
    public const int CurrentFormat = 1;

    /// <summary>Card format version.</summary>
    public int Format { get; init; } = CurrentFormat;

    /// <summary>
    /// Bundle version: a digest of the models' content, the feature contract, the card's scoring parts and the rules
    /// (<see cref="BundleVersion"/>), so two bundles share a version exactly when they score alike.
    /// </summary>
    public required string Version { get; init; }

    /// <summary>
    /// Each model file's content digest (<see cref="BundleVersion.OfModel"/>: its zip entries' names and contents), so a
    /// model replaced or edited after training is refused by name; null in cards from before it was recorded. Not part
    /// of the version, which covers the same content.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ModelHashes { get; init; }

    /// <summary>When training finished (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// ISO 4217 code of every amount in the card and in the models' predictions (profit, revenue, tier cut-offs,
    /// offer costs); null in cards from before it was recorded (see <see cref="AmountUnits"/>).
    /// </summary>
    public string? Currency { get; init; }

    /// <summary>What the amounts are in, for a sentence or a column header: the currency code, or words for older cards.</summary>
    public string AmountUnits() => Currency ?? Currencies.Unknown;

    /// <summary>The <see cref="InputKind"/> of a bundle trained on a customer table.</summary>
    public const string CustomerTableInput = "customer-table";

    /// <summary>"transactional" (orders + customers) or "customer-table".</summary>
    public required string InputKind { get; init; }

    /// <summary>
    /// How training read the customer table (id and label columns, boolean words, categories, excluded columns), so a
    /// row of the same file scores as training read it (<see cref="CustomerTables.TableRowEncoder"/>); null for
    /// transactional bundles and for table bundles trained before it was recorded (those cannot score a raw table).
    /// </summary>
    public CustomerTables.TableEncoding? Table { get; init; }

    /// <summary>The data files with their hashes and row counts, and the load report.</summary>
    public required DataSummary Data { get; init; }

    /// <summary>Features use events on or before this day (transactional input).</summary>
    public DateOnly? AsOfDate { get; init; }

    /// <summary>
    /// True when training used the customers file's service totals at an as-of date before they were taken
    /// (<c>train --snapshot-attributes</c>): the features leak events after the as-of date, and
    /// <see cref="DataSummary.Features"/> lists how. Evaluations of this bundle compute features the same way.
    /// </summary>
    public bool SnapshotAttributesBeforeExport { get; init; }

    /// <summary>Churn label window in days (transactional input).</summary>
    public int? ChurnHorizonDays { get; init; }

    /// <summary>Value label window in days (transactional input).</summary>
    public int? ValueHorizonDays { get; init; }

    /// <summary>Every feature the models read, with its training range or categories and missing rule.</summary>
    public required FeatureContract FeatureContract { get; init; }

    /// <summary>Columns that are not features, with why.</summary>
    public required IReadOnlyDictionary<string, string> ExcludedColumns { get; init; }

    /// <summary>The seed of every random choice (split, folds, trees, KMeans).</summary>
    public required int Seed { get; init; }

    /// <summary>Versions of the packages that trained the models.</summary>
    public required IReadOnlyDictionary<string, string> PackageVersions { get; init; }

    /// <summary>How customers were split for evaluation.</summary>
    public required SplitSummary Split { get; init; }

    /// <summary>
    /// Set when the served models were fitted again on every customer after the held-out evaluation
    /// (<c>train --refit</c>): the metrics above are the evaluation fit's, and no customer is held out from the served
    /// models, so evaluating them on their held-out customers is refused. Null otherwise (and in older cards).
    /// </summary>
    public RefitSummary? Refit { get; init; }

    /// <summary>The churn model.</summary>
    public required ChurnCard Churn { get; init; }

    /// <summary>The segmentation (transactional input only).</summary>
    public SegmentCard? Segments { get; init; }

    /// <summary>The lifetime value model on profit (when a value label exists).</summary>
    public ValueCard? LifetimeValue { get; init; }

    /// <summary>
    /// The lifetime value model on revenue in the same horizon (transactional input only): trained and chosen
    /// like the profit model, so a marketing team sees what a customer will spend next to what they will earn.
    /// </summary>
    public ValueCard? Revenue { get; init; }

    /// <summary>The profit-tier cut-offs learned from the training customers (transactional input), so scoring one customer gives the batch's tier.</summary>
    public MlCustomer.Core.Tiers.TierCutoffs? Tiers { get; init; }

    /// <summary>Tier today against predicted tier for every customer at the as-of date (transactional input).</summary>
    public MlCustomer.Core.Tiers.TierForecast? TierForecast { get; init; }

    /// <summary>One line per model for the console summary.</summary>
    public string Summary() =>
        $"bundle {Version}: churn {Churn.Algorithm} AUC {Churn.Holdout.Auc:0.000}{(Split.HoldoutCustomers == 0 ? " out-of-fold, nothing held out" : "")} (grade {Churn.Grade.Letter})" +
        (LifetimeValue is { } v ? $", value {v.Algorithm} Gini {v.Holdout.NormalizedGini:0.000} (grade {v.Grade.Letter})" : "") +
        (Revenue is { } r ? $", revenue Gini {r.Holdout.NormalizedGini:0.000} (grade {r.Grade.Letter})" : "") +
        (Segments is { } s ? $", {s.Profiles.Count} segments" : "");
}

/// <summary>What a bundle cannot give and why (<see cref="ModelCard.NotAvailable"/>).</summary>
/// <param name="Outputs">The outputs missing, as the API names them: <see cref="Segments"/>, <see cref="ProfitTiers"/>.</param>
/// <param name="Reason">Why, in one sentence.</param>
public sealed record UnavailableOutputs(IReadOnlyList<string> Outputs, string Reason)
{
    /// <summary>The segment model and every customer's segment.</summary>
    public const string Segments = "segments";

    /// <summary>The profit tiers (today's and predicted) and the decisions built on them.</summary>
    public const string ProfitTiers = "profitTiers";
}

/// <summary>The input data of a bundle.</summary>
/// <param name="Files">Each file with hash and row count.</param>
/// <param name="Load">What loading read, skipped and assumed.</param>
/// <param name="Features">What the feature builder left out (transactional input).</param>
/// <param name="Customers">Customers with a row for training and evaluation.</param>
public sealed record DataSummary(IReadOnlyList<DataFileSummary> Files, LoadReport Load, FeatureReport? Features, int Customers);

/// <summary>One input file.</summary>
/// <param name="Name">File name.</param>
/// <param name="Sha256">Hex SHA-256 of the file's bytes.</param>
/// <param name="Rows">Data rows read.</param>
public sealed record DataFileSummary(string Name, string Sha256, long Rows);

/// <summary>The customer-level split.</summary>
/// <param name="TrainCustomers">Customers the models were fitted on.</param>
/// <param name="HoldoutCustomers">Customers every reported metric is computed on.</param>
/// <param name="HoldoutShare">Share held out.</param>
/// <param name="Folds">Cross-validation folds on the training part.</param>
/// <param name="Rule">The split rule in words.</param>
/// <param name="HeldOut">Which customers were held out, so that evaluating the bundle later at its training date
/// measures on them only (null in cards from before it was recorded).</param>
public sealed record SplitSummary(int TrainCustomers, int HoldoutCustomers, double HoldoutShare, int Folds, string Rule, HeldOutCustomers? HeldOut = null);

/// <summary>What <c>train --refit</c> changed after the held-out evaluation.</summary>
/// <param name="Customers">Customers the served models were fitted on: every customer with a row.</param>
/// <param name="Models">The models refitted: "churn", and "lifetime value", "lifetime revenue" and "segments" where the bundle has them.</param>
/// <param name="Rule">In words: what was refitted, what kept the evaluation fit, and why the held-out metrics still stand.</param>
public sealed record RefitSummary(int Customers, IReadOnlyList<string> Models, string Rule)
{
    /// <summary>Why a refitted bundle has no held-out customers to measure on, and what to use instead.</summary>
    public static string NoHeldOut(string version, string instead) =>
        $"Bundle {version} was refitted on every customer after its held-out evaluation (train --refit): the served model saw the held-out customers, " +
        $"so a held-out measurement would flatter it (its card keeps the evaluation fit's held-out metrics). {instead}";
}

/// <summary>Mean and standard deviation over cross-validation folds.</summary>
/// <param name="Mean">Mean over folds.</param>
/// <param name="StandardDeviation">Sample standard deviation over folds.</param>
/// <param name="Folds">Per-fold values.</param>
public sealed record CrossValidated(double Mean, double StandardDeviation, IReadOnlyList<double> Folds)
{
    /// <summary>Summarises per-fold values.</summary>
    public static CrossValidated Of(IReadOnlyList<double> folds)
    {
        ArgumentNullException.ThrowIfNull(folds);
        var mean = folds.Count > 0 ? folds.Average() : 0;
        var sd = folds.Count > 1 ? Math.Sqrt(folds.Sum(f => (f - mean) * (f - mean)) / (folds.Count - 1)) : 0;
        return new CrossValidated(mean, sd, folds);
    }
}

/// <summary>The churn model's card section.</summary>
public sealed record ChurnCard
{
    /// <summary>Algorithm name, e.g. "FastTree".</summary>
    public required string Algorithm { get; init; }

    /// <summary>Hyperparameters used.</summary>
    public required ChurnOptions Hyperparameters { get; init; }

    /// <summary>Why these hyperparameters (the candidates compared and the rule).</summary>
    public required string Selection { get; init; }

    /// <summary>The search rule in words (null in cards from before the search).</summary>
    public string? Search { get; init; }

    /// <summary>Every candidate's cross-validated AUC in every round of the search (null in cards from before the search).</summary>
    public IReadOnlyList<Churn.ChurnCandidateScore>? Candidates { get; init; }

    /// <summary>The calibrator that turns raw scores into probabilities.</summary>
    public required IProbabilityCalibrator Calibrator { get; init; }

    /// <summary>Out-of-fold log loss of each calibration method.</summary>
    public required double PlattLogLoss { get; init; }

    /// <summary>Out-of-fold log loss of isotonic calibration.</summary>
    public required double IsotonicLogLoss { get; init; }

    /// <summary>AUC over cross-validation folds of the training part.</summary>
    public required CrossValidated CrossValidationAuc { get; init; }

    /// <summary>Metrics on held-out customers.</summary>
    public required BinaryMetricsResult Holdout { get; init; }

    /// <summary>The baseline rule (best single recency threshold, or the best single feature for tables).</summary>
    public required SingleThresholdRule Baseline { get; init; }

    /// <summary>The baseline's held-out AUC.</summary>
    public required double? BaselineAuc { get; init; }

    /// <summary>Quality grade with its rule.</summary>
    public required QualityGrade Grade { get; init; }

    /// <summary>
    /// The churn-probability threshold that maximises the return of a retention offer on the held-out customers, with
    /// their observed churn (<see cref="Decisions.OfferEconomics"/>, the rule <c>targets</c> uses on today's customers);
    /// its basis says on which customers and with which costs.
    /// </summary>
    public Decisions.ProfitOptimalThreshold? OfferThreshold { get; init; }

    /// <summary>Held-out AUC of the data generator's true churn probability (sample data only): the best achievable.</summary>
    public double? OracleAuc { get; init; }

    /// <summary>Permutation importance on held-out customers (drop in AUC).</summary>
    public required IReadOnlyList<FeatureImportance> Importance { get; init; }

    /// <summary>Names of the featurized vector's slots, in contribution order.</summary>
    public required IReadOnlyList<string> SlotNames { get; init; }

    /// <summary>The calibrated churn probabilities of the held-out customers, for drift checks of the output (null in older cards).</summary>
    public OutputDistribution? ProbabilityDistribution { get; init; }

    /// <summary>
    /// The trees' covers over the training customers and the expected raw score (TreeSHAP's baseline), counted at
    /// training because ML.NET's trees do not keep them (FastTree and LightGBM); null for bundles trained before.
    /// </summary>
    public Explanations.TreeCovers? TreeCovers { get; init; }

    /// <summary>Mean |TreeSHAP effect| per feature over the held-out customers, in probability (largest first); null when not explained.</summary>
    public IReadOnlyList<Explanations.MeanEffect>? MeanEffects { get; init; }
}

/// <summary>The segmentation's card section.</summary>
public sealed record SegmentCard
{
    /// <summary>How the number of segments was chosen.</summary>
    public required string Criterion { get; init; }

    /// <summary>Scores of every number of segments tried.</summary>
    public required IReadOnlyList<SegmentCountScore> Candidates { get; init; }

    /// <summary>One profile per segment.</summary>
    public required IReadOnlyList<SegmentProfile> Profiles { get; init; }

    /// <summary>KMeans cluster id → segment id (index 0 unused).</summary>
    public required IReadOnlyList<int> ClusterToSegment { get; init; }

    /// <summary>The features clustered on.</summary>
    public required IReadOnlyList<string> Features { get; init; }

    /// <summary>The whole base (the training customers) that profiles and names compare with (null in older cards).</summary>
    public SegmentBase? Base { get; init; }

    /// <summary>The rules that name segments, in words; each profile's <see cref="SegmentProfile.NameReason"/> says which one named it (null in older cards).</summary>
    public string? NamingRule { get; init; }

    /// <summary>How the profiles' tier and lifecycle mixes were measured (null when they were not).</summary>
    public string? MixRule { get; init; }
}

/// <summary>The lifetime value model's card section.</summary>
public sealed record ValueCard
{
    /// <summary>The algorithm chosen, e.g. "FastTree regression" or "two-part".</summary>
    public required string Algorithm { get; init; }

    /// <summary>Why that algorithm: the candidates and the rule.</summary>
    public required string Selection { get; init; }

    /// <summary>What is predicted, e.g. "profit in the 365 days after the as-of date".</summary>
    public required string Target { get; init; }

    /// <summary>Hyperparameters, as names and values.</summary>
    public required IReadOnlyDictionary<string, double> Hyperparameters { get; init; }

    /// <summary>Normalized Gini over cross-validation folds of the training part.</summary>
    public required CrossValidated CrossValidationGini { get; init; }

    /// <summary>Metrics on held-out customers.</summary>
    public required RegressionMetricsResult Holdout { get; init; }

    /// <summary>Held-out metrics of each baseline by name ("run rate", "BG/NBD + Gamma-Gamma").</summary>
    public required IReadOnlyDictionary<string, RegressionMetricsResult> Baselines { get; init; }

    /// <summary>Baseline parameters in words (e.g. the fitted BG/NBD parameters).</summary>
    public required IReadOnlyDictionary<string, string> BaselineDetails { get; init; }

    /// <summary>Grade against the best baseline, with its rule.</summary>
    public required QualityGrade Grade { get; init; }

    /// <summary>How much the model beats each baseline, in words.</summary>
    public required string Comparison { get; init; }

    /// <summary>Held-out normalized Gini of the generator's true expected profit (sample data only).</summary>
    public double? OracleGini { get; init; }

    /// <summary>Permutation importance on held-out customers (drop in normalized Gini).</summary>
    public required IReadOnlyList<FeatureImportance> Importance { get; init; }

    /// <summary>
    /// The blend with BG/NBD + Gamma-Gamma applied after the model's chain, or null when the chain's
    /// prediction is the value. Every consumer of the chain applies it (<see cref="ValueBlender"/>).
    /// </summary>
    public ValueBlend? Blend { get; init; }

    /// <summary>
    /// Names of the contribution slots, in order: the featurized vector's slots, then
    /// <see cref="ValueBlend.ReasonName"/> when there is a blend.
    /// </summary>
    public required IReadOnlyList<string> SlotNames { get; init; }

    /// <summary>The held-out customers' predictions, for drift checks of the output (null in older cards).</summary>
    public OutputDistribution? PredictionDistribution { get; init; }

    /// <summary>
    /// Each tree part's covers over its own fitting rows (the two-part model's purchase part over every training
    /// customer, its amount part over those with value ≠ 0) and its expected output, for TreeSHAP; null for bundles
    /// trained before.
    /// </summary>
    public IReadOnlyList<Explanations.TreeCovers>? TreeCovers { get; init; }

    /// <summary>Mean |TreeSHAP effect| per feature over the held-out customers, in currency over the horizon (largest first); null when not explained.</summary>
    public IReadOnlyList<Explanations.MeanEffect>? MeanEffects { get; init; }

    /// <summary>
    /// Per-customer 80% prediction intervals (P10, P50, P90) calibrated on the training customers' out-of-fold
    /// predictions, with their held-out coverage; null in bundles trained before (their surfaces show no interval).
    /// </summary>
    public ValueIntervals? Intervals { get; init; }

    /// <summary>The cross-validated metric that chose the form ("gini", "mae", "rmse"); null in bundles trained before (Gini).</summary>
    public string? SelectionMetric { get; init; }

    /// <summary>Every form and blend weight cross-validation tried, with its metrics; null in bundles trained before.</summary>
    public IReadOnlyList<ValueCandidate>? Candidates { get; init; }

    /// <summary>
    /// Held-out MAE, RMSE and normalized Gini of the trees alone, BG/NBD + Gamma-Gamma and the chosen model, with bootstrap
    /// intervals and chosen − BG/NBD differences; null in bundles trained before.
    /// </summary>
    public ValueErrorComparison? ErrorComparison { get; init; }
}
