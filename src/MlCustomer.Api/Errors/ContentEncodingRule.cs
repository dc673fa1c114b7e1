using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace MlCustomer.Api.Errors;

/// <summary>
/// Refuses a body sent compressed (<c>Content-Encoding: gzip</c>, <c>br</c>, …) with 415 saying so: the API reads bodies
/// as sent, and a gzip body was otherwise refused as "not valid UTF-8" or "not valid JSON", which sends the caller
/// looking in the wrong place. The bytes are never decompressed, so a compressed bomb costs nothing.
/// </summary>
internal static class ContentEncodingRule
{
    public static IApplicationBuilder UseContentEncodingRule(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var encoding = context.Request.Headers.ContentEncoding;
            if (encoding.Count > 0 && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true && !encoding.All(e => string.Equals(e?.Trim(), "identity", StringComparison.OrdinalIgnoreCase)))
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status415UnsupportedMediaType,
                        Title = "Compressed bodies are not read",
                        Detail = $"The body was sent with Content-Encoding {encoding}; send it uncompressed (no Content-Encoding). Nothing was done.",
                    },
                });
                return;
            }

            await next(context);
        });
}
