using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MlCustomer.Api.Workspace.Forbidden;

/// <summary>Where the cookie session sends a role that may not do what it asked.</summary>
public sealed class ForbiddenModel : PageModel
{
    /// <summary>Answers 403, so the refusal is a refusal to machines too.</summary>
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
