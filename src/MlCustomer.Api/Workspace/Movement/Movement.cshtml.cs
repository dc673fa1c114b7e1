using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Models;
using MlCustomer.Api.Movement;
using MlCustomer.Api.ScoringRuns;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace.Movement;

/// <summary>
/// Movement between two stored runs: the tier migration matrix and the movement categories, as GET /api/v1/movement
/// answers them (the page calls its handler), each linked to its customers. A run picker chooses the runs; by default the
/// current run against the latest succeeded one before it.
/// </summary>
public sealed class MovementModel(ScoreStore store, ModelHost host) : PageModel
{
    /// <summary>The earlier run picked, or empty for the default.</summary>
    [BindProperty(SupportsGet = true, Name = "from")]
    public string? From { get; set; }

    /// <summary>The later run picked, or empty for the default.</summary>
    [BindProperty(SupportsGet = true, Name = "to")]
    public string? To { get; set; }

    /// <summary>The succeeded runs to pick from, newest first.</summary>
    public IReadOnlyList<ScoringRunResponse> Runs { get; private set; } = [];

    /// <summary>The movement.</summary>
    public MovementResponse? Movement { get; private set; }

    /// <summary>Why there is no movement to show.</summary>
    public string? Problem { get; private set; }

    /// <summary>What the API adds to it.</summary>
    public string? ProblemDetail { get; private set; }

    /// <summary>The currency of every amount, from the bundle.</summary>
    public string? Currency { get; private set; }

    /// <summary>Reads the runs and the movement.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Currency = (ModelsApi.GetModel(host).Result as Ok<ModelInfo>)?.Value?.Currency;
        Runs = [.. (((await ScoringRunsApi.ListRuns(store, context: null, cancellationToken, limit: 200)).Result as Ok<List<ScoringRunResponse>>)?.Value ?? []).Where(r => r.Status == RunStatus.Succeeded)];
        switch ((await MovementApi.GetMovement(Empty(From), Empty(To), store, cancellationToken)).Result)
        {
            case Ok<MovementResponse> ok:
                Movement = ok.Value;
                (From, To) = (Movement!.FromRunId, Movement.ToRunId);
                break;
            case ValidationProblem invalid:
                Problem = invalid.ProblemDetails.Title;
                ProblemDetail = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                break;
            case ProblemHttpResult problem:
                Problem = problem.ProblemDetails.Title;
                ProblemDetail = problem.ProblemDetails.Detail;
                break;
        }
    }

    /// <summary>The address of a list of this movement's customers.</summary>
    public string ListLink(string query) =>
        $"/movement/customers?from={Uri.EscapeDataString(Movement!.FromRunId)}&to={Uri.EscapeDataString(Movement.ToRunId)}&{query}";

    /// <summary>A run as the picker names it.</summary>
    public static string RunLabel(ScoringRunResponse run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return $"as of {Figures.Date(run.AsOfDate)} — {run.Id}";
    }

    private static string? Empty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
