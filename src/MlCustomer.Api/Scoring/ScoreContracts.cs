using System.Text.Json;
using System.Text.Json.Serialization;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Api.Scoring;

/// <summary>
/// <c>POST /api/v1/scores</c>: one to 1,000 customers, each with precomputed features or raw history.
/// The envelope is camelCase; the data fields keep the data contract's snake_case names (the same
/// names as the CSV files and the feature table), so one vocabulary describes the data everywhere.
/// </summary>
public sealed record ScoreRequest
{
    /// <summary>Features are as of this day; history after it is refused. Default: today (UTC).</summary>
    public DateOnly? AsOfDate { get; init; }

    /// <summary>The customers to score.</summary>
    public CustomerList? Customers { get; init; }
}

/// <summary>One customer: an id and either <see cref="Features"/> or <see cref="History"/>.</summary>
public sealed record CustomerInput
{
    /// <summary>The customer id (unique in the request).</summary>
    public string? CustomerId { get; init; }

    /// <summary>
    /// Precomputed feature values by feature name (see <c>GET /api/v1/models</c>): numbers or null for
    /// numeric features, strings or null for categorical ones. Every feature of the contract must be sent;
    /// null says the value is missing. For a bundle trained on a customer table (<c>train --table</c>), the row
    /// as it appears in the training file, by its column names: raw text or numbers ("Partner": "Yes",
    /// "TotalCharges": " ", "tenure": 12), encoded exactly as training read that file; its id, label and
    /// excluded columns are ignored, other unknown columns are ignored with a warning, and a value training
    /// never saw is scored by the card's rule (unseen category as "(other)", unreadable number as missing)
    /// with a warning.
    /// </summary>
    public Dictionary<string, JsonElement>? Features { get; init; }

    /// <summary>Raw history; the server computes the features with the trainer's feature builder.</summary>
    public CustomerHistory? History { get; init; }
}

/// <summary>A customer's raw history and attributes, as in the data files.</summary>
public sealed record CustomerHistory
{
    /// <summary>Order lines on or before the as-of date (returns as negative quantity and revenue).</summary>
    public IReadOnlyList<TransactionInput>? Transactions { get; init; }

    /// <summary>Every customer attribute the model reads, by name; null for a missing value.</summary>
    public Dictionary<string, string?>? Attributes { get; init; }

    /// <summary>Support tickets to date.</summary>
    [JsonPropertyName(CustomerColumns.SupportTickets)]
    public double? SupportTickets { get; init; }

    /// <summary>Complaints to date.</summary>
    [JsonPropertyName(CustomerColumns.Complaints)]
    public double? Complaints { get; init; }

    /// <summary>Cost to serve to date, in currency units.</summary>
    [JsonPropertyName(CustomerColumns.ServiceCost)]
    public double? ServiceCost { get; init; }

    /// <summary>Satisfaction 1–5.</summary>
    [JsonPropertyName(CustomerColumns.Satisfaction)]
    public double? Satisfaction { get; init; }

    /// <summary>Signup day (yyyy-MM-dd).</summary>
    [JsonPropertyName(CustomerColumns.SignupDate)]
    public string? SignupDate { get; init; }

    /// <summary>
    /// Dated service history on or before the as-of date, as in the service events file, instead of the four totals
    /// above (send one or the other): the features sum the events (satisfaction is the latest answer) and the
    /// cost-to-serve profit subtracts is the sum of the costs in the 365 days up to the as-of date, exactly as training
    /// computed them from the file. Totals are the customer's figures at the as-of date; the trailing cost-to-serve is
    /// then their share of the tenure.
    /// </summary>
    [JsonPropertyName("service_events")]
    public IReadOnlyList<ServiceEventInput>? ServiceEvents { get; init; }
}

/// <summary>One day of service history.</summary>
public sealed record ServiceEventInput
{
    /// <summary>The day (yyyy-MM-dd), on or before the as-of date.</summary>
    [JsonPropertyName(ServiceEventColumns.EventDate)]
    public string? EventDate { get; init; }

    /// <summary>Support tickets opened that day; null or absent for none.</summary>
    [JsonPropertyName(ServiceEventColumns.SupportTickets)]
    public double? SupportTickets { get; init; }

    /// <summary>Complaints made that day; null or absent for none.</summary>
    [JsonPropertyName(ServiceEventColumns.Complaints)]
    public double? Complaints { get; init; }

    /// <summary>Cost to serve incurred that day, in currency units; null or absent for none.</summary>
    [JsonPropertyName(ServiceEventColumns.ServiceCost)]
    public double? ServiceCost { get; init; }

