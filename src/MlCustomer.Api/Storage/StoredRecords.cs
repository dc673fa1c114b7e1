using System.Text.Json;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Storage;

/// <summary>Where a scoring run is.</summary>
public static class RunStatus
{
    /// <summary>Waiting for the worker.</summary>
    public const string Queued = "queued";

    /// <summary>Being scored.</summary>
    public const string Running = "running";

    /// <summary>Scores stored.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Succeeded once; its scores were deleted by the retention policy (the run record and its summary stay).</summary>
    public const string Pruned = "pruned";

    /// <summary>Stopped with an error (see the run's error).</summary>
    public const string Failed = "failed";
}

/// <summary>One scoring run of the whole customer base as stored.</summary>
public sealed record ScoringRun
{
    /// <summary>Run id.</summary>
    public required string Id { get; init; }

    /// <summary>queued, running, succeeded, failed or pruned (see <see cref="RunStatus"/>).</summary>
    public required string Status { get; init; }

    /// <summary>The API key name that started it.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>When it was requested.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>The as-of date asked for; null means the last order date in the data.</summary>
    public DateOnly? RequestedAsOfDate { get; init; }

    /// <summary>The as-of date used.</summary>
    public DateOnly? AsOfDate { get; init; }

    /// <summary>The bundle version that scored it.</summary>
    public string? ModelVersion { get; init; }

    /// <summary>When the worker started it.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Order lines read.</summary>
    public long? TransactionsRead { get; init; }

    /// <summary>Customers scored and stored.</summary>
    public long? CustomersScored { get; init; }

    /// <summary>Milliseconds spent loading the data files.</summary>
    public long? LoadMilliseconds { get; init; }

    /// <summary>Milliseconds spent computing features.</summary>
    public long? FeaturesMilliseconds { get; init; }

    /// <summary>Milliseconds spent scoring.</summary>
    public long? ScoringMilliseconds { get; init; }

    /// <summary>Milliseconds spent storing scores.</summary>
    public long? StoringMilliseconds { get; init; }

    /// <summary>Why it failed.</summary>
    public string? Error { get; init; }

    /// <summary>The run's number in customer_scores; null for runs stored before migration 7 (their scores are in stored_scores).</summary>
    public long? ScoreKey { get; init; }

    /// <summary>When the retention policy deleted its scores.</summary>
    public DateTimeOffset? PrunedAt { get; init; }
}

/// <summary>One customer's scores from one run as stored.</summary>
public sealed record StoredScore
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The customer.</summary>
    public required string CustomerId { get; init; }

    /// <summary>Calibrated churn probability.</summary>
    public required double ChurnProbability { get; init; }

    /// <summary>low, medium or high.</summary>
    public required string RiskBand { get; init; }

    /// <summary>Segment id, if any.</summary>
    public int? SegmentId { get; init; }

    /// <summary>Segment name, if any.</summary>
    public string? SegmentName { get; init; }

    /// <summary>The value model's predicted gross profit (before cost-to-serve) in the value horizon, if the bundle has a value model.</summary>
    public double? PredictedGrossProfit { get; init; }

    /// <summary>Predicted revenue in the value horizon, if the bundle has a revenue model.</summary>
    public double? PredictedRevenue { get; init; }

    /// <summary>Churn reasons as JSON (<c>[{"feature":…,"contribution":…}]</c>).</summary>
    public required string ChurnReasonsJson { get; init; }

    /// <summary>Value reasons as JSON.</summary>
    public required string ValueReasonsJson { get; init; }

    /// <summary>Bundle version.</summary>
    public required string ModelVersion { get; init; }

    /// <summary>As-of date of the features.</summary>
    public required DateOnly AsOfDate { get; init; }

    /// <summary>When the run that stored it finished (filled when read).</summary>
    public DateTimeOffset? ScoredAt { get; init; }

    /// <summary>What the profit rules decided; null for bundles without tier cut-offs and for runs before migration 2.</summary>
    public StoredDecision? Decision { get; init; }
}

/// <summary>
/// One customer's rule decision as stored with their scores: enough to rebuild the
/// <see cref="CustomerDecision"/> that target lists and the tier summary are computed from.
/// </summary>
public sealed record StoredDecision
{
    /// <summary>Profit tier A–D now.</summary>
    public required string Tier { get; init; }

    /// <summary>Profit tier of the predicted profit.</summary>
    public required string PredictedTier { get; init; }

    /// <summary>Negative profit in the last 365 days.</summary>
    public required bool LossMaking { get; init; }

    /// <summary>High revenue, thin margin or low tier.</summary>
    public required bool FalseBigCustomer { get; init; }

    /// <summary>Lifecycle stage (camelCase, as the API writes it).</summary>
    public required string LifecycleStage { get; init; }

    /// <summary>Churn probability × max(predicted profit, 0).</summary>
    public required double ValueAtRisk { get; init; }

    /// <summary>Action key.</summary>
    public required string RecommendedAction { get; init; }

    /// <summary>Action in words.</summary>
    public required string ActionDescription { get; init; }

    /// <summary>Cost of the action's offer.</summary>
    public required double OfferCost { get; init; }

    /// <summary>Whether the action is a paid retention offer.</summary>
    public required bool PaidOffer { get; init; }

    /// <summary>Profit in the last 365 days (gross profit − cost-to-serve).</summary>
    public required double ProfitLast365Days { get; init; }

