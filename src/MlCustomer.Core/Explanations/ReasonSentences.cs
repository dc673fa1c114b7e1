using System.Globalization;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.Explanations;

/// <summary>
/// A TreeSHAP reason in business words, the one place every surface takes them from: "last purchase 412 days ago
/// raises churn risk by 18.2 points", "gross profit to date 1,250.00 raises predicted profit by 56.10 EUR".
/// </summary>
public static class ReasonSentences
{
    // How a feature's value reads; {0} is the value. Features not listed read "name value" with spaces for underscores.
    private static readonly Dictionary<string, string> Phrases = new(StringComparer.Ordinal)
    {
        ["recency_days"] = "last purchase {0} days ago",
        ["purchase_days"] = "{0} purchase days",
        ["order_count"] = "{0} orders",
        ["tenure_days"] = "customer for {0} days",
        ["days_since_first_purchase"] = "first purchase {0} days ago",
        ["purchase_days_per_year"] = "{0} purchase days a year",
        ["mean_days_between_purchases"] = "{0} days between purchases on average",
        ["sd_days_between_purchases"] = "a spread of {0} days between purchases",
        ["recency_share_of_age"] = "{0} of the customer's life since the last purchase",
        ["revenue_total"] = "revenue to date {0}",
        ["gross_profit_total"] = "gross profit to date {0}",
        ["profit_total"] = "profit to date {0}",
        ["average_order_value"] = "average order {0}",
        ["gross_profit_per_purchase_day"] = "gross profit per purchase day {0}",
        ["revenue_last_365_days"] = "revenue {0} in the last 365 days",
        ["profit_last_365_days"] = "profit {0} in the last 365 days",
        ["revenue_last_90_days"] = "revenue {0} in the last 90 days",
        ["revenue_prior_90_days"] = "revenue {0} in the 90 days before",
        ["revenue_trend"] = "revenue trend {0}",
        ["categories_bought"] = "{0} categories bought",
        ["margin_rate"] = "margin rate {0}",
        ["return_rate"] = "return rate {0}",
        ["discount_share"] = "discount share {0}",
        ["support_tickets"] = "{0} support tickets",
        ["complaints"] = "{0} complaints",
        ["satisfaction"] = "satisfaction {0} of 5",
        ["cost_to_serve_last_365_days"] = "cost to serve {0} in the last 365 days",
        [ValueBlend.ReasonName] = "a BG/NBD + Gamma-Gamma expectation of {0}",
    };

    /// <summary>A churn reason (effect in probability, 0–1) as a sentence in percentage points.</summary>
    public static string Churn(Reason reason)
    {
        var points = Math.Abs(reason.Contribution) * 100;
        return $"{Subject(reason)} {Verb(reason.Contribution)} churn risk by {points.ToString(points < 0.1 ? "0.###" : "0.#", CultureInfo.InvariantCulture)} points";
    }

    /// <summary>A predicted-profit reason (effect in currency over the horizon) as a sentence.</summary>
    public static string Value(Reason reason, string currency)
    {
        var amount = Math.Abs(reason.Contribution).ToString("N2", CultureInfo.InvariantCulture);
        return $"{Subject(reason)} {Verb(reason.Contribution)} predicted profit by {amount} {currency}";
    }

    /// <summary>A predicted-revenue reason (effect in currency over the horizon) as a sentence.</summary>
    public static string Revenue(Reason reason, string currency)
    {
        var amount = Math.Abs(reason.Contribution).ToString("N2", CultureInfo.InvariantCulture);
        return $"{Subject(reason)} {Verb(reason.Contribution)} predicted revenue by {amount} {currency}";
    }

    /// <summary>
    /// A prediction's explanation in one line: "from a typical 23.4%: last purchase 412 days ago raises churn risk by
    /// 18.2 points, …; all other features raise it by 1.3 points". Reasons without values (ML.NET's raw-score
    /// contributions of bundles without tree covers) read "recency_days (+0.412), …".
    /// </summary>
    public static string Summary(IReadOnlyList<Reason> reasons, ExplanationTotals? totals, bool churn, string currency) =>
        Summary(reasons, totals, churn, currency, revenue: false);

    /// <summary>The same as <see cref="Summary(IReadOnlyList{Reason}, ExplanationTotals?, bool, string)"/>; <paramref name="revenue"/> words a predicted-revenue explanation.</summary>
    public static string Summary(IReadOnlyList<Reason> reasons, ExplanationTotals? totals, bool churn, string currency, bool revenue)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        if (totals is not { } t || reasons.Any(r => r.Value is null))
        {
            var format = churn ? "+0.000;-0.000;0.000" : "+0.00;-0.00;0.00";
            return string.Join(", ", reasons.Select(r => $"{r.Feature} ({r.Contribution.ToString(format, CultureInfo.InvariantCulture)})"));
        }

        var start = churn
            ? $"from a typical {(t.Baseline * 100).ToString("0.0", CultureInfo.InvariantCulture)}%"
            : $"from a typical {t.Baseline.ToString("N2", CultureInfo.InvariantCulture)} {currency}";
        var rest = churn
            ? $"{(Math.Abs(t.AllOther) * 100).ToString("0.#", CultureInfo.InvariantCulture)} points"
            : $"{Math.Abs(t.AllOther).ToString("N2", CultureInfo.InvariantCulture)} {currency}";
        var shown = reasons.Select(r => churn ? Churn(r) : revenue ? Revenue(r, currency) : Value(r, currency));
        return $"{start}: {string.Join(", ", shown)}; all other features {(t.AllOther >= 0 ? "raise" : "lower")} it by {rest}";
    }

    private static string Verb(double effect) => effect > 0 ? "raises" : effect < 0 ? "lowers" : "does not change";

    // The feature with the customer's value: "last purchase 412 days ago", "main channel: web", "satisfaction unknown".
    private static string Subject(Reason reason)
    {
        var name = reason.Feature.Replace('_', ' ');
        if (reason.Value is null)
        {
            return name;
        }

        if (reason.Level is { } level)
        {
            return level == BundleExplainer.Unknown ? $"{name} unknown" : $"{name}: {level}";
        }

        if (reason.Number is not { } value || float.IsNaN(value))
        {
            return $"{name} unknown";
        }

        var number = (double)value;
        var money = reason.Feature.Contains("revenue", StringComparison.Ordinal) || reason.Feature.Contains("profit", StringComparison.Ordinal)
            || reason.Feature.Contains("cost", StringComparison.Ordinal) || reason.Feature is ValueBlend.ReasonName or "average_order_value";
        var shown = number.ToString(money ? "N2" : "#,0.##", CultureInfo.InvariantCulture);
        return Phrases.TryGetValue(reason.Feature, out var phrase) ? string.Format(CultureInfo.InvariantCulture, phrase, shown) : $"{name} {shown}";
    }
}
