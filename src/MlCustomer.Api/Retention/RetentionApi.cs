using MlCustomer.Core.Data;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using MlCustomer.Api.Extensions;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Models;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Retention;

/// <summary>The retention target list of the current scoring run (latest as-of date, then latest finish).</summary>
/// <param name="RunId">The scoring run whose stored decisions were used: the current one (a backfill never is).</param>
/// <param name="AsOfDate">Its as-of date.</param>
/// <param name="ModelVersion">The bundle that scored it.</param>
/// <param name="Budget">The budget asked for.</param>
/// <param name="SaveRate">The save rate used.</param>
/// <param name="OfferCostOverride">The single offer cost asked for, or null when each action's own cost was used.</param>
/// <param name="CustomersChosen">Customers on the list.</param>
/// <param name="Spend">Total offer cost of the list (never above the budget).</param>
/// <param name="ExpectedSavedProfit">Churn probability × save rate × predicted profit, summed over the list.</param>
/// <param name="ExpectedReturn">Expected saved profit − spend.</param>
/// <param name="Roi">Expected return ÷ spend; null when nothing is spent.</param>
/// <param name="Threshold">The churn-probability threshold that pays most, budget aside.</param>
/// <param name="LeftOut">Who was left out and why.</param>
/// <param name="Rule">How the list was chosen, in words.</param>
/// <param name="Targets">The list, highest expected return first (ties by customer id): all of it, or the page asked for with pageSize and cursor.</param>
/// <param name="NextCursor">The cursor of the next page (also in the Link header, rel="next"); null on the last page and when the list is not paged.</param>
/// <param name="OfferCosts">The offer cost used for each action with a paid offer in the loaded rules: asked for, or the action's own.</param>
/// <param name="SpendReturnCurve">Spend and expected return down the list, from nothing to the totals (at most about 100 points).</param>
public sealed record RetentionTargetsResponse(
    string RunId,
    DateOnly? AsOfDate,
    string? ModelVersion,
    double Budget,
    double SaveRate,
    double? OfferCostOverride,
    int CustomersChosen,
    double Spend,
    double ExpectedSavedProfit,
    double ExpectedReturn,
    double? Roi,
    ProfitOptimalThreshold Threshold,
    LeftOutCounts LeftOut,
    string Rule,
    IReadOnlyList<TargetResult> Targets,
    string? NextCursor,
    IReadOnlyList<ActionOfferCost> OfferCosts,
    IReadOnlyList<SpendReturnPoint> SpendReturnCurve);

/// <summary>The offer cost a target list used for one action.</summary>
/// <param name="Action">The action key.</param>
/// <param name="Description">The action in words.</param>
/// <param name="OfferCost">The cost used for each of its offers.</param>
/// <param name="RulesOfferCost">The action's own cost in the rules.</param>
/// <param name="Asked">Whether the cost was asked for (actionCost or offerCost) rather than the rules' own.</param>
public sealed record ActionOfferCost(string Action, string Description, double OfferCost, double RulesOfferCost, bool Asked);

/// <summary>A target list chosen from the current run, with what the surfaces show beside it.</summary>
/// <param name="Run">The run it was chosen from.</param>
/// <param name="List">Core's list.</param>
/// <param name="OfferCosts">The cost used per paid action.</param>
/// <param name="Values">The stored gross profit interval of each target read so far (filled as the list's targets are read).</param>
/// <param name="Options">The settings the list was chosen with.</param>
/// <param name="Candidates">The run's stored candidates it was chosen from; null for a run stored before them.</param>
public sealed record TargetPlan(
    ScoringRun Run, RetentionTargetList List, IReadOnlyList<ActionOfferCost> OfferCosts, IReadOnlyDictionary<string, StoredValue>? Values = null,
    TargetOptions? Options = null, TargetCandidates? Candidates = null)
{
    /// <summary>The target's stored gross profit interval, when the run stored one (read the target first).</summary>
    public StoredValue? ValueOf(string customerId) => Values?.GetValueOrDefault(customerId);
}

