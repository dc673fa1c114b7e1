using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Models;
using MlCustomer.Api.ScoringRuns;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace.ScoringRuns;

/// <summary>
/// The list of scoring runs (GET /api/v1/scoring-runs) and, for admins, starting one (POST /api/v1/scoring-runs):
/// the page calls the same handlers, so the checks and the stored run are the API's.
/// </summary>
public sealed class ScoringRunsModel(
    ScoreStore store, QueuedScoringRuns queue, ModelHost host, TimeProvider time, IAuthorizationService authorization) : PageModel
{
    /// <summary>The runs, newest first.</summary>
    public IReadOnlyList<ScoringRunResponse> Runs { get; private set; } = [];

    /// <summary>True when the signed-in role may start a run.</summary>
    public bool MayStart { get; private set; }

    /// <summary>The as-of date asked for; empty means the data's last order date.</summary>
    [BindProperty]
    public DateOnly? AsOfDate { get; set; }

    /// <summary>The run just started.</summary>
    [TempData]
    public string? Started { get; set; }

    /// <summary>Why a start was refused (beside the field when it is the date's fault).</summary>
    public string? AsOfDateError { get; private set; }

    /// <summary>Why a start was refused otherwise.</summary>
    public string? StartError { get; private set; }

    /// <summary>Lists the runs.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>Starts a run (admin only) and comes back to the list.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        // Razor Pages authorize a whole page, not one handler: the admin check for starting is made here.
        if (!(await authorization.AuthorizeAsync(User, ApiRoles.WorkspaceAdminPolicy)).Succeeded)
        {
            return Forbid(WorkspaceSession.SchemeName);
        }

        if (!ModelState.IsValid)
        {
            AsOfDateError = "Enter a date as YYYY-MM-DD, or leave it empty for the data's last order date.";
        }
        else
        {
            switch ((await ScoringRunsApi.StartRun(new ScoringRunRequest(AsOfDate), store, queue, host, User, time, cancellationToken)).Result)
            {
                case Accepted<ScoringRunResponse> accepted:
                    Started = accepted.Value!.Id;
                    return RedirectToPage();
                case ValidationProblem invalid:
                    AsOfDateError = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                    break;
                case ProblemHttpResult problem:
                    StartError = $"{problem.ProblemDetails.Title}: {problem.ProblemDetails.Detail}";
                    break;
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        MayStart = (await authorization.AuthorizeAsync(User, ApiRoles.WorkspaceAdminPolicy)).Succeeded;
        // The page shows the first page of the list, as the API answers it without a cursor.
        Runs = ((Ok<List<ScoringRunResponse>>)(await ScoringRunsApi.ListRuns(store, context: null, cancellationToken)).Result).Value!;
    }

    /// <summary>The drift column in words.</summary>
    public static string Drift(ScoringRunResponse run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.DriftShifted switch
        {
            null => Figures.None,
            { Count: 0 } => "stable",
            var shifted => $"shifted: {string.Join(", ", shifted)}",
        };
    }
}
