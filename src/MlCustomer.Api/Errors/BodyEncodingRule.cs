using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace MlCustomer.Api.Errors;

/// <summary>
/// The API reads bodies as sent, in UTF-8 (JSON's only encoding between systems, and the CSV endpoint's): a body sent
/// compressed (<c>Content-Encoding: gzip</c>) or declared in another character set is refused with 415 saying so. A gzip
/// body was refused as "not valid UTF-8" or "not valid JSON", sending the caller looking in the wrong place, and never
/// decompressed (a compressed bomb costs nothing); <c>charset=bogus</c> on a JSON body was a 500.
/// </summary>
internal static class BodyEncodingRule
{
    public static IApplicationBuilder UseBodyEncodingRule(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true && Problem(context.Request) is { } problem)
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status415UnsupportedMediaType,
                        Title = problem.Title,
                        Detail = problem.Detail,
                    },
                });
                return;
            }

            await next(context);
        });

    private static (string Title, string Detail)? Problem(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding;
        if (encoding.Count > 0 && !encoding.All(e => string.Equals(e?.Trim(), "identity", StringComparison.OrdinalIgnoreCase)))
        {
            return ("Compressed bodies are not read",
                $"The body was sent with Content-Encoding {encoding}; send it uncompressed (no Content-Encoding). Nothing was done.");
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.Charset is { Length: > 0 } charset
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            && !charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            return ("The body must be UTF-8",
                $"The body was declared as charset={charset}; this service reads UTF-8 only: save or send it as UTF-8 (charset=utf-8, or no charset). Nothing was done.");
        }

        return null;
    }
}
