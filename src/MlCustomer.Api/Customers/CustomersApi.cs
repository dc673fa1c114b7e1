using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Customers;

/// <summary>A customer's current stored scores and decision.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="RunId">The scoring run they were read from: the current run that scored the customer.</param>
/// <param name="ScoredAt">When that run finished.</param>
/// <param name="ModelVersion">The bundle that scored them.</param>
/// <param name="AsOfDate">The as-of date of the features (that run's).</param>
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
    double? PredictedRevenue)
{
    /// <summary>Baseline and the effect of all features not among the churn reasons; null for runs whose reasons do not add up.</summary>
    public ExplanationResult? ChurnExplanation { get; init; }

    /// <summary>Baseline and the effect of all features not among the value reasons; null for runs whose reasons do not add up.</summary>
    public ExplanationResult? ValueExplanation { get; init; }
}

/// <summary>What <c>DELETE /customers/{id}</c> erased.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="RowsErased">Stored rows removed: one per run that scored them, plus each run's target candidates that held them.</param>
/// <param name="ErasedAt">When.</param>
/// <param name="ErasedBy">The API key name, as the audit records it.</param>
/// <param name="AuditId">The personal-data audit entry.</param>
public sealed record CustomerErasureResponse(string CustomerId, long RowsErased, DateTimeOffset ErasedAt, string ErasedBy, string AuditId);

/// <summary>Stored scores by customer.</summary>
public static class CustomersApi
{
    /// <summary>Maps <c>/customers/{id}</c>.</summary>
    public static RouteGroupBuilder MapCustomersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/customers").WithTags("Customers").RequireAuthorization(ApiRoles.ReaderPolicy);
        group.MapGet("/{id}", GetCustomer)
            .WithName("GetCustomer")
            .WithSummary("The stored scores and decision of one customer from the current scoring run that scored them (latest as-of date, then latest finish: a backfill never replaces them); says which run")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{id}", EraseCustomer)
            .WithName("EraseCustomer")
            .WithSummary("Erase one customer's stored scores and decisions from every scoring run (admin); audited: who, when, how many rows")
            .RequireAuthorization(ApiRoles.AdminPolicy)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>The customer's current stored scores, or 404.</summary>
    public static async Task<Results<Ok<CustomerScoresResponse>, ProblemHttpResult>> GetCustomer(
        string id, ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var score = await store.GetCurrentCustomerAsync(id, cancellationToken);
        if (score is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No stored scores for this customer",
                detail: $"Customer '{id}' was not scored by any succeeded scoring run (or was erased). Start one with POST /api/v1/scoring-runs, " +
                    "or score the customer now with POST /api/v1/scores.");
        }

        return TypedResults.Ok(new CustomerScoresResponse(
            score.CustomerId, score.RunId, score.ScoredAt, score.ModelVersion, score.AsOfDate, score.ChurnProbability, score.RiskBand,
            score.SegmentId, score.SegmentName, score.PredictedGrossProfit,
            ServedReasons.Churn(score.ChurnReasons),
            ServedReasons.Value(score.ValueReasons, score.Currency),
            score.Decision is { } d ? DecisionResult.From(d) : null,
            score.PredictedRevenue)
        {
            ChurnExplanation = ExplanationResult.From(score.ChurnTotals),
            ValueExplanation = ExplanationResult.From(score.ValueTotals),
        });
    }

    /// <summary>Erases the customer from every run and audits it; 404 (also audited) when nothing was stored about them.</summary>
    public static async Task<Results<Ok<CustomerErasureResponse>, ProblemHttpResult>> EraseCustomer(
        string id, ScoreStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(time);
        var audit = await store.EraseCustomerAsync(id, user.Identity?.Name ?? "unknown", time.GetUtcNow(), cancellationToken);
        if (audit.Rows == 0)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Nothing stored about this customer",
                detail: $"No scoring run holds scores of customer '{id}'; the request was recorded in the personal-data audit ({audit.Id}).");
        }

        return TypedResults.Ok(new CustomerErasureResponse(id, audit.Rows, audit.HappenedAt, audit.RequestedBy, audit.Id));
    }
}