/// <summary>Customers not on the list, by reason.</summary>
/// <param name="Considered">Customers with a stored decision in the run that the filters keep.</param>
/// <param name="WithoutPaidOffer">Their action has no paid offer (tier D, loss-making, false big).</param>
/// <param name="WithoutPositiveReturn">The offer is expected to cost more than it saves.</param>
/// <param name="ByBudget">Worth an offer but beyond the budget.</param>
/// <param name="ByLimit">Worth an offer and affordable but beyond the limit.</param>
public sealed record LeftOutCounts(int Considered, int WithoutPaidOffer, int WithoutPositiveReturn, int ByBudget, int ByLimit);

/// <summary>One customer on the list.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">Stored churn probability.</param>
/// <param name="PredictedProfit">Stored predicted profit after expected cost-to-serve in the value horizon.</param>
/// <param name="Action">The recommended action key.</param>
/// <param name="OfferCost">What the offer costs (the one cost asked for, or the action's own).</param>
/// <param name="ExpectedReturn">Churn probability × save rate × predicted profit − offer cost.</param>
/// <param name="Tier">Profit tier today.</param>
/// <param name="PredictedTier">Tier of the predicted profit.</param>
/// <param name="Segment">Segment name, when the bundle has segments.</param>
/// <param name="LifecycleStage">Lifecycle stage.</param>
/// <param name="ValueAtRisk">Churn probability × predicted profit.</param>
/// <param name="ExpectedSavedProfit">Churn probability × save rate × predicted profit.</param>
/// <param name="Reason">The expected return's arithmetic in words, quoting the offer cost used.</param>
/// <param name="RuleReasons">One reason per rule, as stored with the decision (the action's quotes the offer cost used).</param>
/// <param name="PredictedGrossProfit">The value model's predicted gross profit (before the expected cost-to-serve).</param>
/// <param name="GrossProfitInterval">Its 80% interval (P10/P50/P90) as the run stored it; null for runs stored before intervals and bundles without them.</param>
public sealed record TargetResult(
    string CustomerId,
    double ChurnProbability,
    double PredictedProfit,
    string Action,
    double OfferCost,
    double ExpectedReturn,
    string Tier,
    string PredictedTier,
    string? Segment,
    string LifecycleStage,
    double ValueAtRisk,
    double ExpectedSavedProfit,
    string Reason,
    IReadOnlyList<string> RuleReasons,
    double PredictedGrossProfit = 0,
    ValueIntervalResult? GrossProfitInterval = null)
{
    /// <summary>
    /// The chance that the customer buys in the value horizon and their gross profit if they do, as the run stored them;
    /// null for runs stored before they were kept and for one-part value models.
    /// </summary>
    public PurchaseOutlookResult? PurchaseOutlook { get; init; }
}