    /// <summary>A satisfaction answer 1–5 given that day; null or absent for none.</summary>
    [JsonPropertyName(ServiceEventColumns.Satisfaction)]
    public double? Satisfaction { get; init; }
}

/// <summary>One order line.</summary>
public sealed record TransactionInput
{
    /// <summary>Order id.</summary>
    [JsonPropertyName(TransactionColumns.OrderId)]
    public string? OrderId { get; init; }

    /// <summary>Order day (yyyy-MM-dd), not after the as-of date.</summary>
    [JsonPropertyName(TransactionColumns.OrderDate)]
    public string? OrderDate { get; init; }

    /// <summary>Product category.</summary>
    [JsonPropertyName(TransactionColumns.Category)]
    public string? Category { get; init; }

    /// <summary>Units, negative for returns.</summary>
    [JsonPropertyName(TransactionColumns.Quantity)]
    public double? Quantity { get; init; }

    /// <summary>Revenue net of discounts, negative for returns.</summary>
    [JsonPropertyName(TransactionColumns.Revenue)]
    public double? Revenue { get; init; }

    /// <summary>Cost of goods.</summary>
    [JsonPropertyName(TransactionColumns.Cost)]
    public double? Cost { get; init; }

    /// <summary>Discount given (already subtracted from revenue).</summary>
    [JsonPropertyName(TransactionColumns.Discount)]
    public double? Discount { get; init; }

    /// <summary>Sales channel.</summary>
    [JsonPropertyName(TransactionColumns.Channel)]
    public string? Channel { get; init; }
}

/// <summary>The scores of a request, all from one model version.</summary>
/// <param name="ModelVersion">The bundle that scored every customer of this response.</param>
/// <param name="AsOfDate">The as-of date of the features.</param>
/// <param name="ChurnHorizonDays">Churn means no purchase within this many days after the as-of date.</param>
/// <param name="ValueHorizonDays">Predicted profit covers this many days after the as-of date.</param>
/// <param name="Units">What the numbers mean and which currency amounts are in.</param>
/// <param name="Customers">One result per customer, in request order.</param>
public sealed record ScoreResponse(
    string ModelVersion,
    DateOnly AsOfDate,
    int? ChurnHorizonDays,
    int? ValueHorizonDays,
    string Units,
    IReadOnlyList<CustomerScoreResult> Customers);

/// <summary>What the models say about one customer.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">Calibrated probability of no purchase in the churn horizon.</param>
/// <param name="RiskBand">low, medium or high (thresholds in MlCustomer:Scoring).</param>
/// <param name="SegmentId">Segment id, when the bundle has segments and the recency, frequency, revenue and profit inputs are known.</param>
/// <param name="SegmentName">Segment name.</param>
/// <param name="PredictedGrossProfit">The value model's prediction: gross profit (revenue − cost of goods, before cost-to-serve) in the value horizon, when the bundle has a value model (customer tables: the value column's quantity). The decision's predictedProfit subtracts the expected cost-to-serve.</param>
/// <param name="ChurnReasons">Features that moved the churn score most (positive = towards churn).</param>
/// <param name="ValueReasons">Features that moved the predicted profit most.</param>
/// <param name="Warnings">What was unusual about the input (values outside the training range, unseen categories).</param>
/// <param name="Decision">Profit tier, flags, lifecycle, value at risk and recommended action, with a reason per rule (transactional bundles).</param>
/// <param name="PredictedRevenue">Revenue in the value horizon, when the bundle has a revenue model (transactional bundles).</param>
public sealed record CustomerScoreResult(
    string CustomerId,
    double ChurnProbability,
    string RiskBand,
    int? SegmentId,
    string? SegmentName,
    double? PredictedGrossProfit,
    IReadOnlyList<ScoreReason> ChurnReasons,
    IReadOnlyList<ScoreReason> ValueReasons,
    IReadOnlyList<string> Warnings,
    DecisionResult? Decision = null,
    double? PredictedRevenue = null)
{
    /// <summary>Baseline and the effect of all features not among <see cref="ChurnReasons"/>; null from bundles without TreeSHAP covers.</summary>
    public ExplanationResult? ChurnExplanation { get; init; }

    /// <summary>Baseline and the effect of all features not among <see cref="ValueReasons"/>; null without a value model or TreeSHAP covers.</summary>
    public ExplanationResult? ValueExplanation { get; init; }

    /// <summary>
    /// 80% prediction interval of <see cref="PredictedGrossProfit"/> (P10, P50, P90); null without a value model or from a
    /// bundle trained before intervals. <see cref="PredictedGrossProfit"/> is the mean, which targets and totals use.
    /// </summary>
    public ValueIntervalResult? GrossProfitInterval { get; init; }

    /// <summary>80% prediction interval of <see cref="PredictedRevenue"/>; null without a revenue model or intervals.</summary>
    public ValueIntervalResult? RevenueInterval { get; init; }

    /// <summary>
    /// The two-part value model's chance that the customer buys in the value horizon and their gross profit if they do; null
    /// where it is not available (a one-part value model, no value model, a bundle trained before two-part intervals).
    /// </summary>
    public PurchaseOutlookResult? PurchaseOutlook { get; init; }

    /// <summary>
    /// Features that moved the predicted revenue most (exact TreeSHAP effects in the currency over the value horizon); empty
    /// without a revenue model or when the bundle stores no covers for its revenue trees.
    /// </summary>
    public IReadOnlyList<ScoreReason> RevenueReasons { get; init; } = [];

    /// <summary>Baseline and the effect of all features not among <see cref="RevenueReasons"/>; null without a revenue model or its TreeSHAP covers.</summary>
    public ExplanationResult? RevenueExplanation { get; init; }

    /// <summary>
    /// Customer-table bundles with a value model only: churnProbability × predictedGrossProfit (not below 0), in the
    /// currency over the value horizon, as the console's table scores write it. Absent otherwise: a transactional bundle's
    /// value at risk is decision.valueAtRisk (on the profit after cost-to-serve).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ValueAtRisk { get; init; }
}

