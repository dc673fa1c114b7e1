using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Customers;

/// <summary>A customer's latest stored scores and decision.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="RunId">The scoring run that produced them.</param>
/// <param name="ScoredAt">When that run finished.</param>
/// <param name="ModelVersion">The bundle that scored them.</param>
/// <param name="AsOfDate">The as-of date of the features.</param>
/// <param name="ChurnProbability">Calibrated churn probability.</param>
/// <param name="RiskBand">low, medium or high.</param>
/// <param name="SegmentId">Segment id.</param>
/// <param name="SegmentName">Segment name.</param>
/// <param name="PredictedGrossProfit">The value model's predicted gross profit (before cost-to-serve) in the value horizon; the decision has the profit after it.</param>
/// <param name="ChurnReasons">Top churn reasons.</param>
/// <param name="ValueReasons">Top value reasons.</param>
/// <param name="Decision">The stored rule decision (tier, flags, lifecycle, action); null for bundles without tier cut-offs.</param>
/// <param name="PredictedRevenue">Predicted revenue in the value horizon; null for bundles without a revenue model.</param>
public sealed record CustomerScoresResponse(
    string CustomerId,
    string RunId,
    DateTimeOffset? ScoredAt,
    string ModelVersion,
    DateOnly AsOfDate,
    double ChurnProbability,
    string RiskBand,
    int? SegmentId,
    string? SegmentName,
    double? PredictedGrossProfit,
    IReadOnlyList<ScoreReason> ChurnReasons,
    IReadOnlyList<ScoreReason> ValueReasons,
    DecisionResult? Decision,
    double? PredictedRevenue);

/// <summary>Stored scores by customer.</summary>
public static class CustomersApi
{
    private static readonly JsonSerializerOptions ReasonsJson = new(JsonSerializerDefaults.Web);

    /// <summary>Maps <c>/customers/{id}</c>.</summary>
    public static RouteGroupBuilder MapCustomersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/customers").WithTags("Customers").RequireAuthorization(ApiRoles.ReaderPolicy);
        group.MapGet("/{id}", GetCustomer)
            .WithName("GetCustomer")
            .WithSummary("The latest stored scores and decision of one customer (from the latest succeeded scoring run that scored them)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>The customer's latest stored scores, or 404.</summary>
    public static async Task<Results<Ok<CustomerScoresResponse>, ProblemHttpResult>> GetCustomer(
        string id, ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var score = await store.GetLatestScoreAsync(id, cancellationToken);
        if (score is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No stored scores for this customer",
                detail: $"Customer '{id}' was not scored by any succeeded scoring run. Start one with POST /api/v1/scoring-runs, " +
                    "or score the customer now with POST /api/v1/scores.");
        }

        return TypedResults.Ok(new CustomerScoresResponse(
            score.CustomerId, score.RunId, score.ScoredAt, score.ModelVersion, score.AsOfDate, score.ChurnProbability, score.RiskBand,
            score.SegmentId, score.SegmentName, score.PredictedGrossProfit,
            JsonSerializer.Deserialize<List<ScoreReason>>(score.ChurnReasonsJson, ReasonsJson) ?? [],
            JsonSerializer.Deserialize<List<ScoreReason>>(score.ValueReasonsJson, ReasonsJson) ?? [],
            score.Decision is { } d ? DecisionResult.From(d.ToCustomerDecision(score)) : null,
            score.PredictedRevenue));
    }

    /// <summary>Reasons as stored.</summary>
    public static string ToJson(IEnumerable<ScoreReason> reasons) => JsonSerializer.Serialize(reasons, ReasonsJson);
}
