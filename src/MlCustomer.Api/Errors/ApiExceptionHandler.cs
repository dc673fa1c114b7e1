using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace MlCustomer.Api.Errors;

/// <summary>
/// Turns every exception into ProblemDetails and never writes a stack trace or exception text the
/// client did not cause: a body the server cannot read becomes a 400 (or 413) naming where it broke;
/// anything else becomes a bare 500 with the trace id, and the details go to the log.
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        switch (exception)
        {
            case BadHttpRequestException { InnerException: JsonException json }:
                httpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
                problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [JsonErrorKey(json.Path)] = [JsonErrorMessage(json)],
                })
                {
                    Title = "The request body is not valid JSON for this endpoint",
                    Detail = "Parsing stops at the first malformed value or wrong JSON type, so this is the only error reported. " +
                        "Numbers must be JSON numbers (NaN and infinities are refused), dates yyyy-MM-dd.",
                    Status = StatusCodes.Status400BadRequest,
                };
                break;
            case BadHttpRequestException bad:
                httpContext.Response.StatusCode = bad.StatusCode;
                problem = new ProblemDetails
                {
                    Status = bad.StatusCode,
                    Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                    Detail = bad.Message,
                };
                break;
            default:
                LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
                httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
                problem = new ProblemDetails
                {
                    Status = StatusCodes.Status500InternalServerError,
                    Title = "An unexpected error occurred",
                    Detail = "The error is logged on the server with the trace id of this response.",
                };
                break;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    // "$.customers[3].features" → "customers[3].features", the same form the validator uses.
    private static string JsonErrorKey(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string JsonErrorMessage(JsonException json)
    {
        // The serializer's message names .NET types ("System.Double"); say it in JSON's words instead.
        var message = json.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        message = cut >= 0 ? message[..cut] : message;
        message = message
            .Replace("System.Nullable`1[System.Double]", "a number", StringComparison.Ordinal)
            .Replace("System.Double", "a number", StringComparison.Ordinal)
            .Replace("System.Nullable`1[System.DateOnly]", "a date (yyyy-MM-dd)", StringComparison.Ordinal)
            .Replace("System.DateOnly", "a date (yyyy-MM-dd)", StringComparison.Ordinal)
            .Replace("System.String", "a string", StringComparison.Ordinal);
        return json.LineNumber is { } line
            ? $"{message} (line {line + 1}, byte {json.BytePositionInLine + 1})"
            : message;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