/// <summary>
/// An 80% prediction interval of a predicted amount over the value horizon, calibrated by split-conformal prediction per
/// bin of predicted value and checked on held-out customers (the model card's intervals section gives the coverage).
/// </summary>
/// <param name="P10">The customer reaches or exceeds this with 90% probability; 0 when at least one customer in ten like them buys nothing.</param>
/// <param name="P50">The median outcome; 0 when most customers like them buy nothing in the horizon (the mean can still be positive).</param>
/// <param name="P90">The customer stays at or below this with 90% probability.</param>
public sealed record ValueIntervalResult(double P10, double P50, double P90)
{
    /// <summary>The served form of Core's interval; null when there is none.</summary>
    public static ValueIntervalResult? From(MlCustomer.Core.LifetimeValue.ValueInterval? interval) =>
        interval is { } v ? new(v.P10, v.P50, v.P90) : null;
}

/// <summary>
/// What the two-part value model says beside the gross profit interval: how likely the customer is to buy at all in the
/// value horizon, and the 80% interval of their gross profit if they do. For a likely non-buyer the interval of the value
/// itself is [0, 0]; these say what is at stake if they do buy. The same figures in the CSV columns
/// purchase_probability, gross_profit_if_buying_p10 and gross_profit_if_buying_p90.
/// </summary>
/// <param name="PurchaseProbability">Chance (0–1, 4 decimals) that the customer buys anything in the value horizon: the purchase classifier's probability recalibrated (isotonic) on customers no fit saw.</param>
/// <param name="GrossProfitIfBuyingP10">Low end of the 80% interval of gross profit over the value horizon if the customer buys, in the bundle's currency.</param>
/// <param name="GrossProfitIfBuyingP90">High end of that interval.</param>
/// <param name="InWords">The same in words, e.g. "likely to buy: 9%; if they buy, 40–310 EUR gross profit".</param>
public sealed record PurchaseOutlookResult(double PurchaseProbability, double GrossProfitIfBuyingP10, double GrossProfitIfBuyingP90, string InWords)
{
    /// <summary>The served form of Core's outlook of a gross profit interval; null when it has none.</summary>
    public static PurchaseOutlookResult? From(MlCustomer.Core.LifetimeValue.ValueInterval? grossProfitInterval, string currency) =>
        MlCustomer.Core.Scoring.PurchaseOutlook.Of(grossProfitInterval) is { } o
            ? new(o.PurchaseProbability, o.IfBuyingP10, o.IfBuyingP90, o.Words(currency))
            : null;
}

