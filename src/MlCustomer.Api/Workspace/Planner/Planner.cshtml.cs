using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Models;
using MlCustomer.Api.Retention;
using MlCustomer.Api.Segments;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Workspace.Planner;

/// <summary>
/// The campaign planner: budget, offer cost per action, save rate and filters → the target list, its totals and the
/// spend-versus-return curve. A GET form (bookmarkable, works without script); the list is chosen by the same function as
/// GET /api/v1/retention/targets (<see cref="RetentionApi.PlanAsync"/>) and shown in its JSON form
/// (<see cref="RetentionApi.Response"/>); the CSV export writes the API's CSV lines for the same settings.
/// </summary>
public sealed partial class PlannerModel(ScoreStore store, ModelHost host, TimeProvider time) : PageModel
{
    /// <summary>Customers per page of the list.</summary>
    public const int PageSize = 50;

    /// <summary>The query name of an action's offer cost field.</summary>
    public static string CostField(string action) => "cost-" + action;

    /// <summary>The budget as typed.</summary>
    [BindProperty(SupportsGet = true, Name = "budget")]
    public string? Budget { get; set; }

    /// <summary>The save rate as typed (a fraction).</summary>
    [BindProperty(SupportsGet = true, Name = "saveRate")]
    public string? SaveRate { get; set; }

    /// <summary>Only this tier (A–D), or empty for all.</summary>
    [BindProperty(SupportsGet = true, Name = "tier")]
    public string? Tier { get; set; }

    /// <summary>Only this lifecycle stage, or empty for all.</summary>
    [BindProperty(SupportsGet = true, Name = "stage")]
    public string? Stage { get; set; }

    /// <summary>Only this segment, or empty for all.</summary>
    [BindProperty(SupportsGet = true, Name = "segment")]
    public string? Segment { get; set; }

    /// <summary>The page of the list, from 1.</summary>
    [BindProperty(SupportsGet = true, Name = "pageNumber")]
    public int? PageNumber { get; set; }

    /// <summary>Actions with a paid offer in the loaded rules, with their own cost and description (the cost fields).</summary>
    public IReadOnlyList<(string Action, string Description, double RulesCost)> Actions { get; private set; } = [];

    /// <summary>What each cost field shows: as typed, or the rules' cost.</summary>
    public Dictionary<string, string> CostText { get; } = new(StringComparer.Ordinal);

    /// <summary>Segment names to filter by.</summary>
    public IReadOnlyList<string> Segments { get; private set; } = [];

    /// <summary>A message per field (its query name), shown next to it.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>Why there is no list although the settings are valid (no run yet).</summary>
    public string? Problem { get; private set; }

    /// <summary>The list and its totals, as the JSON API answers them.</summary>
    public RetentionTargetsResponse? Plan { get; private set; }

    /// <summary>The rules' save rate (the default).</summary>
    public double RulesSaveRate { get; private set; }

    /// <summary>The currency of every amount, from the bundle.</summary>
    public string? Currency { get; private set; }

    /// <summary>The page shown.</summary>
    public int Shown => Math.Max(1, PageNumber ?? 1);

    /// <summary>The targets on the page shown.</summary>
    public IEnumerable<(int Rank, TargetResult Target)> PageOfTargets =>
        Plan is null ? [] : Plan.Targets.Select((t, i) => (FirstRank + i, t));

    // The plan holds only the page shown (its totals cover the whole list): the rule reasons of a long list are written
    // for the 50 customers on the page, not for every customer chosen.
    private int FirstRank => ((Shown - 1) * PageSize) + 1;

    /// <summary>The address of this plan with other values (a page, an export's handler: csv or xlsx).</summary>
    public string Link(int? page = null, string? export = null)
    {
        var query = Request.Query.Where(q => q.Key is not ("pageNumber" or "handler")).SelectMany(q => q.Value.Select(v => (q.Key, Value: v ?? "")))
            .Concat(page is { } p ? [("pageNumber", p.ToString(CultureInfo.InvariantCulture))] : [])
            .Concat(export is not null ? [("handler", export)] : []);
        return "/planner?" + string.Join("&", query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
    }

    /// <summary>Shows the form and, once a budget is given, the plan.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(cancellationToken);
        if (plan is not null)
        {
            Plan = RetentionApi.Response(plan, FirstRank - 1, PageSize);
        }
    }

    /// <summary>The CSV of exactly this plan (every page), streamed as the API writes it; invalid settings show the form with their messages.</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(cancellationToken);
        if (plan is null)
        {
            return Page();
        }

        await RetentionApi.AuditExportAsync(store, plan, User, time, Request.QueryString.Value);
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"retention-targets-{plan.Run.Id}.csv\"";
        var body = Response.Body;
        var buffer = new StringBuilder();
        foreach (var line in TargetListCsv.Lines(plan.List, id => plan.ValueOf(id)?.GrossProfitInterval))
        {
            buffer.Append(line);
            // Written in pieces of ~64 KB: the download starts at once and a long list is never held as one string.
            if (buffer.Length > 65_536)
            {
                await body.WriteAsync(Encoding.UTF8.GetBytes(buffer.ToString()), cancellationToken);
                buffer.Clear();
            }
        }

