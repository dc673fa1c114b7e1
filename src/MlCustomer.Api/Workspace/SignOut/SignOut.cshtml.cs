using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Security;

namespace MlCustomer.Api.Workspace.SignOut;

/// <summary>Ends the session (a POST with the antiforgery token, so another site cannot sign a person out).</summary>
public sealed class SignOutModel(EndedSessions ended) : PageModel
{
    /// <summary>Ends the session (a copy of its cookie no longer works either), deletes the cookie and shows the sign-in page.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        var session = await HttpContext.AuthenticateAsync(WorkspaceSession.SchemeName);
        if (session.Principal?.FindFirst(EndedSessions.SessionIdClaim)?.Value is { } id)
        {
            ended.End(id, session.Properties?.ExpiresUtc ?? DateTimeOffset.UtcNow.AddDays(30));
        }

        await HttpContext.SignOutAsync(WorkspaceSession.SchemeName);
        return RedirectToPage("/SignIn/SignIn", new { signedOut = true });
    }
}
