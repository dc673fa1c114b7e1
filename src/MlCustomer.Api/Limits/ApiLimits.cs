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

    /// <summary>Registers the rate limiter, the overload shedding and the request timeouts.</summary>
    public static IServiceCollection AddApiLimits(this IServiceCollection services)
    {
        services.AddSingleton<QueueDelay>();
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
            options.AddPolicy(JsonTimeoutPolicy, TimeoutPolicy(limits.Value.RequestTimeoutSeconds, nameof(LimitOptions.RequestTimeoutSeconds)));
            options.AddPolicy(CsvTimeoutPolicy, TimeoutPolicy(limits.Value.CsvTimeoutSeconds, nameof(LimitOptions.CsvTimeoutSeconds)));
        });
        return services;
    }

    // A 504 whose problem says which limit was reached, so an operator knows what to raise.
    private static RequestTimeoutPolicy TimeoutPolicy(int seconds, string setting) => new()
    {
        Timeout = TimeSpan.FromSeconds(seconds),
        TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
        WriteTimeoutResponse = context => WriteProblemAsync(context, "The request took too long",
            $"The request was stopped after {seconds:N0} s (MlCustomer:Limits:{setting}); nothing was changed. Retry later or ask for less."),
    };

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

    /// <summary>
    /// Refuses new requests with 503 and Retry-After while work waits longer than
    /// <see cref="LimitOptions.MaxQueueDelayMilliseconds"/> in the thread pool's queue (see <see cref="QueueDelay"/>):
    /// a refusal costs a few microseconds, so the requests already accepted get the machine. Health checks are
    /// always answered, so an orchestrator does not restart a service for being busy.
    /// </summary>
    public static IApplicationBuilder UseOverloadShedding(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<IOptions<LimitOptions>>().Value;
        if (limits.MaxQueueDelayMilliseconds == 0)
        {
            return app;
        }

        var delay = app.ApplicationServices.GetRequiredService<QueueDelay>();
        var limit = TimeSpan.FromMilliseconds(limits.MaxQueueDelayMilliseconds);
        return app.Use(async (context, next) =>
        {
            // Refuse a share that grows with the excess (all at twice the limit): refusing everything the moment
            // the limit is passed made the delay swing and let through a fifth of what the machine can serve.
            var excess = (delay.Current - limit) / limit;
            if (excess <= 0 || Random.Shared.NextDouble() >= excess || context.Request.Path.StartsWithSegments("/health"))
            {
                await next(context);
                return;
            }

            await WriteOverloadedAsync(context, limits.OverloadRetryAfterSeconds,
                $"The service is overloaded (requests wait over {limits.MaxQueueDelayMilliseconds} ms before they run); retry after {limits.OverloadRetryAfterSeconds} s.");
        });
    }

    /// <summary>
    /// Gives every 503 a Retry-After (the overload and queue refusals set their own): the endpoints' "no model is
    /// loaded yet" answers too, so a client has one rule for every 503.
    /// </summary>
    public static IApplicationBuilder UseRetryAfterOnUnavailable(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                if (response.StatusCode == StatusCodes.Status503ServiceUnavailable && !response.Headers.ContainsKey("Retry-After"))
                {
                    response.Headers.RetryAfter = NotReadyRetryAfterSeconds;
                }

                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });

    // A bundle loads and warms up in a few seconds.
    private const string NotReadyRetryAfterSeconds = "5";

    // The per-key token bucket knows when a token is next free (its lease carries RetryAfter): that is the
    // client's own rate, a 429. The concurrency limiter's lease carries none: the service as a whole is full, a 503.
    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var limits = context.RequestServices.GetRequiredService<IOptions<LimitOptions>>().Value;
        if (!rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            await WriteOverloadedAsync(context, limits.OverloadRetryAfterSeconds,
                $"The service is handling as many requests as it can and its queue is full; retry after {limits.OverloadRetryAfterSeconds} s.");
            return;
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await WriteProblemAsync(context, "Too many requests",
            $"This API key's request rate is reached ({limits.RequestsPerKeyPerSecond:N0} per second, bursts of {limits.RequestsPerKeyBurst:N0}); retry after {seconds} s.");
    }

    private static async Task WriteOverloadedAsync(HttpContext context, int retryAfterSeconds, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await WriteProblemAsync(context, "The service is overloaded", detail);
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
