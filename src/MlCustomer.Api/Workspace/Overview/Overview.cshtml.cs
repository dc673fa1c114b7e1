using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Models;
using MlCustomer.Api.ScoringRuns;
using MlCustomer.Api.Storage;
using MlCustomer.Api.Tiers;

namespace MlCustomer.Api.Workspace.Overview;

/// <summary>
/// The pyramid, the Pareto curve, the model and the latest run's drift. Every figure is what the JSON endpoints answer:
/// the page calls their handlers (GET /models, /tiers/summary, /tiers/pareto, /scoring-runs/{id}) and only lays it out.
/// </summary>
public sealed class OverviewModel(ScoreStore store, ModelHost host) : PageModel
{
    /// <summary>The active bundle, when one is loaded.</summary>
    public ModelInfo? Model { get; private set; }

    /// <summary>Why no bundle is loaded.</summary>
    public string? ModelProblem { get; private set; }

    /// <summary>The pyramid of the latest succeeded run.</summary>
    public TiersSummaryResponse? Pyramid { get; private set; }

    /// <summary>Its Pareto curve.</summary>
    public ParetoResponse? Pareto { get; private set; }

    /// <summary>The run itself (drift).</summary>
    public ScoringRunResponse? Run { get; private set; }

    /// <summary>The latest run of any status, read only when none has succeeded.</summary>
    public ScoringRunResponse? Latest { get; private set; }

    /// <summary>What the API says when no run has succeeded yet.</summary>
    public string? NoRun { get; private set; }

    /// <summary>The currency of every amount, from the bundle.</summary>
    public string? Currency => Model?.Currency;

    /// <summary>Reads the figures.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        switch (ModelsApi.GetModel(host).Result)
        {
            case Ok<ModelInfo> ok:
                Model = ok.Value;
                break;
            case ProblemHttpResult problem:
                ModelProblem = problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title;
                break;
        }

        switch ((await TiersApi.GetSummary(store, cancellationToken)).Result)
        {
            case Ok<TiersSummaryResponse> ok:
                Pyramid = ok.Value;
                break;
            case ProblemHttpResult problem:
                NoRun = problem.ProblemDetails.Title;
                // Say what is happening: a run queued or running (e.g. the start-up run), or why the last one failed.
                Latest = ((await ScoringRunsApi.ListRuns(store, context: null, cancellationToken, limit: 1)).Result as Ok<List<ScoringRunResponse>>)?.Value?.FirstOrDefault();
                return;
        }

        if ((await TiersApi.GetPareto(store, cancellationToken)).Result is Ok<ParetoResponse> pareto)
        {
            Pareto = pareto.Value;
        }

        if ((await ScoringRunsApi.GetRun(Pyramid!.RunId, store, cancellationToken)).Result is Ok<ScoringRunResponse> run)
        {
            Run = run.Value;
        }
    }

    /// <summary>The drift state in words, from the run's shifted features and outputs.</summary>
    public string DriftState => Run?.DriftShifted switch
    {
        null => "not recorded for this run",
        { Count: 0 } => "stable: no feature or model output has shifted from training",
        var shifted => $"shifted ({shifted.Count}): {string.Join(", ", shifted)}",
    };
}
