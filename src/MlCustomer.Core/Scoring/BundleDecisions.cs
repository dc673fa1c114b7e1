using MlCustomer.Core.Bundle;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Scoring;

/// <summary>
/// The rule decisions (tier, flags, lifecycle, value at risk, action) for scored customers whose model
/// rows carry the transactional features. Customer-table bundles have no tier cut-offs: no decisions.
/// </summary>
public sealed class BundleDecisions
{
    private static readonly string[] Needed =
    [
        "profit_last_365_days", "revenue_last_365_days", "margin_rate", "recency_days",
        "mean_days_between_purchases", "tenure_days", "purchase_days",
    ];

    private readonly ModelBundle bundle;
    private readonly RuleSet rules;
    private readonly Dictionary<string, int> index;

    /// <summary>Prepares decisions for <paramref name="bundle"/> with its own rules, or <paramref name="rules"/> instead.</summary>
    public BundleDecisions(ModelBundle bundle, RuleSet? rules = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        this.bundle = bundle;
        this.rules = rules ?? bundle.Rules;
        index = bundle.Card.FeatureContract.Schema.NumericNames
            .Select((name, i) => (name, i))
            .ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        // Asked for every row of a CSV stream: settled once (the bundle and the rules do not change).
        Available = bundle.Card.Tiers is not null && Needed.All(index.ContainsKey);
    }

    private int HorizonDays => bundle.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays;

    /// <summary>The rules the decisions follow.</summary>
    public RuleSet Rules => rules;

    /// <summary>True when the bundle has tier cut-offs and its models read every feature the rules need.</summary>
    public bool Available { get; }

    /// <summary>
    /// The decision for a customer whose full features are at hand (batch scoring, the console): the
    /// double-precision features, not the model row's single-precision copy. Null without tier cut-offs.
    /// </summary>
    public CustomerDecision? Decide(CustomerFeatures features, CustomerScore score)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(score);
        return bundle.Card.Tiers is not { } cutoffs
            ? null
            : CustomerDecision.Decide(
                CustomerFacts.From(features, score.ChurnProbability, score.PredictedGrossProfit ?? 0, HorizonDays, score.SegmentName), cutoffs, rules);
    }

    /// <summary>The decision for one scored customer from its model row (requests with precomputed features), or null when <see cref="Available"/> is false.</summary>
    public CustomerDecision? Decide(ModelRow row, CustomerScore score)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(score);
        if (!Available)
        {
            return null;
        }

        double Value(string name) => row.Numeric[index[name]];

        // The row carries the model features: profit after cost-to-serve (the feature charges every customer, the
        // default rule) and the trailing cost-to-serve itself, so gross profit and cost-to-serve come back and the
        // rules charge as they say. Bundles from before that feature carry only the service cost to date, from which
        // the feature builder prorated the trailing cost with the same function.
        var revenue = Value("revenue_last_365_days");
        double costToServe;
        if (index.TryGetValue("cost_to_serve_last_365_days", out var trailingSlot))
        {
            var trailing = row.Numeric[trailingSlot];
            costToServe = float.IsFinite(trailing) ? trailing : 0;
        }
        else
        {
            var serviceCost = index.TryGetValue("service_cost", out var serviceCostSlot) ? row.Numeric[serviceCostSlot] : double.NaN;
            costToServe = Profit.TrailingCostToServe(serviceCost, Value("tenure_days"));
        }

        var facts = new CustomerFacts
        {
            CustomerId = row.CustomerId,
            GrossProfitLast365Days = Value("profit_last_365_days") + costToServe,
            CostToServeLast365Days = costToServe,
            RevenueLast365Days = revenue,
            MarginRate = Value("margin_rate"),
            RecencyDays = Value("recency_days"),
            MeanDaysBetweenPurchases = Value("mean_days_between_purchases"),
            TenureDays = Value("tenure_days"),
            PurchaseDays = Value("purchase_days"),
            ChurnProbability = score.ChurnProbability,
            PredictedGrossProfit = score.PredictedGrossProfit ?? 0,
            HorizonDays = HorizonDays,
            Segment = score.SegmentName,
        };
        return CustomerDecision.Decide(facts, bundle.Card.Tiers!, rules);
    }
}
