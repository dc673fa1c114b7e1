using Microsoft.AspNetCore.Http.HttpResults;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Movement;

/// <summary>How customers moved between two stored scoring runs.</summary>
/// <param name="FromRunId">The earlier run (by default the latest succeeded run before the later one).</param>
/// <param name="FromAsOfDate">Its as-of date.</param>
/// <param name="ToRunId">The later run (by default the current run).</param>
/// <param name="ToAsOfDate">Its as-of date.</param>
/// <param name="Customers">Customers in either run.</param>
/// <param name="Categories">Customers per movement category, every category in order (the most urgent to act on first).</param>
/// <param name="Migration">The tier migration matrix: 16 cells from A → A to D → D, customers in both runs.</param>
public sealed record MovementResponse(
    string FromRunId,
    DateOnly? FromAsOfDate,
    string ToRunId,
    DateOnly? ToAsOfDate,
    int Customers,
    IReadOnlyList<MovementCategoryResult> Categories,
    IReadOnlyList<MigrationCellResult> Migration);

/// <summary>One movement category.</summary>
/// <param name="Category">sleeping, worthCultivating, fastGrowing, declining, loyal, steady, new or gone.</param>
/// <param name="Customers">Customers in it.</param>
/// <param name="Meaning">What it means, in words.</param>
public sealed record MovementCategoryResult(string Category, int Customers, string Meaning);

/// <summary>One cell of the tier migration matrix.</summary>
/// <param name="FromTier">Tier in the earlier run.</param>
/// <param name="ToTier">Tier in the later run.</param>
/// <param name="Customers">Customers who moved so.</param>
/// <param name="ProfitBefore">Their profit in the 365 days before the earlier as-of date.</param>
/// <param name="ProfitAfter">Their profit in the 365 days before the later as-of date.</param>
public sealed record MigrationCellResult(string FromTier, string ToTier, int Customers, double ProfitBefore, double ProfitAfter);

/// <summary>One page of the customers in a movement category or a migration cell.</summary>
/// <param name="FromRunId">The earlier run.</param>
/// <param name="ToRunId">The later run.</param>
/// <param name="Category">The category listed, or null when a migration cell is listed.</param>
/// <param name="FromTier">The cell's earlier tier, or null when a category is listed.</param>
/// <param name="ToTier">The cell's later tier, or null when a category is listed.</param>
/// <param name="Total">Customers in the category or cell.</param>
/// <param name="Page">The page, from 1.</param>
/// <param name="PageSize">Customers per page.</param>
/// <param name="HasMore">Whether a next page exists.</param>
/// <param name="Customers">The customers on this page, by id.</param>
public sealed record MovementCustomersResponse(
    string FromRunId, string ToRunId, string? Category, string? FromTier, string? ToTier, int Total, int Page, int PageSize, bool HasMore,
    IReadOnlyList<MovementCustomerResult> Customers);

/// <summary>One customer's movement.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Category">Their movement category.</param>
/// <param name="TierBefore">Tier in the earlier run; null for a new customer.</param>
/// <param name="TierAfter">Tier in the later run; null for a customer gone.</param>
/// <param name="ProfitBefore">Profit in the 365 days before the earlier as-of date; null for a new customer.</param>
/// <param name="ProfitAfter">Profit in the 365 days before the later as-of date; null for a customer gone.</param>
/// <param name="Reason">Why this category, with the tiers, stages and profits.</param>
public sealed record MovementCustomerResult(
    string CustomerId, string Category, string? TierBefore, string? TierAfter, double? ProfitBefore, double? ProfitAfter, string Reason);

/// <summary>Tier movement between two stored scoring runs (Core's <see cref="TierMovement"/> on their stored decisions).</summary>
public static class MovementApi
{
    /// <summary>Most customers on one page of a list.</summary>
    public const int MaxPageSize = 200;

