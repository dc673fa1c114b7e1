using Microsoft.AspNetCore.Http.Metadata;

namespace MlCustomer.Api.Errors;

/// <summary>
/// Words for the problems the framework answers on its own before an endpoint runs (the 415 of a body
/// sent with the wrong Content-Type, which would otherwise carry only a title), and a type for every status.
/// </summary>
internal static class ApiProblemDetails
{
    // The framework's defaults give a type to most statuses but not to these two, which the API answers too:
    // every problem carries a type, so a client can tell problems apart without parsing titles.
    private static readonly Dictionary<int, string> TypesTheFrameworkLacks = new()
    {
        [StatusCodes.Status413PayloadTooLarge] = "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        [StatusCodes.Status429TooManyRequests] = "https://tools.ietf.org/html/rfc6585#section-4",
    };

    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type is null && problem.Status is { } status && TypesTheFrameworkLacks.TryGetValue(status, out var type))
        {
            problem.Type = type;
        }

        if (problem.Status == StatusCodes.Status415UnsupportedMediaType && problem.Detail is null)
        {
            var request = context.HttpContext.Request;
            var sent = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type {request.ContentType}";
            problem.Title = "The body is not in a format this endpoint reads";
            problem.Detail = request.Path.Value?.EndsWith("/csv", StringComparison.OrdinalIgnoreCase) == true
                ? $"This endpoint reads CSV: send Content-Type text/csv (it was sent with {sent}); JSON goes to POST /api/v1/scores."
                : $"This endpoint reads JSON: send Content-Type application/json (it was sent with {sent}).";
        }

        // A body of unknown length (chunked) over the limit, or one that stops arriving, is cut off by the server
        // while it reads: these carry only the status's name unless said here.
        if (problem.Status == StatusCodes.Status413PayloadTooLarge && problem.Detail is null)
        {
            var limit = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
            problem.Title = "Request body too large";
            problem.Detail = limit is { } max
                ? $"The body is longer than this endpoint accepts (at most {max:N0} bytes); nothing was done."
                : "The body is longer than this endpoint accepts; nothing was done.";
        }

        // Answers of the routing and of the workspace's form protection, which come with the status's name only.
        if (problem.Detail is null && problem.Status is StatusCodes.Status400BadRequest or StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed)
        {
            var request = context.HttpContext.Request;
            var what = $"{request.Method} {request.Path}";
            (problem.Title, problem.Detail) = problem.Status switch
            {
                StatusCodes.Status404NotFound => ("No such address",
                    $"Nothing answers {what}: the API's operations are under /api/v1 (listed in the OpenAPI document), the workspace's pages at /."),
                StatusCodes.Status405MethodNotAllowed => ("Method not allowed here",
                    $"{request.Path} does not take {request.Method}" +
                    (context.HttpContext.Response.Headers.Allow is { Count: > 0 } allow ? $"; it takes {allow}." : ".")),
                _ when !request.Path.StartsWithSegments("/api") && request.HasFormContentType => ("The form has expired",
                    "The form was sent without its security token, or with one that expired or belongs to another session (the page was " +
                    "open a long time, or cookies were cleared): reload the page and send it again."),
                _ => ("Bad request", $"{what} could not be read as a request this service answers; nothing was done."),
            };
        }

        if (problem.Status == StatusCodes.Status408RequestTimeout && problem.Detail is null)
        {
            problem.Title = "The request body stopped arriving";
            problem.Detail = "The body arrived too slowly or stopped before its declared length (Content-Length, or the last chunk); nothing was done. Send the whole body.";
        }
    }
}
