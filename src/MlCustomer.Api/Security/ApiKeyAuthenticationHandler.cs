using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MlCustomer.Api.Security;

/// <summary>
/// Authenticates the <c>X-Api-Key</c> header against the configured SHA-256 hashes (<see cref="ApiKeyRing"/>).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRing keyRing)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    /// <summary>The failure message of a key that matches no configured hash.</summary>
    public const string UnknownKey = "The API key matches no configured key.";

    /// <summary>The failure message of more than one key, or one too long to be a key.</summary>
    public const string NotOneKey = "Send exactly one API key of at most 256 characters.";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyOptions.HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presented = values[0]!;
        if (values.Count > 1 || presented.Length > ApiKeyRing.MaxKeyLength)
        {
            return Task.FromResult(AuthenticateResult.Fail(NotOneKey));
        }

        var match = keyRing.Match(presented);
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail(UnknownKey));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, match.Name), new Claim(ClaimTypes.Role, match.Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // The body is left empty: ApiKeyProblems writes the ProblemDetails with the reason.
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{ApiKeyOptions.HeaderName}\"";
        return Task.CompletedTask;
    }
}
