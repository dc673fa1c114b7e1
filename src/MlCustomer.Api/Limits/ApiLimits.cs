using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace MlCustomer.Api.Limits;

/// <summary>Rate limiting per API key, a concurrency limit, per-request timeouts and body size limits.</summary>
public static class ApiLimits
{
    /// <summary>Rate-limiter policy: a token bucket per API key.</summary>
    public const string PerKeyPolicy = "per-key";

    /// <summary>Timeout policy for JSON endpoints.</summary>
    public const string JsonTimeoutPolicy = "json";

    /// <summary>Timeout policy for the streamed CSV endpoint.</summary>
    public const string CsvTimeoutPolicy = "csv";

    /// <summary>Registers the rate limiter and the request timeouts.</summary>
    public static IServiceCollection AddApiLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitOptions>>((options, limits) =>
        {
            var l = limits.Value;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = OnRejectedAsync;
            options.AddPolicy(PerKeyPolicy, context =>
            {
                // Authentication runs before the limiter, so a known key is its own partition; requests
                // without a valid key share one bucket per client address.
                var key = context.User.Identity?.IsAuthenticated == true
                    ? "key:" + context.User.Identity.Name
                    : "anonymous:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = l.RequestsPerKeyBurst,
                    TokensPerPeriod = l.RequestsPerKeyPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.Request.Path.StartsWithSegments("/health")
                    ? RateLimitPartition.GetNoLimiter("health")
                    : RateLimitPartition.GetConcurrencyLimiter("all", _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = l.ConcurrentRequests,
                        QueueLimit = l.QueuedRequests,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    }));
        });

        services.AddRequestTimeouts(_ => { });
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<LimitOptions>>((options, limits) =>
        {
            options.AddPolicy(JsonTimeoutPolicy, new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(limits.Value.RequestTimeoutSeconds),
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            });
            options.AddPolicy(CsvTimeoutPolicy, new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(limits.Value.CsvTimeoutSeconds),
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            });
        });
        return services;
    }

    /// <summary>
    /// Refuses a request whose declared length is over its endpoint's limit with 413 before the body
    /// is read. The server enforces the same limit while reading a body of unknown length.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
            if (limit is { } max && context.Request.ContentLength > max)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await WriteProblemAsync(context, "Request body too large",
                    $"The body is {context.Request.ContentLength:N0} bytes; this endpoint accepts at most {max:N0}.");
                return;
            }

            await next(context);
        });

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        // The concurrency limiter has no retry hint; one second is when a slot is likely free again.
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await WriteProblemAsync(context, "Too many requests", $"The request limit is reached; retry after {seconds} s.");
    }

    private static async Task WriteProblemAsync(HttpContext context, string title, string detail)
    {
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Title = title, Detail = detail, Status = context.Response.StatusCode },
        });
    }
}
