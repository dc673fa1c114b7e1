namespace MlCustomer.Api.Security;

/// <summary>The workspace's cookie session: its scheme and cookie names.</summary>
public static class WorkspaceSession
{
    /// <summary>The cookie authentication scheme; only the workspace's pages use it, never <c>/api</c>.</summary>
    public const string SchemeName = "WorkspaceCookie";

    /// <summary>The session cookie.</summary>
    public const string CookieName = "mlcustomer-session";

    /// <summary>The antiforgery cookie.</summary>
    public const string AntiforgeryCookieName = "mlcustomer-antiforgery";
}