        await body.WriteAsync(Encoding.UTF8.GetBytes(buffer.ToString()), cancellationToken);
        return new EmptyResult();
    }

    /// <summary>
    /// The same rows and columns as the CSV export of this plan, as an XLSX workbook (numbers as numbers), streamed row by
    /// row and audited like the CSV; invalid settings show the form with their messages.
    /// </summary>
    public async Task<IActionResult> OnGetXlsxAsync(CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(cancellationToken);
        if (plan is null)
        {
            return Page();
        }

        await RetentionApi.AuditExportAsync(store, plan, User, time, Request.QueryString.Value);
        Response.ContentType = XlsxExport.ContentType;
        Response.Headers.ContentDisposition = $"attachment; filename=\"retention-targets-{plan.Run.Id}.xlsx\"";
        await XlsxExport.WriteAsync(Response.Body, "Retention targets", TargetListCsv.Columns,
            TargetListCsv.Rows(plan.List, id => plan.ValueOf(id)?.GrossProfitInterval), cancellationToken);
        return new EmptyResult();
    }

    private async Task<TargetPlan?> PlanAsync(CancellationToken cancellationToken)
    {
        RuleSet rules;
        using (var lease = host.Acquire())
        {
            rules = lease?.Generation.Decisions.Rules ?? RuleSet.Default;
        }

        Currency = (ModelsApi.GetModel(host).Result as Ok<ModelInfo>)?.Value?.Currency;
        Segments = (SegmentsApi.GetSegments(host).Result as Ok<SegmentsResponse>)?.Value?.Segments.Select(s => s.Name).ToList() ?? [];
        RulesSaveRate = rules.SaveRate;
        Actions = [.. rules.Actions.Where(a => a.Value.PaidOffer).OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => (a.Key, a.Value.Description, a.Value.OfferCost))];

        // Nothing asked yet: the form with the rules' values and no list.
        if (Request.Query.Count == 0 || (Request.Query.Count == 1 && Request.Query.ContainsKey("handler")))
        {
            foreach (var (action, _, cost) in Actions)
            {
                CostText[action] = Amount(cost);
            }

            SaveRate = RulesSaveRate.ToString("0.###", CultureInfo.InvariantCulture);
            return null;
        }

        var budget = Number("budget", Budget, "Budget", required: true);
        var saveRate = Number("saveRate", SaveRate, "Save rate", required: false);
        var costs = new List<string>();
        foreach (var (action, _, rulesCost) in Actions)
        {
            var field = CostField(action);
            var typed = Request.Query[field].ToString();
            CostText[action] = string.IsNullOrWhiteSpace(typed) ? Amount(rulesCost) : typed;
            if (Number(field, typed, $"The offer cost of {action}", required: false) is { } cost && cost != rulesCost)
            {
                if (cost <= 0)
                {
                    Errors[field] = $"The offer cost of {action} must be above 0.";
                }
                else
                {
                    costs.Add(FormattableString.Invariant($"{action}:{cost:R}"));
                }
            }
        }

        if (Errors.Count > 0)
        {
            return null;
        }

        var (plan, refused) = await RetentionApi.PlanAsync(
            budget, null, saveRate, null, Empty(Tier), Empty(Stage), Empty(Segment), null, [.. costs], store, host, cancellationToken);
        switch (refused?.Result)
        {
            case ValidationProblem invalid:
                foreach (var (field, messages) in invalid.ProblemDetails.Errors)
                {
                    // Only the budget and the save rate have a message of their own beside the field; the rest (a tier,
                    // stage or segment typed into the address, the offer costs' combination) is said above the form.
                    var shownAt = field is "budget" or "saveRate" ? field : "form";
                    var message = string.Join(" ", messages);
                    Errors[shownAt] = Errors.TryGetValue(shownAt, out var before) ? $"{before} {message}" : message;
                }

                return null;
            case ProblemHttpResult problem:
                Problem = $"{problem.ProblemDetails.Title}. {problem.ProblemDetails.Detail}";
                return null;
        }

        return plan;
    }

    // Numbers as a person types them: 5000, 5,000 or 5000.50 (invariant: the page writes them so too).
    private double? Number(string field, string? text, string label, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                Errors[field] = $"{label} is required: a number above 0, e.g. 5000.";
            }

            return null;
        }

        // A comma only groups thousands (5,000 or 1,250,000.50): "1,5" is a decimal comma, which AllowThousands would
        // silently read as 15, so it is refused with the way to write it.
        if (text.Contains(',', StringComparison.Ordinal) && !ThousandsGrouping().IsMatch(text.Trim()))
        {
            Errors[field] = $"{label} must be a number with a point for decimals and commas only between groups of three digits (you typed “{text}”; e.g. 1.5 or 5,000).";
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Errors[field] = $"{label} must be a number (you typed “{text}”).";
            return null;
        }

        return value;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")]
    private static partial System.Text.RegularExpressions.Regex ThousandsGrouping();

    private static string? Empty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static string Amount(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The lifecycle stages to filter by, in their wire names.</summary>
    public static IEnumerable<string> Stages => Enum.GetValues<LifecycleStage>().Select(WireNames.Of);

    /// <summary>The tiers to filter by.</summary>
    public static IEnumerable<string> Tiers => Enum.GetValues<ProfitTier>().Select(WireNames.Of);
}
