using System.Net;
using System.Net.Http.Json;
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
            Assert.Equal(429, (await limited.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetInt32());
        }

        using var other = await admin.GetAsync(new Uri("/api/v1/models", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}
