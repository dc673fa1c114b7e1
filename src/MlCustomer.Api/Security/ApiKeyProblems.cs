using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;

namespace MlCustomer.Api.Security;

/// <summary>
/// Writes the 401 and 403 ProblemDetails with why the request was refused: no key, an unknown key (or more
/// than one), or a role that may not call the endpoint, naming the role it needs. The key itself is never
/// written back, not even in part.
/// </summary>
internal sealed class ApiKeyProblems(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        ArgumentNullException.ThrowIfNull(policy);
        // The workspace's pages answer a person in a browser: the cookie scheme redirects to the sign-in page instead.
        if (policy.AuthenticationSchemes.Contains(WorkspaceSession.SchemeName, StringComparer.Ordinal))
        {
            await fallback.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Challenged)
        {
            // The handler caches its result per request, so this reads what UseAuthentication found.
            var authentication = await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
            await context.ChallengeAsync(ApiKeyAuthenticationHandler.SchemeName);
            var (title, detail) = authentication.Failure is { } failure
                ? (failure.Message == ApiKeyAuthenticationHandler.UnknownKey
                    ? "Unknown API key"
                    : "Malformed API key header",
                   $"{failure.Message} Keys are issued by the API's operator and configured as SHA-256 hashes under MlCustomer:ApiKeys.")
                : ("No API key", $"Send an API key in the {ApiKeyOptions.HeaderName} header (role {ApiRoles.Scorer}, {ApiRoles.Admin} or {ApiRoles.Marketing}).");
            await Write(context, StatusCodes.Status401Unauthorized, title, detail);
            return;
        }

        if (authorizeResult.Forbidden)
        {
            await context.ForbidAsync(ApiKeyAuthenticationHandler.SchemeName);
            var needed = authorizeResult.AuthorizationFailure?.FailedRequirements
                .OfType<RolesAuthorizationRequirement>()
                .SelectMany(r => r.AllowedRoles)
                .Distinct(StringComparer.Ordinal)
                .ToList() ?? [];
            var role = context.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "none";
            var detail = needed.Count == 0
                ? $"The key's role '{role}' may not call {context.Request.Method} {context.Request.Path}."
                : $"{context.Request.Method} {context.Request.Path} needs role {string.Join(" or ", needed)}; this key's role is '{role}'.";
            await Write(context, StatusCodes.Status403Forbidden, "The key's role lacks permission", detail);
            return;
        }

        await fallback.HandleAsync(next, context, policy, authorizeResult);
    }

    private async Task Write(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
