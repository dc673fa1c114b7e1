using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Security;

/// <summary>
/// Which web pages may call the API from a browser (CORS), and whether plain HTTP is redirected to HTTPS.
/// Named defaults, no logic beyond validation.
/// </summary>
public sealed class BrowserAccessOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "MlCustomer";

    /// <summary>
    /// Origins (<c>https://crm.example.com</c>: scheme, host and optional port, nothing else) whose pages may call the
    /// API from a browser. Empty, the default: CORS is off and browsers keep every other origin's page out.
    /// </summary>
    public List<string> CorsAllowedOrigins { get; set; } = [];

    /// <summary>
    /// Redirect plain HTTP to HTTPS (307). Null, the default: on outside Development when the server is configured to
    /// serve HTTPS (an <c>https://</c> URL, <c>HTTPS_PORTS</c> or <c>https_port</c>); off behind a TLS-terminating
    /// proxy that forwards plain HTTP, and in Development and the tests.
    /// </summary>
    public bool? HttpsRedirection { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < CorsAllowedOrigins.Count; i++)
        {
            if (OriginProblem(CorsAllowedOrigins[i]) is { } problem)
            {
                yield return new ValidationResult($"CorsAllowedOrigins[{i}]: '{CorsAllowedOrigins[i]}' {problem}", [nameof(CorsAllowedOrigins)]);
            }
        }
    }

    // A wildcard would let any page on the web spend a key pasted into it; a path or query is never part of an
    // origin, so a browser would never match it and the setting would silently do nothing.
    private static string? OriginProblem(string origin) =>
        origin.Trim() == "*" ? "is a wildcard: name each origin that may call the API"
        : !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            ? "is not an http(s) origin such as https://crm.example.com"
        : uri.GetLeftPart(UriPartial.Authority) != origin.TrimEnd('/')
            ? "has a path, query or user part: an origin is scheme, host and port only (e.g. " + uri.GetLeftPart(UriPartial.Authority) + ")"
        : null;
}
