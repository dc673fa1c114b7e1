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
          "units": "churnProbability: calibrated probability (0–1) of no purchase in the 180 days after the as-of date; predictedGrossProfit: gross profit in the 365 days after the as-of date (revenue − cost of goods, returns included, before cost-to-serve), in EUR; decision.predictedProfit: predictedGrossProfit − decision.expectedCostToServe (the trailing cost-to-serve per day × 365 days), the profit after cost-to-serve that tiers, value at risk and offers use, like decision.profitLast365Days; predictedRevenue: revenue in the 365 days after the as-of date, in EUR; churn contributions are in the model's raw score units, value contributions in the predicted gross profit's units; each is how much the prediction would change had the customer fallen on the other side of the model's splits on that feature, summed over its trees: they rank what drove the prediction and do not add up to it.",
          "customers": [
            {
              "customerId": "C00002",
              "churnProbability": 0.4127,
              "riskBand": "medium",
              "segmentId": 3,
              "segmentName": "Promising",
              "predictedGrossProfit": 182.4,
              "churnReasons": [ { "feature": "recency_days", "contribution": 0.61 }, { "feature": "purchase_days", "contribution": 0.22 } ],
              "valueReasons": [ { "feature": "bgnbd_gamma_gamma_expectation", "contribution": 41.3 }, { "feature": "profit_last_365_days", "contribution": 28.9 } ],
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
