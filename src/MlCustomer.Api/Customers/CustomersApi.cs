using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using MlCustomer.Api.Models;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

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
/// <param name="History">The customer's recent history as the rules read it at the as-of date; null for runs stored before migration 7 and bundles without decisions.</param>
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
    double? PredictedRevenue,
    CustomerRecentHistory? History)
{
    /// <summary>Baseline and the effect of all features not among the churn reasons; null for runs whose reasons do not add up.</summary>
    public ExplanationResult? ChurnExplanation { get; init; }

    /// <summary>Baseline and the effect of all features not among the value reasons; null for runs whose reasons do not add up.</summary>
    public ExplanationResult? ValueExplanation { get; init; }

    /// <summary>
    /// Features that moved the predicted revenue most (exact TreeSHAP effects in the currency over the value horizon), as the
    /// run stored them; empty for runs stored before revenue reasons were kept and bundles without revenue covers.
    /// </summary>
    public IReadOnlyList<ScoreReason> RevenueReasons { get; init; } = [];

    /// <summary>Baseline and the effect of all features not among <see cref="RevenueReasons"/>; null where they are empty.</summary>
    public ExplanationResult? RevenueExplanation { get; init; }

    /// <summary>
    /// 80% prediction interval of the predicted gross profit (P10, P50, P90), from the calibration of the bundle that scored the
    /// run; null when that bundle is no longer the one loaded, has no intervals (trained before them) or no value model.
    /// </summary>
    public ValueIntervalResult? GrossProfitInterval { get; init; }

    /// <summary>The same for the predicted revenue.</summary>
    public ValueIntervalResult? RevenueInterval { get; init; }

    /// <summary>
    /// The chance that the customer buys in the value horizon and their gross profit if they do, as the run stored them
    /// (the probability to 4 decimals); null for runs stored before they were kept and for one-part value models.
    /// </summary>
    public PurchaseOutlookResult? PurchaseOutlook { get; init; }
}

/// <summary>A customer's recent history at the run's as-of date: the facts the rules decided on.</summary>
/// <param name="RevenueLast365Days">Revenue in the 365 days up to the as-of date.</param>
/// <param name="GrossProfitLast365Days">Gross profit (revenue − cost of goods, discounts and returns) in those days.</param>
/// <param name="CostToServeLast365Days">Cost-to-serve (support, complaints, service) in those days.</param>
/// <param name="MarginRate">Gross profit ÷ revenue; null when revenue is not positive.</param>
/// <param name="RecencyDays">Days from the last purchase to the as-of date (for a customer who never bought, days since signup).</param>
/// <param name="PurchaseDays">Distinct days with a purchase up to the as-of date.</param>
/// <param name="TenureDays">Days from the first event (signup or first purchase) to the as-of date.</param>
/// <param name="MeanDaysBetweenPurchases">Mean days between purchase days; null with fewer than two.</param>
public sealed record CustomerRecentHistory(
    double RevenueLast365Days,
    double GrossProfitLast365Days,
    double CostToServeLast365Days,
    double? MarginRate,
    double? RecencyDays,
    double PurchaseDays,
    double? TenureDays,
    double? MeanDaysBetweenPurchases);

/// <summary>One page of the customers whose id starts with a prefix, in the current scoring run.</summary>
/// <param name="RunId">The scoring run searched: the current one.</param>
/// <param name="AsOfDate">Its as-of date.</param>
/// <param name="Prefix">The id prefix searched (empty: every customer).</param>
/// <param name="Page">The page number, from 1.</param>
/// <param name="PageSize">Customers per page.</param>
/// <param name="HasMore">Whether a next page exists.</param>
/// <param name="Customers">The customers on this page, in id order (ordinal).</param>
public sealed record CustomerSearchResponse(
    string RunId, DateOnly? AsOfDate, string Prefix, int Page, int PageSize, bool HasMore, IReadOnlyList<CustomerSearchResult> Customers);

