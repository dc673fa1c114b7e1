using System.Text.Json;
using System.Text.RegularExpressions;
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
                    [JsonErrorKey(json.Path)] = [JsonErrorMessage(json, JsonErrorKey(json.Path))],
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

    private static string JsonErrorMessage(JsonException json, string key)
    {
        // The serializer's message names .NET types ("System.Double", "IReadOnlyList`1[…CustomerInput]"); say it in JSON's words.
        var message = json.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        message = cut >= 0 ? message[..cut] : message;
        const string conversion = "The JSON value could not be converted to ";
        if (message.StartsWith(conversion, StringComparison.Ordinal))
        {
            var kind = JsonKind(message[conversion.Length..].TrimEnd('.'));
            message = key == "body" ? $"the body must be {kind}" : $"'{key}' must be {kind}";
        }
        else
        {
            message = DotNetTypeName().Replace(message, m => JsonKind(m.Value));
        }

        return json.LineNumber is { } line
            ? $"{message} (line {line + 1}, byte {json.BytePositionInLine + 1})"
            : message;
    }

    // What a .NET type of the contracts is called in JSON.
    private static string JsonKind(string type) => type switch
    {
        _ when type.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal) => "an object",
        _ when type.StartsWith("System.Collections.Generic.", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal) => "an array",
        _ when type.Contains("System.DateOnly", StringComparison.Ordinal) => "a date (yyyy-MM-dd)",
        _ when type.Contains("System.Double", StringComparison.Ordinal) || type.Contains("System.Int32", StringComparison.Ordinal)
            || type.Contains("System.Int64", StringComparison.Ordinal) || type.Contains("System.Decimal", StringComparison.Ordinal)
            || type.Contains("System.Single", StringComparison.Ordinal) => "a number",
        _ when type.Contains("System.Boolean", StringComparison.Ordinal) => "true or false",
        "System.String" => "a string",
        _ when type.Contains("System.Text.Json.JsonElement", StringComparison.Ordinal) => "a JSON value",
        _ => "an object",
    };

    [GeneratedRegex(@"(System|MlCustomer)\.[\w.`]+(\[[\w.`\[\], ]*\])?")]
    private static partial Regex DotNetTypeName();

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
