using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace MlCustomer.Api.Errors;

/// <summary>
/// Reads an endpoint's query-string numbers and flags more strictly than the framework's binding, before it runs, and
/// refuses what the framework would turn into a plausible wrong value or answer in .NET's words: a repeated parameter
/// (the framework joins <c>budget=1&amp;budget=2</c> into "1,2"), a thousands separator (<c>budget=1,5</c> bound as 15),
/// text where a number belongs ("Failed to bind parameter \"Nullable&lt;double&gt; budget\""). The answer is a 400 naming
/// each parameter. Ranges (above 0, at most 1, …) stay with each endpoint's own validation.
/// </summary>
internal static class QueryStringRules
{
    public static IApplicationBuilder UseQueryStringRules(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is RouteEndpoint endpoint && context.Request.QueryString.HasValue
                && Problems(endpoint, context.Request.Query) is { Count: > 0 } errors)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new HttpValidationProblemDetails(errors)
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Title = "Invalid query string",
                        Detail = "Nothing was done. Give each parameter once; numbers as digits with a decimal point (1.5), no thousands separators.",
                    },
                });
                return;
            }

            await next(context);
        });

    /// <summary>Each problem of the request's query string, keyed by the parameter's name; empty when it is acceptable.</summary>
    internal static Dictionary<string, string[]> Problems(RouteEndpoint endpoint, IQueryCollection query)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in endpoint.Metadata.GetOrderedMetadata<IParameterBindingMetadata>())
        {
            if (!IsFromQuery(parameter, endpoint) || !query.TryGetValue(parameter.Name, out var values))
            {
                continue;
            }

            var type = parameter.ParameterInfo.ParameterType;
            if (type.IsArray)
            {
                continue; // repeated on purpose (actionCost=a:1&actionCost=b:2); each value is the endpoint's to check
            }

            if (values.Count > 1)
            {
                errors[parameter.Name] = [$"is given {values.Count} times ({string.Join(", ", values.Select(v => $"'{Shorten(v)}'"))}); give it once"];
            }
            else if (ValueProblem(Nullable.GetUnderlyingType(type) ?? type, values[0] ?? "") is { } problem)
            {
                errors[parameter.Name] = [problem];
            }
        }

        return errors;
    }

    // What is wrong with one value for a parameter of this type, or null when it reads as the caller meant it.
    private static string? ValueProblem(Type type, string value)
    {
        const NumberStyles decimals = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign
            | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return double.TryParse(value, decimals, CultureInfo.InvariantCulture, out _)
                ? null
                : value.Contains(',', StringComparison.Ordinal)
                    ? $"'{Shorten(value)}' is not a number: write decimals with a point (1.5) and no thousands separators"
                    : $"'{Shorten(value)}' is not a number";
        }

        if (type == typeof(int) || type == typeof(long))
        {
            if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
            {
                return double.TryParse(value, decimals, CultureInfo.InvariantCulture, out _)
                    ? $"'{Shorten(value)}' must be a whole number"
                    : $"'{Shorten(value)}' is not a whole number";
            }

            return type == typeof(int) && whole is < int.MinValue or > int.MaxValue
                ? $"{whole:N0} is out of range (at most {int.MaxValue:N0})"
                : null;
        }

        if (type == typeof(bool))
        {
            return bool.TryParse(value, out _) ? null : $"'{Shorten(value)}' must be true or false";
        }

        return null;
    }

    // Implicit or explicit query binding: a simple type (or string) that is not a route value, a header or a service.
    private static bool IsFromQuery(IParameterBindingMetadata parameter, RouteEndpoint endpoint)
    {
        var info = parameter.ParameterInfo;
        if (info.GetCustomAttributes().Any(a => a is IFromRouteMetadata or IFromHeaderMetadata or IFromBodyMetadata or IFromServiceMetadata or IFromFormMetadata))
        {
            return false;
        }

        if (info.GetCustomAttribute<FromQueryAttribute>() is not null)
        {
            return true;
        }

        return (parameter.HasTryParse || info.ParameterType == typeof(string) || info.ParameterType == typeof(string[]))
            && endpoint.RoutePattern.GetParameter(parameter.Name) is null;
    }

    private static string Shorten(string? value) =>
        value is null ? "" : value.Length <= 40 ? value : value[..40] + "…";
}