    /// <summary>Maps <c>/movement</c> and <c>/movement/customers</c>.</summary>
    public static RouteGroupBuilder MapMovementApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/movement").WithTags("Movement").RequireAuthorization(ApiRoles.ReaderPolicy);
        // It reads two whole runs from storage on the first call for a pair: bounded like every JSON endpoint.
        group.WithRequestTimeout(ApiLimits.JsonTimeoutPolicy);
        group.MapGet("", GetMovement)
            .WithName("GetMovement")
            .WithSummary("The tier migration matrix (customers and profit) and the movement categories between two succeeded scoring runs; by default the current run against the latest succeeded one before it")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/customers", GetMovementCustomers)
            .WithName("GetMovementCustomers")
            .WithSummary("One page of the customers in a movement category or a migration cell between two succeeded scoring runs, by id, with the reason in words")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>The matrix and the categories, 400 for the same run twice, or 404 when a run is unknown or only one has succeeded.</summary>
    /// <param name="from">The earlier run's id; left out, the latest succeeded run before the later one.</param>
    /// <param name="to">The later run's id; left out, the current run.</param>
    /// <param name="store">Storage.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    public static async Task<Results<Ok<MovementResponse>, ValidationProblem, ProblemHttpResult>> GetMovement(
        string? from, string? to, ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (runs, refused) = await RunsAsync(from, to, store, cancellationToken);
        if (refused is not null)
        {
            return refused.Result switch
            {
                ValidationProblem invalid => invalid,
                ProblemHttpResult problem => problem,
                _ => throw new InvalidOperationException("Runs are refused with a validation problem or a problem."),
            };
        }

