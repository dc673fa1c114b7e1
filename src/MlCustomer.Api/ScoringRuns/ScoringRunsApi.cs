using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Extensions;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Models;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>Scoring the whole customer base in the background.</summary>
public static class ScoringRunsApi
{
    /// <summary>Maps <c>/scoring-runs</c>.</summary>
    public static RouteGroupBuilder MapScoringRunsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var limits = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<LimitOptions>>().Value;
        var group = api.MapGroup("/scoring-runs").WithTags("Scoring runs");

        group.MapPost("/", StartRun)
            .WithName("StartScoringRun")
            .WithSummary("Score every customer in the configured data files at an as-of date, in the background, and store the scores (admin)")
            .RequireAuthorization(ApiRoles.AdminPolicy)
            .WithMetadata(new RequestSizeLimitAttribute(limits.AdminBodyBytes))
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/", ListRuns)
            .WithName("ListScoringRuns")
            .WithSummary("The latest scoring runs, newest first: status, as-of date, counts, error, and the drift of the succeeded ones")
            .RequireAuthorization(ApiRoles.ReaderPolicy);

        group.MapGet("/{id}", GetRun)
            .WithName("GetScoringRun")
            .WithSummary("A scoring run's status, counts, timings, error, and once it succeeded the features and outputs that drifted")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(ApiRoles.ReaderPolicy);

