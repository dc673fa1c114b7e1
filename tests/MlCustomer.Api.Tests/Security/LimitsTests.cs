using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.Security;

public sealed class LimitsTests
{
    [Fact]
    public async Task ABodyOverTheEndpointsLimitGets413()
    {
        using var factory = ApiFactory.With(new Dictionary<string, string?> { ["MlCustomer:Limits:ScoresBodyBytes"] = "2048" });
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var response = await client.ScoreAsync(Requests.FeaturesBody(10));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AKeyOverItsRateGets429WithRetryAfterWhileOtherKeysGoOn()
    {
        using var factory = ApiFactory.With(new Dictionary<string, string?>
        {
            ["MlCustomer:Limits:RequestsPerKeyBurst"] = "3",
            ["MlCustomer:Limits:RequestsPerKeyPerSecond"] = "1",
        });
        await factory.WaitUntilReadyAsync();
        using var scorer = factory.ClientWith(ApiFactory.ScorerKey);
        using var admin = factory.ClientWith(ApiFactory.AdminKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 6 && limited is null; i++)
        {
            var response = await scorer.GetAsync(new Uri("/api/v1/models", UriKind.Relative));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        using (limited)
        {
            Assert.NotNull(limited);
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", problem.GetProperty("type").GetString());
            Assert.Contains("This API key's request rate is reached (1 per second, bursts of 3)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var other = await admin.GetAsync(new Uri("/api/v1/models", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task AFullServiceAnswers503WithRetryAfterAndAProblemType()
    {
        // One request at a time and no queue: a CSV upload that has sent its header and not its rows holds the slot.
        using var factory = ApiFactory.With(new Dictionary<string, string?>
        {
            ["MlCustomer:Limits:ConcurrentRequests"] = "1",
            ["MlCustomer:Limits:QueuedRequests"] = "0",
            ["MlCustomer:Limits:OverloadRetryAfterSeconds"] = "7",
        });
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);
        // The server's own client: the factory's default one buffers a request body (to resend it on a redirect).
        using var streaming = factory.Server.CreateClient();
        streaming.DefaultRequestHeaders.Add("X-Api-Key", ApiFactory.ScorerKey);

        // The upload and the request race for the one slot; the upload is given a growing head start until it wins.
        HttpResponseMessage? refused = null;
        for (var attempt = 1; attempt <= 20 && refused is null; attempt++)
        {
            var rest = new TaskCompletionSource();
            using var held = new HeldBody(rest.Task);
            held.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var upload = streaming.PostAsync(new Uri("/api/v1/scores/csv", UriKind.Relative), held);
            await Task.Delay(50 * attempt);
            var response = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));
            rest.SetResult();
            (await upload).Dispose();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        using (refused)
        {
            Assert.NotNull(refused);
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(503, problem.GetProperty("status").GetInt32());
            Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.6.4", problem.GetProperty("type").GetString());
            Assert.Contains("queue is full", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ASaturatedMachineRefusesNewRequestsWith503ButStillAnswersHealthChecks()
    {
        // Stands in a thread pool whose queue holds work for 10 s (the limit is 100 ms, the default the tests switch off).
        using var factory = ApiFactory.With(
            new Dictionary<string, string?> { ["MlCustomer:Limits:MaxQueueDelayMilliseconds"] = "100" },
            services: services => services.Replace(ServiceDescriptor.Singleton<QueueDelay>(new Saturated())));
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var models = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));
        using var score = await client.ScoreAsync(Requests.FeaturesBody(1));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        foreach (var refused in new[] { models, score })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.6.4", problem.GetProperty("type").GetString());
            Assert.Contains("overloaded (requests wait over 100 ms", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OverloadSheddingCanBeSwitchedOff()
    {
        using var factory = ApiFactory.With(
            new Dictionary<string, string?> { ["MlCustomer:Limits:MaxQueueDelayMilliseconds"] = "0" },
            services: services => services.Replace(ServiceDescriptor.Singleton<QueueDelay>(new Saturated())));
        await factory.WaitUntilReadyAsync();
        using var client = factory.ClientWith(ApiFactory.ScorerKey);

        using var models = await client.GetAsync(new Uri("/api/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    private sealed class Saturated : QueueDelay
    {
        public override TimeSpan Current => TimeSpan.FromSeconds(10);
    }

    // A CSV body whose first bytes are sent at once (not a whole header line, so the endpoint keeps reading) and whose rest waits for the test.
    private sealed class HeldBody(Task rest) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync("customer_id,recency_d"u8.ToArray());
            await stream.FlushAsync();
            await rest;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