        var (before, after) = runs!.Value;
        var report = await store.GetMovementSummaryAsync(before, after, cancellationToken);
        return TypedResults.Ok(new MovementResponse(
            before.Id, before.AsOfDate, after.Id, after.AsOfDate, report.Customers,
            [.. report.Counts.Select(c => new MovementCategoryResult(WireNames.Of(c.Category), c.Customers, c.Meaning))],
            [.. report.Migration.Select(m => new MigrationCellResult(WireNames.Of(m.From), WireNames.Of(m.To), m.Customers, m.ProfitBefore, m.ProfitAfter))]));
    }

    /// <summary>A page of a category's or a cell's customers; 400 unless exactly one of a category or a pair of tiers is given.</summary>
    /// <param name="from">The earlier run's id; left out, the latest succeeded run before the later one.</param>
    /// <param name="to">The later run's id; left out, the current run.</param>
    /// <param name="category">The movement category to list (sleeping, worthCultivating, fastGrowing, declining, loyal, steady, new, gone).</param>
    /// <param name="fromTier">With toTier: list the migration cell from this tier (A–D).</param>
    /// <param name="toTier">With fromTier: list the migration cell to this tier (A–D).</param>
    /// <param name="page">The page, from 1 (default 1).</param>
    /// <param name="pageSize">Customers per page, 1–200 (default 50).</param>
    /// <param name="store">Storage.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    public static async Task<Results<Ok<MovementCustomersResponse>, ValidationProblem, ProblemHttpResult>> GetMovementCustomers(
        string? from, string? to, string? category, string? fromTier, string? toTier, int? page, int? pageSize, ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var errors = new Dictionary<string, string[]>();
        MovementCategory? wanted = null;
        ProfitTier? tierBefore = null, tierAfter = null;
        if (category is not null)
        {
            if (WireNames.TryParse<MovementCategory>(category, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors[nameof(category)] = [$"category must be one of {string.Join(", ", Enum.GetValues<MovementCategory>().Select(WireNames.Canonical))}."];
            }
        }

        foreach (var (name, text) in new[] { (nameof(fromTier), fromTier), (nameof(toTier), toTier) })
        {
            if (text is not null)
            {
                if (WireNames.TryParse<ProfitTier>(text, out var tier))
                {
                    if (name == nameof(fromTier))
                    {
                        tierBefore = tier;
                    }
                    else
                    {
                        tierAfter = tier;
                    }
                }
                else
                {
                    errors[name] = [$"{name} must be one of A, B, C, D."];
                }
            }
        }

        if (errors.Count == 0 && (category is null) == (fromTier is null || toTier is null))
        {
            errors[nameof(category)] = ["Give either a category or both fromTier and toTier (a cell of the migration matrix)."];
        }

        if (page is < 1)
        {
            errors[nameof(page)] = ["page must be at least 1."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors[nameof(pageSize)] = [$"pageSize must be between 1 and {MaxPageSize}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid movement list");
        }

        var (runs, refused) = await RunsAsync(from, to, store, cancellationToken);
        if (refused is not null)
        {
            return refused.Result switch
            {
                ValidationProblem invalid => invalid,
                ProblemHttpResult problem => problem,
                _ => throw new InvalidOperationException("Runs are refused with a validation problem or a problem."),
            };
        }

        var (before, after) = runs!.Value;
        var report = await store.GetMovementAsync(before, after, cancellationToken);
        var members = Members(report, wanted, tierBefore, tierAfter);
        var (number, size) = (page ?? 1, pageSize ?? 50);
        var skip = (int)Math.Min(int.MaxValue, ((long)number - 1) * size);
        return TypedResults.Ok(new MovementCustomersResponse(
            before.Id, after.Id, wanted is { } w ? WireNames.Of(w) : null, tierBefore is { } b ? WireNames.Of(b) : null,
            tierAfter is { } a ? WireNames.Of(a) : null, members.Count, number, size, (long)skip + size < members.Count,
            [.. members.Skip(skip).Take(size).Select(m => new MovementCustomerResult(
                m.CustomerId, WireNames.Of(m.Category), m.TierBefore is { } tb ? WireNames.Of(tb) : null, m.TierAfter is { } ta ? WireNames.Of(ta) : null,
                m.ProfitBefore, m.ProfitAfter, m.Reason))]));
    }

    // A category's (or a cell's) customers, found once per kept comparison: paging through a list then reads the list instead of
    // scanning every customer of both runs again (~50 ms of CPU a page at a million). Dropped with the comparison.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<TierMovementReport,
        System.Collections.Concurrent.ConcurrentDictionary<(MovementCategory?, ProfitTier?, ProfitTier?), List<CustomerMovement>>> Lists = [];

    private static List<CustomerMovement> Members(TierMovementReport report, MovementCategory? category, ProfitTier? tierBefore, ProfitTier? tierAfter) =>
        Lists.GetOrCreateValue(report).GetOrAdd((category, tierBefore, tierAfter), key => [.. report.Customers
            .Where(m => key.Item1 is { } c ? m.Category == c : m.TierBefore == key.Item2 && m.TierAfter == key.Item3)]);

    /// <summary>The two runs compared: the ones named, or the current run and the latest succeeded one before it.</summary>
    internal static async Task<((ScoringRun From, ScoringRun To)? Runs, Results<ValidationProblem, ProblemHttpResult>? Refused)> RunsAsync(
        string? from, string? to, ScoreStore store, CancellationToken cancellationToken)
    {
        if (from is not null && from == to)
        {
            return (null, TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [nameof(to)] = ["from and to name the same run; movement needs two runs."] }, title: "Invalid movement"));
        }

        var after = to is null ? await store.GetCurrentRunAsync(cancellationToken) : await SucceededAsync(to, store, cancellationToken);
        if (after is null)
        {
            return (null, to is null ? Retention.RetentionApi.NoSucceededRun() : UnknownRun(to));
        }

        var before = from is null ? await PreviousAsync(after, store, cancellationToken) : await SucceededAsync(from, store, cancellationToken);
        if (before is null)
        {
            return (null, from is null
                ? TypedResults.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "Only one scoring run has succeeded",
                    detail: $"Movement compares two stored scoring runs; only {after.Id} (as of {after.AsOfDate:yyyy-MM-dd}) has succeeded. " +
                        "Start another with POST /api/v1/scoring-runs (admin), e.g. at an earlier as-of date.")
                : UnknownRun(from));
        }

        return ((before, after), null);
    }

    /// <summary>The latest succeeded run other than <paramref name="after"/>, ordered as the current run is (as-of date, then finish), preferring earlier as-of dates.</summary>
    private static async Task<ScoringRun?> PreviousAsync(ScoringRun after, ScoreStore store, CancellationToken cancellationToken)
    {
        var others = (await store.GetRunsAsync(1_000, cancellationToken))
            .Where(r => r.Status == RunStatus.Succeeded && r.Id != after.Id)
            .OrderByDescending(r => r.AsOfDate <= after.AsOfDate)
            .ThenByDescending(r => r.AsOfDate)
            .ThenByDescending(r => r.FinishedAt)
            .ToList();
        return others.Count > 0 ? others[0] : null;
    }

    private static async Task<ScoringRun?> SucceededAsync(string id, ScoreStore store, CancellationToken cancellationToken) =>
        await store.GetRunAsync(id, cancellationToken) is { Status: RunStatus.Succeeded } run ? run : null;

    private static ProblemHttpResult UnknownRun(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "No such succeeded scoring run",
        detail: $"Scoring run '{id}' does not exist, has not succeeded, or was pruned; GET /api/v1/scoring-runs lists the runs.");
}
