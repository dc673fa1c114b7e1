using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Models;
using MlCustomer.Api.Segments;

namespace MlCustomer.Api.Workspace.Segments;

/// <summary>The segment profiles side by side, as GET /api/v1/segments answers them (the page calls its handler).</summary>
public sealed class SegmentsModel(ModelHost host) : PageModel
{
    /// <summary>The profiles, when a bundle is loaded.</summary>
    public SegmentsResponse? Segments { get; private set; }

    /// <summary>The bundle (currency, training as-of date).</summary>
    public ModelInfo? Model { get; private set; }

    /// <summary>Why there is nothing to show.</summary>
    public string? Problem { get; private set; }

    /// <summary>Reads the profiles.</summary>
    public void OnGet()
    {
        switch (SegmentsApi.GetSegments(host).Result)
        {
            case Ok<SegmentsResponse> ok:
                Segments = ok.Value;
                break;
            case ProblemHttpResult problem:
                Problem = problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title;
                return;
        }

        if (ModelsApi.GetModel(host).Result is Ok<ModelInfo> model)
        {
            Model = model.Value;
        }
    }
}
