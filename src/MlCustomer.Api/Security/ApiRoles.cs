namespace MlCustomer.Api.Security;

/// <summary>The roles an API key can have and the authorization policies built on them.</summary>
public static class ApiRoles
{
    /// <summary>May score customers and read stored scores, models and segments.</summary>
    public const string Scorer = "scorer";

    /// <summary>May also reload models and start scoring runs.</summary>
    public const string Admin = "admin";

    /// <summary>Policy: scorer or admin.</summary>
    public const string ScorerPolicy = "scorer";

    /// <summary>Policy: admin only.</summary>
    public const string AdminPolicy = "admin";
}