/// <summary>One customer found.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">Calibrated churn probability.</param>
/// <param name="SegmentName">Segment name; null when the bundle has no segments.</param>
/// <param name="Tier">Profit tier now (A–D); null when the run made no decisions.</param>
/// <param name="LifecycleStage">Lifecycle stage; null when the run made no decisions.</param>
/// <param name="PredictedProfit">Predicted profit after cost-to-serve in the value horizon; null when the run made no decisions.</param>
/// <param name="RecommendedAction">The recommended action key; null when the run made no decisions.</param>
public sealed record CustomerSearchResult(
    string CustomerId, double ChurnProbability, string? SegmentName, string? Tier, string? LifecycleStage, double? PredictedProfit, string? RecommendedAction);

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
        group.MapGet("", SearchCustomers)
            .WithName("SearchCustomers")
            .WithSummary("Customers of the current scoring run whose id starts with a prefix, in id order, one page at a time (the workspace's customer search)")
            .ProducesProblem(StatusCodes.Status404NotFound);
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
        string id, ScoreStore store, ModelHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(host);
        if (IdRefused(id) is { } refused)
        {
            return refused;
        }

        var score = await store.GetCurrentCustomerAsync(id, cancellationToken);
        if (score is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No stored scores for this customer",
                detail: $"Customer '{id}' was not scored by any succeeded scoring run (or was erased). Start one with POST /api/v1/scoring-runs, " +
                    "or score the customer now with POST /api/v1/scores.");
        }

        var scoringCard = host.Current?.Card is { } card && string.Equals(card.Version, score.ModelVersion, StringComparison.Ordinal) ? card : null;
        return TypedResults.Ok(new CustomerScoresResponse(
            score.CustomerId, score.RunId, score.ScoredAt, score.ModelVersion, score.AsOfDate, score.ChurnProbability, score.RiskBand,
            score.SegmentId, score.SegmentName, score.PredictedGrossProfit,
            ServedReasons.Churn(score.ChurnReasons),
            ServedReasons.Value(score.ValueReasons, score.Currency),
            score.Decision is { } d ? DecisionResult.From(d) : null,
            score.PredictedRevenue,
            score.History)
        {
            ChurnExplanation = ExplanationResult.From(score.ChurnTotals),
            ValueExplanation = ExplanationResult.From(score.ValueTotals),
            RevenueReasons = ServedReasons.Revenue(score.RevenueReasons, score.Currency),
            RevenueExplanation = ExplanationResult.From(score.RevenueTotals),
            // The intervals the run stored with the scores (migration 9); rows stored before then kept only the predictions,
            // and get the scoring bundle's calibration applied to them when that bundle is the one loaded.
            GrossProfitInterval = ValueIntervalResult.From(score.GrossProfitInterval ?? scoringCard?.GrossProfitInterval(score.PredictedGrossProfit)),
            RevenueInterval = ValueIntervalResult.From(score.RevenueInterval ?? scoringCard?.RevenueInterval(score.PredictedRevenue)),
            // Only from what the run stored: a prediction alone does not give the two parts.
            PurchaseOutlook = PurchaseOutlookResult.From(score.GrossProfitInterval, score.Currency),
        });
    }

    /// <summary>Most customers on one search page.</summary>
    public const int MaxPageSize = 100;

    /// <summary>One page of the customers whose id starts with <paramref name="prefix"/>, 400 for a bad page, or 404 before the first succeeded run.</summary>
    /// <param name="prefix">The start of the customer id (case-sensitive); empty or left out lists every customer.</param>
    /// <param name="page">The page, from 1 (default 1).</param>
    /// <param name="pageSize">Customers per page, 1–100 (default 20).</param>
    /// <param name="store">Storage.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    public static async Task<Results<Ok<CustomerSearchResponse>, ValidationProblem, ProblemHttpResult>> SearchCustomers(
        string? prefix, int? page, int? pageSize, ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var errors = new Dictionary<string, string[]>();
        if (page is < 1)
        {
            errors[nameof(page)] = ["page must be at least 1."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors[nameof(pageSize)] = [$"pageSize must be between 1 and {MaxPageSize}."];
        }

        // The id rule, so that a prefix no id can start with (too long, control or invisible characters) is named as such.
        if (prefix is { Length: > 0 } && ScoreInputs.IdProblem(prefix) is { } prefixProblem)
        {
            errors[nameof(prefix)] = [$"prefix {prefixProblem}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid customer search");
        }

        var run = await store.GetCurrentRunAsync(cancellationToken);
        if (run is null)
        {
            return Retention.RetentionApi.NoSucceededRun();
        }

        var (number, size) = (page ?? 1, pageSize ?? 20);
        // One more than the page tells whether a next page exists without counting every match.
        var found = await store.SearchCustomersAsync(run, prefix ?? "", (int)Math.Min(int.MaxValue, ((long)number - 1) * size), size + 1, cancellationToken);
        return TypedResults.Ok(new CustomerSearchResponse(
            run.Id, run.AsOfDate, prefix ?? "", number, size, found.Count > size,
            [.. found.Take(size).Select(c => new CustomerSearchResult(
                c.CustomerId, c.ChurnProbability, c.SegmentName, c.Decision is { } d ? WireNames.Of(d.Tier) : null,
                c.Decision is { } s ? WireNames.Of(s.Stage) : null, c.Decision?.PredictedProfit, c.Decision?.Action))]));
    }

    /// <summary>Erases the customer from every run and audits it; 404 (also audited) when nothing was stored about them.</summary>
    public static async Task<Results<Ok<CustomerErasureResponse>, ProblemHttpResult>> EraseCustomer(
        string id, ScoreStore store, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(time);
        // Refused before the audit: no id can be stored that breaks the id rule, and the audit keeps no such text.
        if (IdRefused(id) is { } refused)
        {
            return refused;
        }

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

    // A path id that no scoring run can have stored (the rule every id is checked by when it is scored): 400 naming it,
    // instead of a 404 that echoes kilobytes or invisible characters back.
    private static ProblemHttpResult? IdRefused(string id) =>
        (id.Length > 0 && (char.IsWhiteSpace(id[0]) || char.IsWhiteSpace(id[^1])) ? "starts or ends with a space (ids are stored trimmed)" : ScoreInputs.IdProblem(id)) is { } problem
            ? TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["id"] = [$"The customer id {problem}."] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "Not a customer id",
            })
            : null;
}
