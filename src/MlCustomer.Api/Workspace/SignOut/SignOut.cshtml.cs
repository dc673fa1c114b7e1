using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Security;

namespace MlCustomer.Api.Workspace.SignOut;

/// <summary>Ends the session (a POST with the antiforgery token, so another site cannot sign a person out).</summary>
public sealed class SignOutModel : PageModel
{
    /// <summary>Deletes the session cookie and shows the sign-in page.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(WorkspaceSession.SchemeName);
        return RedirectToPage("/SignIn/SignIn", new { signedOut = true });
    }
}
