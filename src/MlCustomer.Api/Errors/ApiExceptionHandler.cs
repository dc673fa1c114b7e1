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
                problem = bad.StatusCode == StatusCodes.Status400BadRequest && FailedBinding().Match(bad.Message) is { Success: true } binding
                    ? new HttpValidationProblemDetails(new Dictionary<string, string[]>
                    {
                        [binding.Groups["name"].Value] = [$"'{binding.Groups["value"].Value}' cannot be read as {ParameterKind(binding.Groups["type"].Value)}"],
                    })
                    {
                        Status = bad.StatusCode,
                        Title = "Invalid request parameter",
                    }
                    // The framework's sentences for these statuses name its own settings ("See MinRequestBodyDataRate",
                    // "Expected a supported JSON media type"): ApiProblemDetails says them in the API's words.
                    : new ProblemDetails
                    {
                        Status = bad.StatusCode,
                        Detail = bad.StatusCode is StatusCodes.Status408RequestTimeout or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType
                            ? null
                            : bad.Message,
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
        if (json.InnerException is InvalidOperationException inner
            && (inner.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || inner.Message.Contains("surrogate", StringComparison.OrdinalIgnoreCase)))
        {
            message = "is not valid text: it holds bytes that are not UTF-8 or an unpaired \\uD800–\\uDFFF escape; send UTF-8";
        }
        else if (ReaderProblem(message) is { } words)
        {
            message = words;
        }
        else if (message.StartsWith(conversion, StringComparison.Ordinal))
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

    // The serializer's and reader's own sentences that name its settings or .NET members, in the API's words.
    private static string? ReaderProblem(string message) => message switch
    {
        _ when message.StartsWith("Duplicate propert", StringComparison.Ordinal) =>
            "appears more than once in the same object; give each field once",
        _ when message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) =>
            "is not a field this endpoint reads (check the spelling; the OpenAPI document lists the fields)",
        _ when message.Contains("trailing comma", StringComparison.Ordinal) =>
            "has a comma after the last value of an object or array, which JSON does not allow",
        _ when message.StartsWith("'/' is an invalid start", StringComparison.Ordinal) => "holds a comment, which JSON does not allow",
        _ => null,
    };

    // What a parameter's C# type name in the framework's binding message is called in the API's words.
    private static string ParameterKind(string type) => type switch
    {
        "double" or "float" or "decimal" => "a number",
        "int" or "long" => "a whole number",
        "bool" => "true or false",
        "DateOnly" => "a date (yyyy-MM-dd)",
        "Guid" => "an id (32 hexadecimal digits)",
        _ => "this parameter",
    };

    // What a .NET type of the contracts is called in JSON.
    private static string JsonKind(string type) => type switch
    {
        _ when type.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal) => "an object",
        _ when type.StartsWith("System.Collections.Generic.", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal)
            || type.EndsWith("List", StringComparison.Ordinal) => "an array",
        _ when type.Contains("System.DateOnly", StringComparison.Ordinal) => "a date (yyyy-MM-dd)",
        _ when type.Contains("System.Double", StringComparison.Ordinal) || type.Contains("System.Int32", StringComparison.Ordinal)
            || type.Contains("System.Int64", StringComparison.Ordinal) || type.Contains("System.Decimal", StringComparison.Ordinal)
            || type.Contains("System.Single", StringComparison.Ordinal) => "a number",
        _ when type.Contains("System.Boolean", StringComparison.Ordinal) => "true or false",
        "System.String" => "a string",
        _ when type.Contains("System.Text.Json.JsonElement", StringComparison.Ordinal) => "a JSON value",
        _ => "an object",
    };

    // "Failed to bind parameter "Nullable<Guid> id" from "x"." (route values; the query string is QueryStringRules')
    [GeneratedRegex("^Failed to bind parameter \"(?:Nullable<)?(?<type>\\w+)>? (?<name>\\w+)\" from \"(?<value>.*)\"\\.$", RegexOptions.Singleline)]
    private static partial Regex FailedBinding();

    [GeneratedRegex(@"(System|MlCustomer)\.[\w.`]+(\[[\w.`\[\], ]*\])?")]
    private static partial Regex DotNetTypeName();

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
