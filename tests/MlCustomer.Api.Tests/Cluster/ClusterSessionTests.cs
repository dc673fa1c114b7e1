using System.Net;
using System.Text.RegularExpressions;
using MlCustomer.Api.Tests.Infrastructure;
using Npgsql;

namespace MlCustomer.Api.Tests.Cluster;

/// <summary>Workspace sessions across replicas: the Data Protection keys live in the coordination database, not in each replica's folder.</summary>
[Collection(ClusterProcesses.Name)]
public sealed partial class ClusterSessionTests
{
    // The layout's line naming who is signed in, as served.
    private const string SignedIn = "Signed in as <strong>test-marketing</strong> (marketing)";

    [SkippableFact]
    public async Task ASessionSignedInOnOneReplicaWorksOnAnotherAndAfterBothRestart()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        await using var a = new Replica("a", database);
        await using var b = new Replica("b", database);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        var session = await SignInAsync(a, ApiFactory.MarketingKey);

        Assert.Contains(SignedIn, await OverviewAsync(b, session), StringComparison.Ordinal);
        Assert.Contains(SignedIn, await OverviewAsync(a, session), StringComparison.Ordinal);
        // No key file in either replica's own folder: the ring is in the database.
        Assert.All(new[] { a, b }, r => Assert.False(Directory.Exists(Path.Combine(r.Root, "keys")) && Directory.GetFiles(Path.Combine(r.Root, "keys"), "key-*.xml").Length > 0));
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM mlcustomer_data_protection_keys", connection);
            // One key for both, though they started together: the first is created under a lock, so no replica protects
            // cookies with a key another has not read yet.
            Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
        }

        // Both replicas restart (new processes, same database): the cookie still opens the workspace.
        await a.StopAsync();
        await b.StopAsync();
        await b.StartAsync();
        Assert.Contains(SignedIn, await OverviewAsync(b, session), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ASessionSignedOutOnOneReplicaIsRefusedByAnother()
    {
        var database = await Replica.NewClusterDatabaseAsync();
        await using var a = new Replica("a", database);
        await using var b = new Replica("b", database);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        var session = await SignInAsync(a, ApiFactory.MarketingKey);

        // Signing out on b, from b's page (its form carries b's antiforgery token for this session).
        var browser = new CookieContainer();
        browser.Add(b.Address, new Cookie("mlcustomer-session", session));
        using (var handler = new HttpClientHandler { CookieContainer = browser, AllowAutoRedirect = false })
        using (var client = b.Client(null, handler))
        {
            var page = await client.GetStringAsync(new Uri("/", UriKind.Relative));
            using var signOut = await client.PostAsync(new Uri(SignOutAction().Match(page).Groups[1].Value, UriKind.Relative),
                new FormUrlEncodedContent([new("__RequestVerificationToken", AntiforgeryToken().Match(page).Groups[1].Value)]));
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }

        // A copy of the cookie kept from before is refused by a, which never saw the sign-out.
        using var refusing = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false };
        using var other = a.Client(null, refusing);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Add("Cookie", $"mlcustomer-session={session}");
        using var response = await other.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/sign-in", response.Headers.Location?.OriginalString ?? "", StringComparison.Ordinal);
    }

    // Signs in through the form like a browser (antiforgery token and cookie from the page) and returns the session cookie.
    private static async Task<string> SignInAsync(Replica replica, string key)
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = replica.Client(null, handler);
        var page = await client.GetStringAsync(new Uri("/sign-in", UriKind.Relative));
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        using var response = await client.PostAsync(new Uri("/sign-in", UriKind.Relative),
            new FormUrlEncodedContent([new("Key", key), new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var session = cookies.GetCookies(replica.Address)["mlcustomer-session"];
        Assert.NotNull(session);
        return session.Value;
    }

    private static async Task<string> OverviewAsync(Replica replica, string session)
    {
        using var handler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false };
        using var client = replica.Client(null, handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Add("Cookie", $"mlcustomer-session={session}");
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{replica.Name} answered {(int)response.StatusCode} {response.Headers.Location}: the session was not accepted");
        return await response.Content.ReadAsStringAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]*sign-out[^\"]*)\"")]
    private static partial Regex SignOutAction();
}