    /// <summary>Gross profit in the last 365 days; null for runs stored before migration 6.</summary>
    public double? GrossProfitLast365Days { get; init; }

    /// <summary>Cost-to-serve in the last 365 days; null for runs stored before migration 6.</summary>
    public double? CostToServeLast365Days { get; init; }

    /// <summary>Predicted profit after expected cost-to-serve; null for runs stored before migration 6 (their predicted profit was gross).</summary>
    public double? PredictedProfit { get; init; }

    /// <summary>Expected cost-to-serve in the value horizon; null for runs stored before migration 6.</summary>
    public double? ExpectedCostToServe { get; init; }

    /// <summary>Revenue in the last 365 days.</summary>
    public required double RevenueLast365Days { get; init; }

    /// <summary>The value horizon the predicted profit covers, in days.</summary>
    public required int ValueHorizonDays { get; init; }

    /// <summary>Rule reasons as JSON (<c>[{"rule":…,"text":…}]</c>).</summary>
    public required string RuleReasonsJson { get; init; }

    private static readonly JsonSerializerOptions ReasonsJson = new(JsonSerializerDefaults.Web);

    /// <summary>The stored form of a decision.</summary>
    public static StoredDecision From(CustomerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new StoredDecision
        {
            Tier = WireNames.Of(decision.Tier),
            PredictedTier = WireNames.Of(decision.PredictedTier),
            LossMaking = decision.LossMaking,
            FalseBigCustomer = decision.FalseBigCustomer,
            LifecycleStage = WireNames.Of(decision.Stage),
            ValueAtRisk = decision.ValueAtRisk,
            RecommendedAction = decision.Action,
            ActionDescription = decision.ActionDescription,
            OfferCost = decision.OfferCost,
            PaidOffer = decision.PaidOffer,
            ProfitLast365Days = decision.ProfitLast365Days,
            GrossProfitLast365Days = decision.GrossProfitLast365Days,
            CostToServeLast365Days = decision.CostToServeLast365Days,
            PredictedProfit = decision.PredictedProfit,
            ExpectedCostToServe = decision.ExpectedCostToServe,
            RevenueLast365Days = decision.RevenueLast365Days,
            ValueHorizonDays = decision.HorizonDays,
            RuleReasonsJson = JsonSerializer.Serialize(decision.Reasons, ReasonsJson),
        };
    }

    /// <summary>The rule reasons.</summary>
    public IReadOnlyList<DecisionReason> Reasons() =>
        JsonSerializer.Deserialize<List<DecisionReason>>(RuleReasonsJson, ReasonsJson) ?? [];

    /// <summary>
    /// The decision rebuilt from the stored columns and the customer's scores. The margin rate is not stored
    /// (nothing computed from stored decisions reads it).
    /// </summary>
    public CustomerDecision ToCustomerDecision(StoredScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        return new CustomerDecision
        {
            CustomerId = score.CustomerId,
            Segment = score.SegmentName,
            ProfitLast365Days = ProfitLast365Days,
            GrossProfitLast365Days = GrossProfitLast365Days ?? ProfitLast365Days,
            CostToServeLast365Days = CostToServeLast365Days ?? 0,
            RevenueLast365Days = RevenueLast365Days,
            ChurnProbability = score.ChurnProbability,
            PredictedProfit = PredictedProfit ?? score.PredictedGrossProfit ?? 0,
            PredictedGrossProfit = score.PredictedGrossProfit ?? 0,
            ExpectedCostToServe = ExpectedCostToServe ?? 0,
            HorizonDays = ValueHorizonDays,
            Tier = WireNames.Parse<ProfitTier>(Tier),
            PredictedTier = WireNames.Parse<ProfitTier>(PredictedTier),
            LossMaking = LossMaking,
            FalseBigCustomer = FalseBigCustomer,
            Stage = WireNames.Parse<LifecycleStage>(LifecycleStage),
            RiskBand = WireNames.Parse<RiskBand>(score.RiskBand),
            ValueAtRisk = ValueAtRisk,
            Action = RecommendedAction,
            ActionDescription = ActionDescription,
            OfferCost = OfferCost,
            PaidOffer = PaidOffer,
            Reasons = Reasons(),
        };
    }
}

/// <summary>One model load or reload, successful or refused.</summary>
public sealed record ReloadAudit
{
    /// <summary>Audit id.</summary>
    public required string Id { get; init; }

    /// <summary>API key name, or "startup".</summary>
    public required string RequestedBy { get; init; }

    /// <summary>When it was asked for.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>The bundle folder name asked for.</summary>
    public required string Source { get; init; }

    /// <summary>Version serving before.</summary>
    public string? FromVersion { get; init; }

    /// <summary>Version serving after (null when refused before the card was read).</summary>
    public string? ToVersion { get; init; }

    /// <summary>succeeded or refused.</summary>
    public required string Outcome { get; init; }

    /// <summary>Why it was refused.</summary>
    public string? Detail { get; init; }

    /// <summary>Time to load, check and warm up.</summary>
    public required long DurationMilliseconds { get; init; }
}

/// <summary>What a scoring run recorded about drift: its customers' features, and the models' outputs for them.</summary>
/// <param name="Features">Every feature against its training distribution.</param>
/// <param name="Outputs">Churn probability and predicted profit against the held-out customers' at training.</param>
public sealed record RunDrift(IReadOnlyList<FeatureDriftResult> Features, IReadOnlyList<FeatureDriftResult> Outputs);
