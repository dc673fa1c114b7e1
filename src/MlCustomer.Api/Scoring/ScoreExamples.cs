using MlCustomer.Api.OpenApi;

namespace MlCustomer.Api.Scoring;

/// <summary>The examples Swagger UI shows for the scoring endpoints (the same as in MlCustomer.Api.http).</summary>
internal static class ScoreExamples
{
    public static ApiExamples Scores { get; } = new(
        """
        {
          "asOfDate": "2025-12-31",
          "customers": [
            {
              "customerId": "C00002",
              "history": {
                "transactions": [
                  { "order_id": "O1", "order_date": "2025-03-14", "category": "Home", "quantity": 2, "revenue": 38.66, "cost": 29.83, "discount": 9.76, "channel": "web" },
                  { "order_id": "O2", "order_date": "2025-11-02", "category": "Beauty", "quantity": 1, "revenue": 24.10, "cost": 9.40, "channel": "web" }
                ],
                "attributes": { "region": "East", "acquisition_channel": "search", "loyalty_member": "false", "age_band": "45-54" },
                "service_events": [ { "event_date": "2025-04-02", "support_tickets": 1, "service_cost": 12.5 }, { "event_date": "2025-11-20", "satisfaction": 4 } ],
                "signup_date": "2024-06-01"
              }
            }
          ]
        }
        """,
        """
        {
          "modelVersion": "mlc-3f2a9c1d0b7e",
          "asOfDate": "2025-12-31",
          "churnHorizonDays": 180,
          "valueHorizonDays": 365,
          "units": "churnProbability: calibrated probability (0–1) of no purchase in the 180 days after the as-of date; predictedGrossProfit: gross profit in the 365 days after the as-of date (revenue − cost of goods, returns included, before cost-to-serve), in EUR; decision.predictedProfit: predictedGrossProfit − decision.expectedCostToServe (the trailing cost-to-serve per day × 365 days), the profit after cost-to-serve that tiers, value at risk and offers use, like decision.profitLast365Days; predictedRevenue: revenue in the 365 days after the as-of date, in EUR; reasons are exact additive effects (TreeSHAP): churn contributions in probability (0.05 = 5 percentage points), value contributions in EUR over the value horizon; churnExplanation.baseline + the churn contributions + churnExplanation.allOther = churnProbability, and the same for valueExplanation and predictedGrossProfit, and for revenueReasons, revenueExplanation and predictedRevenue.",
          "customers": [
            {
              "customerId": "C00002",
              "churnProbability": 0.4127,
              "riskBand": "medium",
              "segmentId": 3,
              "segmentName": "Promising",
              "predictedGrossProfit": 182.4,
              "churnReasons": [
                { "feature": "recency_days", "contribution": -0.0821, "value": "95", "sentence": "last purchase 95 days ago lowers churn risk by 8.2 points" },
                { "feature": "purchase_days", "contribution": -0.0312, "value": "6", "sentence": "6 purchase days lowers churn risk by 3.1 points" }
              ],
              "valueReasons": [
                { "feature": "bgnbd_gamma_gamma_expectation", "contribution": 41.3, "value": "315.2", "sentence": "a BG/NBD + Gamma-Gamma expectation of 315.20 raises predicted profit by 41.30 EUR" },
                { "feature": "profit_last_365_days", "contribution": 28.9, "value": "150.2", "sentence": "profit 150.20 in the last 365 days raises predicted profit by 28.90 EUR" }
              ],
              "churnExplanation": { "baseline": 0.542, "allOther": -0.016 },
              "valueExplanation": { "baseline": 109.0, "allOther": 3.2 },
              "grossProfitInterval": { "p10": 41.8, "p50": 150.6, "p90": 402.3 },
              "revenueInterval": { "p10": 310.2, "p50": 1095.4, "p90": 2811.7 },
              "purchaseOutlook": { "purchaseProbability": 0.8731, "grossProfitIfBuyingP10": 52.4, "grossProfitIfBuyingP90": 431.9, "inWords": "likely to buy: 87%; if they buy, 52–432 EUR gross profit" },
              "revenueReasons": [
                { "feature": "revenue_last_365_days", "contribution": 212.6, "value": "980.4", "sentence": "revenue 980.40 in the last 365 days raises predicted revenue by 212.60 EUR" },
                { "feature": "recency_days", "contribution": -96.1, "value": "95", "sentence": "last purchase 95 days ago lowers predicted revenue by 96.10 EUR" }
              ],
              "revenueExplanation": { "baseline": 803.5, "allOther": 320.5 },
              "warnings": [],
              "decision": {
                "tier": "B",
                "predictedTier": "B",
                "lossMaking": false,
                "falseBigCustomer": false,
                "lifecycleStage": "active",
                "valueAtRisk": 67.74,
                "recommendedAction": "targeted-discount",
                "actionDescription": "targeted discount offer",
                "offerCost": 20,
                "reasons": [ "tier B: profit 150.20 in the last 365 days", "predicted tier B: predicted profit 164.15" ],
                "profitLast365Days": 150.2,
                "costToServeLast365Days": 18.25,
                "predictedProfit": 164.15,
                "expectedCostToServe": 18.25
              },
              "predictedRevenue": 1240.5
            }
          ]
        }
        """);

    public static ApiExamples Csv { get; } = new(
        "customer_id,recency_days,purchase_days,…,main_channel,region\nC00001,12,9,…,web,North\n",
        "customer_id,churn_probability,risk_band,segment_id,segment_name,predicted_gross_profit,predicted_revenue,churn_reasons,value_reasons," +
        "profit_last_365_days,gross_profit_last_365_days,cost_to_serve_last_365_days,revenue_last_365_days,predicted_profit,expected_cost_to_serve," +
        "current_tier,predicted_tier,loss_making,false_big_customer,lifecycle_stage,value_at_risk,recommended_action,offer_cost,rule_reasons,warnings,model_version,error\n" +
        "C00001,0.081,low,1,Champions,412.7,2210.35,recency_days:-0.91;purchase_days:-0.4,revenue_last_365_days:+96.2," +
        "380.12,402.5,22.38,2100.4,390.32,22.38,A,A,false,false,active,31.62,loyalty-care,5.00,tier A: … | … ,,mlc-3f2a9c1d0b7e,\n",
        "text/csv");
}