/// <summary>What the profit rules decide for one customer.</summary>
/// <param name="Tier">Profit tier A–D by profit in the trailing 365 days (cut-offs from training).</param>
/// <param name="PredictedTier">The same cut-offs applied to predicted profit.</param>
/// <param name="LossMaking">Profit in the trailing 365 days is negative.</param>
/// <param name="FalseBigCustomer">High revenue but thin margin or a low tier.</param>
/// <param name="LifecycleStage">new, active, atRisk, lapsed or churned.</param>
/// <param name="ValueAtRisk">Churn probability × predicted profit after cost-to-serve (not below 0).</param>
/// <param name="RecommendedAction">The action key, e.g. vip-retention.</param>
/// <param name="ActionDescription">The action in words.</param>
/// <param name="OfferCost">Cost of the action's offer.</param>
/// <param name="Reasons">One reason per rule, e.g. "tier D: profit −120.40 …".</param>
/// <param name="ProfitLast365Days">Profit in the trailing 365 days: gross profit − cost-to-serve (what the tier ranks by).</param>
/// <param name="CostToServeLast365Days">Cost-to-serve in the trailing 365 days.</param>
/// <param name="PredictedProfit">Predicted profit in the value horizon: predicted gross profit − expected cost-to-serve (what the predicted tier and value at risk use).</param>
/// <param name="ExpectedCostToServe">Cost-to-serve expected in the value horizon (trailing cost-to-serve per day × the horizon).</param>
public sealed record DecisionResult(
    string Tier,
    string PredictedTier,
    bool LossMaking,
    bool FalseBigCustomer,
    string LifecycleStage,
    double ValueAtRisk,
    string RecommendedAction,
    string ActionDescription,
    double OfferCost,
    IReadOnlyList<string> Reasons,
    double ProfitLast365Days,
    double CostToServeLast365Days,
    double PredictedProfit,
    double ExpectedCostToServe)
{
    /// <summary>The wire form of a decision: the one mapping every endpoint uses.</summary>
    public static DecisionResult From(CustomerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new DecisionResult(
            WireNames.Of(decision.Tier),
            WireNames.Of(decision.PredictedTier),
            decision.LossMaking,
            decision.FalseBigCustomer,
            WireNames.Of(decision.Stage),
            decision.ValueAtRisk,
            decision.Action,
            decision.ActionDescription,
            decision.OfferCost,
            decision.Reasons.Select(r => r.Text).ToList(),
            decision.ProfitLast365Days,
            decision.CostToServeLast365Days,
            decision.PredictedProfit,
            decision.ExpectedCostToServe);
    }
}

/// <summary>One reason behind a prediction.</summary>
/// <param name="Feature">The feature: a numeric feature or a categorical attribute (one reason for all its levels); "name=value" only from bundles without TreeSHAP covers.</param>
/// <param name="Contribution">
/// Its effect (TreeSHAP): churn reasons in probability (0.05 = 5 percentage points), value reasons in the currency over
/// the value horizon; positive raises the prediction. The explanation's baseline + every feature's effect = the
/// prediction. From bundles without TreeSHAP covers: a change in the model's raw score, which does not add up.
/// </param>
/// <param name="Value">The customer's value of the feature as the model read it (a number, a category, or "unknown" when missing); null from bundles without TreeSHAP covers.</param>
/// <param name="Sentence">The reason in words, e.g. "last purchase 412 days ago raises churn risk by 18.2 points"; null when <paramref name="Value"/> is.</param>
public sealed record ScoreReason(string Feature, double Contribution, string? Value = null, string? Sentence = null);

/// <summary>Core's reasons as every JSON surface serves them, sentences included (the one place that maps them).</summary>
public static class ServedReasons
{
    /// <summary>Churn reasons as served (sentences in probability points).</summary>
    public static IReadOnlyList<ScoreReason> Churn(IReadOnlyList<Reason> reasons) =>
        [.. reasons.Select(r => new ScoreReason(r.Feature, r.Contribution, r.Value, r.Value is null ? null : ReasonSentences.Churn(r)))];

    /// <summary>Predicted-profit reasons as served (sentences in <paramref name="currency"/>).</summary>
    public static IReadOnlyList<ScoreReason> Value(IReadOnlyList<Reason> reasons, string currency) =>
        [.. reasons.Select(r => new ScoreReason(r.Feature, r.Contribution, r.Value, r.Value is null ? null : ReasonSentences.Value(r, currency)))];

    /// <summary>Predicted-revenue reasons as served (sentences in <paramref name="currency"/>).</summary>
    public static IReadOnlyList<ScoreReason> Revenue(IReadOnlyList<Reason> reasons, string currency) =>
        [.. reasons.Select(r => new ScoreReason(r.Feature, r.Contribution, r.Value, r.Value is null ? null : ReasonSentences.Revenue(r, currency)))];
}

/// <summary>Where an additive explanation starts and what the features not among the shown reasons add.</summary>
/// <param name="Baseline">The prediction for a typical training customer, in the prediction's unit.</param>
/// <param name="AllOther">The summed effect of every feature not shown: baseline + the shown reasons' contributions + allOther = the prediction, exactly.</param>
public sealed record ExplanationResult(double Baseline, double AllOther)
{
    /// <summary>The served form of Core's totals; null when the reasons do not add up (bundles without TreeSHAP covers).</summary>
    public static ExplanationResult? From(ExplanationTotals? totals) => totals is { } t ? new(t.Baseline, t.AllOther) : null;
}