        group.MapGet("/{id}/drift", GetDrift)
            .WithName("GetScoringRunDrift")
            .WithSummary("How far a run's customers have drifted from the training customers: PSI of every feature, most moved first")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireAuthorization(ApiRoles.ReaderPolicy);
        return group;
    }

    /// <summary>Queues a run and answers 202 with its location.</summary>
    public static async Task<Results<Accepted<ScoringRunResponse>, ValidationProblem, ProblemHttpResult>> StartRun(
        ScoringRunRequest? request, ScoreStore store, QueuedScoringRuns queue, ModelHost host, ClaimsPrincipal user, TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(time);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (request?.AsOfDate is { } asOf
            && (asOf > today ? $"{asOf:yyyy-MM-dd} is in the future (today is {today:yyyy-MM-dd} UTC)" : FeatureDomains.EarliestDateProblem(asOf)) is { } problem)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["asOfDate"] = [problem] }, title: "Invalid scoring run request", detail: "No run was started.");
        }

        if (!host.IsReady)
        {
            return ScoresApi.NotReady(host);
        }

        // A run builds features from the order history; a table bundle's features are a table's columns (it failed later,
        // naming the first column the feature builder does not compute).
        if (host.Current is { Card.Table: not null } table)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A customer-table bundle has no scoring runs",
                detail: $"The serving bundle {table.Version} was trained on a customer table: {TableEncoding.NoSegmentsOrTiers}. " +
                    "Scoring runs build features from the configured transaction files; score a table in its training file's format " +
                    "with POST /api/v1/scores/csv or POST /api/v1/scores.");
        }

        var run = new ScoringRun
        {
            Id = Guid.NewGuid().ToString("N"),
            Status = RunStatus.Queued,
            RequestedBy = user.Identity?.Name ?? "unknown",
            RequestedAt = time.GetUtcNow(),
            RequestedAsOfDate = request?.AsOfDate,
        };
        await store.CreateRunAsync(run, cancellationToken);
        if (!queue.TryEnqueue(run.Id))
        {
            await store.UpdateRunAsync(run with { Status = RunStatus.Failed, FinishedAt = time.GetUtcNow(), Error = "refused: too many runs queued" }, CancellationToken.None);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many scoring runs queued",
                detail: "Wait for the queued runs to finish and try again.");
        }

        return TypedResults.Accepted($"/api/v1/scoring-runs/{run.Id}", ScoringRunResponse.From(run));
    }

    /// <summary>
    /// One page of <paramref name="limit"/> runs (1–200, default 50), newest first; when more follow, the Link header
    /// (rel="next") holds the next page's address; 400 for a cursor this list did not hand out.
    /// </summary>
    /// <param name="store">Storage.</param>
    /// <param name="context">The request (for the next page's link).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <param name="limit">How many runs on a page.</param>
    /// <param name="cursor">Where the page starts: the cursor in the previous page's Link header.</param>
    public static async Task<Results<Ok<List<ScoringRunResponse>>, ValidationProblem>> ListRuns(
        ScoreStore store, HttpContext? context, CancellationToken cancellationToken, int limit = 50, string? cursor = null)
    {
        ArgumentNullException.ThrowIfNull(store);
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

        var pageSize = Math.Clamp(limit, 1, 200);
        // One more than the page tells whether another page follows, without a count.
        var runs = await store.GetRunsAsync(pageSize + 1, after, cancellationToken);
        if (runs.Count > pageSize && context is not null)
        {
            var last = runs[pageSize - 1];
            Paging.SetNextLink(context, Paging.Encode(last.RequestedAt.ToString("O", CultureInfo.InvariantCulture), last.Id));
        }

        var list = new List<ScoringRunResponse>(Math.Min(runs.Count, pageSize));
        foreach (var run in runs.Take(pageSize))
        {
            var drift = run.Status == RunStatus.Succeeded ? await store.GetDriftAsync(run.Id, cancellationToken) : null;
            list.Add(ScoringRunResponse.From(run, drift));
        }

        return TypedResults.Ok(list);
    }

    /// <summary>A run's state, or 404.</summary>
    public static async Task<Results<Ok<ScoringRunResponse>, ProblemHttpResult>> GetRun(string id, ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var run = await store.GetRunAsync(id, cancellationToken);
        if (run is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such scoring run", detail: $"There is no scoring run '{id}'.");
        }

        var drift = run.Status == RunStatus.Succeeded ? await store.GetDriftAsync(id, cancellationToken) : null;
        return TypedResults.Ok(ScoringRunResponse.From(run, drift));
    }

    /// <summary>The drift a succeeded run recorded; 404 for an unknown run, 409 for one that has not succeeded.</summary>
    public static async Task<Results<Ok<ScoringRunDriftResponse>, ProblemHttpResult>> GetDrift(string id, ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var run = await store.GetRunAsync(id, cancellationToken);
        if (run is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such scoring run", detail: $"There is no scoring run '{id}'.");
        }

        if (run.Status != RunStatus.Succeeded)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "The run has not succeeded",
                detail: $"Scoring run '{id}' is {run.Status}; its drift is recorded when it succeeds.");
        }

        var recorded = await store.GetDriftAsync(id, cancellationToken);
        var drift = recorded.Features;
        var note = drift.Count == 0
            ? $"No drift was recorded: bundle {run.ModelVersion} holds no training distributions (trained before drift checks), or the run scored no customers."
            : $"PSI = Σ (now − then) × ln(now / then) over each feature's training bins (deciles and missing, or categories): below {FeatureDrift.ModerateFrom} stable, " +
              $"from {FeatureDrift.ShiftedFrom} shifted. Outputs compare the models' churn probability and predicted profit with the held-out customers' at training.";
        return TypedResults.Ok(new ScoringRunDriftResponse(
            run.Id,
            run.ModelVersion,
            run.AsOfDate,
            [.. drift.Where(d => d.Level == DriftLevel.Shifted).Select(d => d.Feature)],
            [.. drift.Where(d => d.Level == DriftLevel.Moderate).Select(d => d.Feature)],
            [.. drift.Select(Item)],
            [.. recorded.Outputs.Select(Item)],
            note));

        static FeatureDriftItem Item(FeatureDriftResult d) =>
            new(d.Feature, d.Psi, ScoreStore.DriftLevelName(d.Level), d.TrainingMissingShare, d.MissingShare, d.LargestMove);
    }
}