/// <summary>Retention targets from stored decisions.</summary>
public static class RetentionApi
{
    /// <summary>Maps <c>/retention/targets</c>.</summary>
    public static RouteGroupBuilder MapRetentionApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/retention").WithTags("Retention").RequireAuthorization(ApiRoles.ReaderPolicy);
        // It reads a whole run from storage: bounded like every JSON endpoint, so a slow call answers 504.
        group.WithRequestTimeout(ApiLimits.JsonTimeoutPolicy);
        group.MapGet("/targets", GetTargets)
            .WithName("GetRetentionTargets")
            .WithSummary("Whom to give a retention offer within a budget, ranked by expected return, from the current scoring run, optionally only one tier, stage, segment or action (JSON, or CSV with Accept: text/csv; every CSV download is audited)")
            // JSON by default, the same list as CSV with Accept: text/csv (declared as bytes by the contract filter).
            .Produces<RetentionTargetsResponse>(StatusCodes.Status200OK, "application/json", "text/csv");
        return group;
    }

    /// <summary>The target list, 400 for invalid settings, or 404 before the first succeeded run.</summary>
    /// <param name="budget">Total money for offers (required, above 0).</param>
    /// <param name="offerCost">One cost for every offer instead of each action's own.</param>
    /// <param name="saveRate">Share of targeted churners an offer keeps (default: the rules').</param>
    /// <param name="limit">At most this many customers.</param>
    /// <param name="tier">Only customers in this profit tier now (A–D).</param>
    /// <param name="stage">Only customers in this lifecycle stage (new, active, atRisk, lapsed, churned).</param>
    /// <param name="segment">Only customers in this segment (its name).</param>
    /// <param name="action">Only customers with this recommended action key.</param>
    /// <param name="actionCost">The offer cost of one action instead of its own, as key:amount (e.g. vip-retention:40); repeat for several actions.</param>
    /// <param name="pageSize">Customers per page of the JSON list; left out, the whole list in one answer.</param>
    /// <param name="cursor">Where the page starts: the previous page's nextCursor.</param>
    /// <param name="request">The request (its Accept header chooses CSV).</param>
    /// <param name="store">Storage.</param>
    /// <param name="host">The models (for the rules' default save rate).</param>
    /// <param name="user">Who asks (a CSV export is audited under this name).</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    public static async Task<Results<Ok<RetentionTargetsResponse>, TargetListJson, ContentHttpResult, ValidationProblem, ProblemHttpResult>> GetTargets(
        double? budget, double? offerCost, double? saveRate, int? limit, string? tier, string? stage, string? segment, string? action, string[]? actionCost,
        int? pageSize, string? cursor, HttpRequest request, ScoreStore store, ModelHost host, ClaimsPrincipal user, TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(time);
        var pagingErrors = new Dictionary<string, string[]>();
        if (pageSize is < 1 or > MaxPageSize)
        {
            pagingErrors[nameof(pageSize)] = [$"pageSize must be 1 to {MaxPageSize:N0}; leave it out for the whole list."];
        }

        var wantsCsv = WantsCsv(request);
        if (wantsCsv && (pageSize is not null || cursor is not null))
        {
            pagingErrors[pageSize is not null ? nameof(pageSize) : nameof(cursor)] = ["The CSV download is always the whole list: page only the JSON list."];
        }

        if (pagingErrors.Count > 0)
        {
            return TypedResults.ValidationProblem(pagingErrors, title: "Invalid target list settings");
        }

        var (plan, refused) = await PlanAsync(budget, offerCost, saveRate, limit, tier, stage, segment, action, actionCost, store, host, cancellationToken);
        if (refused is not null)
        {
            return refused.Result switch
            {
                ValidationProblem invalid => invalid,
                ProblemHttpResult problem => problem,
                _ => throw new InvalidOperationException("A plan is refused with a validation problem or a problem."),
            };
        }

        if (wantsCsv)
        {
            using var csv = new StringWriter(CultureInfo.InvariantCulture);
            TargetListCsv.Write(csv, plan!.List, id => plan.ValueOf(id)?.GrossProfitInterval);
            await AuditExportAsync(store, plan, user, time, request.QueryString.Value);
            return TypedResults.Text(csv.ToString(), "text/csv; charset=utf-8");
        }

        // A cursor holds the run, the settings and where the next page starts: the list is chosen again for every page
        // (the same run and settings give the same list, in one total order), so a page never repeats or skips a
        // customer; a cursor from another run or other settings is refused rather than mixing two lists.
        var run = plan!.Run;
        var settings = Settings(request);
        var offset = 0;
        if (cursor is not null)
        {
            if (Paging.Decode(cursor, 3) is not [var cursorRun, var cursorOffset, var cursorSettings]
                || !int.TryParse(cursorOffset, NumberStyles.None, CultureInfo.InvariantCulture, out offset)
                || cursorSettings != settings)
            {
                return TypedResults.ValidationProblem(Paging.BadCursor("was not handed out for these settings"), title: "Invalid cursor");
            }

            if (cursorRun != run.Id)
            {
                return TypedResults.ValidationProblem(
                    Paging.BadCursor($"belongs to scoring run {cursorRun}, but the current run is now {run.Id}"), title: "Invalid cursor");
            }
        }

        string? nextCursor = null;
        if (pageSize is { } size && offset + size < plan.List.Targets.Count)
        {
            nextCursor = Paging.Encode(run.Id, (offset + size).ToString(CultureInfo.InvariantCulture), settings);
            Paging.SetNextLink(request.HttpContext, nextCursor);
        }

        // A list chosen from stored candidates is written straight to the response (the same bytes, a fraction of the CPU);
        // a run stored before candidates is serialized as it always was.
        return TargetListJson.Fits(plan)
            ? new TargetListJson(plan, offset, pageSize, nextCursor, store)
            : TypedResults.Ok(Response(plan, offset, pageSize, nextCursor));
    }

    /// <summary>The largest page of the JSON list.</summary>
    public const int MaxPageSize = 10_000;

    // The settings that choose the list, in one spelling, so that a cursor only continues the list it came from.
    private static string Settings(HttpRequest request) => string.Join('&', request.Query
        .Where(q => !q.Key.Equals("pageSize", StringComparison.OrdinalIgnoreCase) && !q.Key.Equals(Paging.CursorParameter, StringComparison.OrdinalIgnoreCase))
        .OrderBy(q => q.Key, StringComparer.OrdinalIgnoreCase)
        .Select(q => $"{q.Key.ToLowerInvariant()}={q.Value}"));

    /// <summary>
    /// The JSON form of a plan, or of the page of its list from <paramref name="offset"/> (<paramref name="pageSize"/>
    /// customers; null: the rest): the one mapping the API and the workspace's planner use. Totals describe the whole list.
    /// </summary>
    public static RetentionTargetsResponse Response(TargetPlan plan, int offset = 0, int? pageSize = null, string? nextCursor = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        // Skip and Take index the list: only the page's targets are read (and their decisions rebuilt).
        return Frame(
            plan,
            [.. plan.List.Targets.Skip(offset).Take(pageSize ?? int.MaxValue).Select(t => ResultOf(t, plan.ValueOf(t.Customer.CustomerId)))],
            nextCursor);
    }

    /// <summary>The JSON form of a plan around <paramref name="targets"/> (the list's totals, counts, costs and curve).</summary>
    internal static RetentionTargetsResponse Frame(TargetPlan plan, IReadOnlyList<TargetResult> targets, string? nextCursor)
    {
        var (run, list) = (plan.Run, plan.List);
        return new RetentionTargetsResponse(
            run.Id, run.AsOfDate, run.ModelVersion, list.Budget, list.SaveRate, list.OfferCostOverride, list.Targets.Count,
            list.Spend, list.ExpectedSavedProfit, list.ExpectedReturn, list.Roi, list.Threshold,
            new LeftOutCounts(list.Considered, list.WithoutPaidOffer, list.WithoutPositiveReturn, list.LeftOutByBudget, list.LeftOutByLimit),
            list.Rule,
            targets,
            nextCursor,
            plan.OfferCosts,
            RetentionTargets.SpendReturnCurve(list));
    }

    /// <summary>The JSON form of one target (read it first: its stored value is known once its decision was read).</summary>
    internal static TargetResult ResultOf(RetentionTarget t, StoredValue? value) => new(
        t.Customer.CustomerId, t.Customer.ChurnProbability, t.Customer.PredictedProfit, t.Customer.Action, t.OfferCost, t.ExpectedReturn,
        WireNames.Of(t.Customer.Tier), WireNames.Of(t.Customer.PredictedTier), t.Customer.Segment, WireNames.Of(t.Customer.Stage),
        t.Customer.ValueAtRisk, t.ExpectedSavedProfit, t.Reason, [.. t.Customer.Reasons.Select(r => r.Text)],
        t.Customer.PredictedGrossProfit,
        ValueIntervalResult.From(value?.GrossProfitInterval))
    {
        PurchaseOutlook = PurchaseOutlookResult.From(value?.GrossProfitInterval, value?.Currency ?? Currencies.Unknown),
    };

    /// <summary>A target list names customers: every download is recorded (who, when, which run, how many rows, which settings).</summary>
    public static Task AuditExportAsync(ScoreStore store, TargetPlan plan, ClaimsPrincipal user, TimeProvider time, string? settings)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(time);
        return store.AddPersonalDataAuditAsync(new PersonalDataAudit
        {
            Id = Guid.NewGuid().ToString("N"),
            HappenedAt = time.GetUtcNow(),
            RequestedBy = user.Identity?.Name ?? "unknown",
            Action = PersonalDataActions.ExportTargets,
            RunId = plan.Run.Id,
            Rows = plan.List.Targets.Count,
            Detail = settings,
        }, CancellationToken.None);
    }

    /// <summary>
    /// Checks the settings and chooses the list from the current run: the plan, or why not (a validation problem naming
    /// each field, or 404 before the first succeeded run). The API's JSON and CSV and the workspace's planner all come from here.
    /// </summary>
    public static async Task<(TargetPlan? Plan, Results<ValidationProblem, ProblemHttpResult>? Refused)> PlanAsync(
        double? budget, double? offerCost, double? saveRate, int? limit, string? tier, string? stage, string? segment, string? action, string[]? actionCost,
        ScoreStore store, ModelHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(host);
        RuleSet rules;
        using (var lease = host.Acquire())
        {
            rules = lease?.Generation.Decisions.Rules ?? RuleSet.Default;
        }

        var errors = new Dictionary<string, string[]>();
        if (budget is not { } b || !double.IsFinite(b) || b <= 0)
        {
            errors[nameof(budget)] = ["budget is required and must be a number above 0."];
        }

        if (saveRate is { } rate && !(rate is > 0 and <= 1))
        {
            errors[nameof(saveRate)] = ["saveRate must be above 0 and at most 1 (the share of targeted churners an offer keeps)."];
        }

        // Core refuses a free offer too: an offer that costs nothing has no return to rank by.
        if (offerCost is { } cost && (!double.IsFinite(cost) || cost <= 0))
        {
            errors[nameof(offerCost)] = ["offerCost must be a number above 0; leave it out to use each action's own offer cost."];
        }

        if (limit is < 1)
        {
            errors[nameof(limit)] = ["limit must be at least 1; leave it out for no limit."];
        }

        ProfitTier? tierFilter = null;
        if (tier is not null)
        {
            if (WireNames.TryParse<ProfitTier>(tier, out var parsed))
            {
                tierFilter = parsed;
            }
            else
            {
                errors[nameof(tier)] = [$"tier must be one of {string.Join(", ", Enum.GetValues<ProfitTier>().Select(WireNames.Canonical))}."];
            }
        }

        LifecycleStage? stageFilter = null;
        if (stage is not null)
        {
            if (WireNames.TryParse<LifecycleStage>(stage, out var parsed))
            {
                stageFilter = parsed;
            }
            else
            {
                errors[nameof(stage)] = [$"stage must be one of {string.Join(", ", Enum.GetValues<LifecycleStage>().Select(WireNames.Canonical))}."];
            }
        }

        // An action the rules do not have (or a spelling of one in other letters) would filter the list down to nothing.
        if (action is not null && !rules.Actions.ContainsKey(action))
        {
            errors[nameof(action)] = [$"action '{action}' is no action of the rules; they are {string.Join(", ", rules.Actions.Keys.Order(StringComparer.Ordinal))}."];
        }

        var costByAction = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var asked in actionCost ?? [])
        {
            var colon = asked?.LastIndexOf(':') ?? -1;
            var key = colon > 0 ? asked![..colon] : null;
            if (key is null || !double.TryParse(asked![(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                errors[nameof(actionCost)] = [$"actionCost '{asked}' must be action:amount, e.g. {ActionNames.VipRetention}:40."];
            }
            else if (!rules.Actions.TryGetValue(key, out var definition) || !definition.PaidOffer)
            {
                errors[nameof(actionCost)] = [$"actionCost names '{key}', which is no action with a paid offer; those are {string.Join(", ", PaidActions(rules).Select(a => a.Key))}."];
            }
            else if (!double.IsFinite(amount) || amount <= 0)
            {
                errors[nameof(actionCost)] = [$"The offer cost of {key} must be a number above 0."];
            }
            else if (costByAction.ContainsKey(key))
            {
                errors[nameof(actionCost)] = [$"actionCost names {key} more than once; give each action's offer cost once."];
            }
            else
            {
                costByAction[key] = amount;
            }
        }

        if (errors.Count > 0)
        {
            return (null, TypedResults.ValidationProblem(errors, title: "Invalid target list settings"));
        }

        var run = await store.GetCurrentRunAsync(cancellationToken);
        if (run is null)
        {
            return (null, NoSucceededRun());
        }

        var defaultSaveRate = rules.SaveRate;

        var options = new TargetOptions
        {
            Budget = budget!.Value,
            OfferCost = offerCost,
            OfferCostByAction = costByAction.Count == 0 ? null : costByAction,
            SaveRate = saveRate ?? defaultSaveRate,
            Limit = limit,
            AsOfDate = run.AsOfDate,
            Filter = tierFilter is null && stageFilter is null && segment is null && action is null
                ? null
                : new TargetFilter { Tier = tierFilter, Stage = stageFilter, Segment = segment, Action = action },
        };

        // Runs since migration 7 stored their candidates when they ended: the list is a merge over them and only the
        // chosen customers' decisions are read. Older runs are chosen from all their stored decisions, as before.
        var candidates = run.ScoreKey is null ? null : await store.GetCandidatesAsync(run.Id, cancellationToken);
        // A segment no customer of the run is in is a mistake (a typo, another bundle's name), not an empty list; the
        // candidates name only segments with targets, so the run's own names decide.
        if (segment is not null && candidates?.Segments.Contains(segment) != true &&
            await store.GetSegmentNamesAsync(run, cancellationToken) is { } segmentNames && !segmentNames.Contains(segment))
        {
            errors[nameof(segment)] = [segmentNames.Count == 0
                ? $"segment '{segment}' cannot be chosen: the current run ({run.Id}) has no segments."
                : $"segment '{segment}' is none of the current run's segments; those are {string.Join(", ", segmentNames.Order(StringComparer.Ordinal))}."];
            return (null, TypedResults.ValidationProblem(errors, title: "Invalid target list settings"));
        }

        var values = new System.Collections.Concurrent.ConcurrentDictionary<string, StoredValue>(StringComparer.Ordinal);
        RetentionTargetList list;
        if (candidates is null)
        {
            list = RetentionTargets.Choose(run.ScoreKey is null ? await store.GetLegacyDecisionsAsync(run.Id, cancellationToken) : [], options);
        }
        else
        {
            var key = CacheKey(options);
            if (TargetListCache.Find(candidates, rules, key) is { } kept)
            {
                (list, values) = kept;
            }
            else
            {
                list = RetentionTargets.Choose(candidates, options, ids => store.GetDecisions(run, ids, values));
                TargetListCache.Keep(candidates, rules, key, list, values);
            }
        }

        var costs = PaidActions(rules)
            .Select(a => new ActionOfferCost(a.Key, a.Value.Description, options.CostOf(a.Key, a.Value.OfferCost), a.Value.OfferCost,
                offerCost is not null || costByAction.ContainsKey(a.Key)))
            .ToList();
        return (new TargetPlan(run, list, costs, values, options, candidates), null);
    }

    // Everything in the options that chooses the list, in one spelling (the run is the candidates' own).
    private static string CacheKey(TargetOptions options) => string.Join('|',
        options.Budget.ToString("R", CultureInfo.InvariantCulture), options.OfferCost?.ToString("R", CultureInfo.InvariantCulture),
        options.SaveRate.ToString("R", CultureInfo.InvariantCulture), options.Limit?.ToString(CultureInfo.InvariantCulture),
        options.Filter?.Tier, options.Filter?.Stage, options.Filter?.Segment, options.Filter?.Action,
        string.Join(',', (options.OfferCostByAction ?? new Dictionary<string, double>())
            .OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value.ToString("R", CultureInfo.InvariantCulture)}")));

    private static IEnumerable<KeyValuePair<string, ActionDefinition>> PaidActions(RuleSet rules) =>
        rules.Actions.Where(a => a.Value.PaidOffer).OrderBy(a => a.Key, StringComparer.Ordinal);

    // CSV only when the client asks for it and prefers it to JSON (no Accept, */* or application/json keep JSON).
    private static bool WantsCsv(HttpRequest request) =>
        request.GetTypedHeaders().Accept is { Count: > 0 } accept &&
        accept.OrderByDescending(a => a.Quality ?? 1).First() is { } best &&
        best.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>404 while no scoring run has succeeded: the views over stored decisions have nothing to read.</summary>
    public static ProblemHttpResult NoSucceededRun() => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "No scoring run has succeeded yet",
        detail: "Target lists and the tier summary read the decisions stored by the latest succeeded scoring run. " +
            "Start one with POST /api/v1/scoring-runs (admin) and retry when GET /api/v1/scoring-runs/{id} says succeeded.");
}
