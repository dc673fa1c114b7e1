using Microsoft.AspNetCore.Mvc.Filters;

namespace MlCustomer.Api.Workspace;

/// <summary>
/// A strict Content-Security-Policy for the workspace's pages, which run no script and load nothing from elsewhere:
/// injected markup could neither run script nor send a form away. The API-wide policy stays frame-ancestors only,
/// because Swagger UI needs its inline script.
/// </summary>
internal sealed class WorkspaceContentSecurityPolicy : IAsyncPageFilter
{
    /// <summary>The policy: the one inline stylesheet, the site's own images and forms, nothing else.</summary>
    public const string Policy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        context.HttpContext.Response.Headers.ContentSecurityPolicy = Policy;
        return next();
    }
}
