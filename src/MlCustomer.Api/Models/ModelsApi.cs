using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Extensions;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Models;

/// <summary>The active model: what it is, and swapping it.</summary>
public static class ModelsApi
{
    /// <summary>Maps <c>/models</c>, <c>/models/reload</c>, <c>/models/rollback</c> and <c>/models/reloads</c>.</summary>
    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var limits = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<LimitOptions>>().Value;
        var group = api.MapGroup("/models").WithTags("Models");

        group.MapGet("/", GetModel)
            .WithName("GetModel")
            .WithSummary("The active bundle: version, dates, horizons, metrics, grades and feature contract")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireAuthorization(ApiRoles.ReaderPolicy);

        group.MapPost("/reload", Reload)
            .WithName("ReloadModel")
            .WithSummary("Load a bundle folder, check it, compare it with the serving bundle on the same held-out customers (refused when worse unless force), warm it up and swap it in atomically (admin)")
            .RequireAuthorization(ApiRoles.AdminPolicy)
            .WithMetadata(new RequestSizeLimitAttribute(limits.AdminBodyBytes))
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/rollback", Rollback)
            .WithName("RollbackModel")
            .WithSummary("Return to the bundle that served before the current one, in one call (admin)")
            .RequireAuthorization(ApiRoles.AdminPolicy)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/reloads", GetReloads)
            .WithName("GetModelReloads")
            .WithSummary("The audit of loads and reloads, newest first (admin)")
            .RequireAuthorization(ApiRoles.AdminPolicy);
        return group;
    }

    /// <summary>Describes the active bundle.</summary>
    public static Results<Ok<ModelInfo>, ProblemHttpResult> GetModel(ModelHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var lease = host.Acquire();
        return lease is null ? ScoresApi.NotReady(host) : TypedResults.Ok(ModelInfo.From(lease.Generation));
    }

    /// <summary>
    /// Loads the named bundle fully into a new generation and swaps it in; a path that is not a bundle
    /// folder name is a 400, a bundle that fails its checks or warm-up a 422, and the old one keeps serving.
    /// </summary>
    public static async Task<Results<Ok<ReloadResponse>, ValidationProblem, ProblemHttpResult>> Reload(
        ReloadRequest? request, ModelHost host, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(user);
        var result = await host.ReloadAsync(request?.Path, user.Identity?.Name ?? "unknown", request?.Force ?? false, cancellationToken);
        return result.Outcome switch
        {
            ReloadOutcome.Succeeded => TypedResults.Ok(Succeeded(result)),
            ReloadOutcome.NotBetter => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The bundle is not better than the one serving",
                detail: $"{result.Message} The model serving is unchanged ({result.FromVersion}). Reload with force=true to load it anyway.",
                extensions: new Dictionary<string, object?> { ["promotion"] = PromotionCheck.From(result.Promotion!, forced: false) }),
            ReloadOutcome.ClusterUnavailable => ClusterUnavailable(result),
            ReloadOutcome.InvalidPath => TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["path"] = [result.Message!] },
                title: "Not a bundle folder", detail: $"The model serving is unchanged ({result.FromVersion ?? "none"})."),
            _ => TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "The bundle was refused",
                detail: $"{result.Message} The model serving is unchanged ({result.FromVersion ?? "none"})."),
        };
    }

    /// <summary>
    /// Loads again the bundle that served before the current one (from its folder, which must still hold that version) and
    /// swaps it in, without the promotion check; 409 when none served before, 422 when its folder changed or fails its checks.
    /// </summary>
    public static async Task<Results<Ok<ReloadResponse>, ProblemHttpResult>> Rollback(
        ModelHost host, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(user);
        var result = await host.RollbackAsync(user.Identity?.Name ?? "unknown", cancellationToken);
        return result.Outcome switch
        {
            ReloadOutcome.Succeeded => TypedResults.Ok(Succeeded(result)),
            ReloadOutcome.NothingToRollBack => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "Nothing to roll back to", detail: result.Message),
            ReloadOutcome.ClusterUnavailable => ClusterUnavailable(result),
            _ => TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "The rollback was refused",
                detail: $"{result.Message} The model serving is unchanged ({result.FromVersion ?? "none"})."),
        };
    }

    // A dependency failure, not the bundle's: worth retrying once the database answers again.
    private static ProblemHttpResult ClusterUnavailable(ReloadResult result) => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "The cluster could not record the bundle",
        detail: $"{result.Message} The model serving is unchanged on every replica ({result.FromVersion ?? "none"}).");

    private static ReloadResponse Succeeded(ReloadResult result) =>
        new(result.FromVersion, ModelInfo.From(result.Generation!))
        {
            Promotion = result.Promotion is { } promotion ? PromotionCheck.From(promotion, result.Forced) : null,
        };

    /// <summary>
    /// One page of the reload audit, newest first; when more follow, the Link header (rel="next") holds the next page's
    /// address; 400 for a cursor this list did not hand out.
    /// </summary>
    /// <param name="store">Storage.</param>
    /// <param name="context">The request (for the next page's link).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <param name="limit">How many entries on a page.</param>
    /// <param name="cursor">Where the page starts: the cursor in the previous page's Link header.</param>
    public static async Task<Results<Ok<List<ReloadAuditEntry>>, ValidationProblem>> GetReloads(
        ScoreStore store, HttpContext context, CancellationToken cancellationToken, int limit = 50, string? cursor = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(context);
        (DateTimeOffset, string)? after = null;
        if (cursor is not null)
        {
            if (Paging.Decode(cursor, 2) is not [var at, var id]
                || !DateTimeOffset.TryParseExact(at, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var requestedAt))
            {
                return TypedResults.ValidationProblem(Paging.BadCursor(), title: "Invalid cursor");
            }

            after = (requestedAt, id);
        }

        var pageSize = Math.Clamp(limit, 1, 1_000);
        // One more than the page tells whether another page follows, without a count.
        var audits = await store.GetReloadAuditsAsync(pageSize + 1, after, cancellationToken);
        if (audits.Count > pageSize)
        {
            var last = audits[pageSize - 1];
            Paging.SetNextLink(context, Paging.Encode(last.RequestedAt.ToString("O", CultureInfo.InvariantCulture), last.Id));
        }

        return TypedResults.Ok(audits.Take(pageSize).Select(a => new ReloadAuditEntry(
            a.RequestedBy, a.RequestedAt, a.Source, a.FromVersion, a.ToVersion, a.Outcome, a.Detail, a.DurationMilliseconds)).ToList());
    }
}
