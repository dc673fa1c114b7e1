namespace MlCustomer.Api.Security;

/// <summary>Response headers that keep browsers from misreading or framing what the API serves (JSON, CSV, Swagger UI).</summary>
public static class SecurityHeaders
{
    /// <summary>Adds the headers to every response, before anything else can start writing it.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            // frame-ancestors only: a fuller policy would block the inline script Swagger UI needs, and
            // frame-ancestors alone is what stops clickjacking; X-Frame-Options for browsers without CSP 2.
            headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            headers.XFrameOptions = "DENY";
            return next(context);
        });
}
