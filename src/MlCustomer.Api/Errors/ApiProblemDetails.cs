namespace MlCustomer.Api.Errors;

/// <summary>
/// Words for the problems the framework answers on its own before an endpoint runs (today the 415 of a body
/// sent with the wrong Content-Type, which would otherwise carry only a title).
/// </summary>
internal static class ApiProblemDetails
{
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Status == StatusCodes.Status415UnsupportedMediaType && problem.Detail is null)
        {
            var request = context.HttpContext.Request;
            var sent = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type {request.ContentType}";
            problem.Title = "The body is not in a format this endpoint reads";
            problem.Detail = request.Path.Value?.EndsWith("/csv", StringComparison.OrdinalIgnoreCase) == true
                ? $"This endpoint reads CSV: send Content-Type text/csv (it was sent with {sent}); JSON goes to POST /api/v1/scores."
                : $"This endpoint reads JSON: send Content-Type application/json (it was sent with {sent}).";
        }
    }
}
