namespace MlCustomer.Api.Security;

/// <summary>The roles an API key can have and the authorization policies built on them.</summary>
public static class ApiRoles
{
    /// <summary>May score customers and read stored scores, models and segments.</summary>
    public const string Scorer = "scorer";

    /// <summary>May also reload models and start scoring runs.</summary>
    public const string Admin = "admin";

    /// <summary>
    /// May read tiers, segments, retention targets, customers, scoring runs and the model, and use the marketing
    /// workspace; may not score payloads, reload models or start scoring runs.
    /// </summary>
    public const string Marketing = "marketing";

    /// <summary>Policy: scorer or admin.</summary>
    public const string ScorerPolicy = "scorer";

    /// <summary>Policy: admin only.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>Policy: reading stored results and the model: scorer, admin or marketing.</summary>
    public const string ReaderPolicy = "reader";

    /// <summary>Policy: the marketing workspace's pages (cookie session): marketing or admin.</summary>
    public const string WorkspacePolicy = "workspace";

    /// <summary>Policy: the workspace's admin actions (cookie session): admin only.</summary>
    public const string WorkspaceAdminPolicy = "workspace-admin";

    /// <summary>Roles that may sign in to the workspace; scorer keys belong to machines (CRM, shop), not people.</summary>
    public static readonly IReadOnlyList<string> WorkspaceRoles = [Marketing, Admin];
}
