using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Security;

namespace MlCustomer.Api.Workspace.SignIn;

/// <summary>Exchanges an API key for a cookie session.</summary>
public sealed class SignInModel(ApiKeyRing keys) : PageModel
{
    /// <summary>The key typed in; never stored, never shown again.</summary>
    [BindProperty]
    public string? Key { get; set; }

    /// <summary>Where to go after signing in (a local address only).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Shown after signing out.</summary>
    [BindProperty(SupportsGet = true)]
    public bool SignedOut { get; set; }

    /// <summary>Why the key was refused.</summary>
    public string? Error { get; private set; }

    /// <summary>Checks the key and starts the session.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        var key = keys.Match(Key);
        if (key is null)
        {
            Error = "This key matches no configured key. Check it, or ask the API's operator for a marketing key.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        if (!ApiRoles.WorkspaceRoles.Contains(key.Role, StringComparer.Ordinal))
        {
            Error = $"This key has the role '{key.Role}', which is for API clients; the workspace needs a {ApiRoles.Marketing} or {ApiRoles.Admin} key.";
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        // Persistent, so closing the browser does not end the session; it lasts MlCustomer:Workspace:SessionHours, sliding.
        await HttpContext.SignInAsync(WorkspaceSession.SchemeName, WorkspaceExtensions.SessionFor(key), new AuthenticationProperties { IsPersistent = true });
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
