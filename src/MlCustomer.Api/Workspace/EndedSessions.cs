using System.Globalization;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace;

/// <summary>
/// Sessions signed out before their cookie expired. A cookie session is otherwise valid until it expires wherever a copy
/// of the cookie is; signing out records the session's id here, in a file beside the Data Protection keys (so it
/// survives a restart like the sessions do), until its cookie would have expired anyway.
/// </summary>
public sealed class EndedSessions
{
    /// <summary>The claim carrying a session's id.</summary>
    public const string SessionIdClaim = "mlcustomer:session";

    private readonly Lock gate = new();
    private readonly string file;
    private readonly TimeProvider time;
    private readonly Dictionary<string, DateTimeOffset> ended = new(StringComparer.Ordinal);

    /// <summary>Reads the sessions ended and not yet expired.</summary>
    public EndedSessions(IOptions<WorkspaceOptions> workspace, IOptions<StorageOptions> storage, IHostEnvironment environment, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(storage);
        this.time = time;
        file = Path.Combine(WorkspaceExtensions.KeysFolder(workspace.Value, storage.Value, environment), "ended-sessions.txt");
        if (!File.Exists(file))
        {
            return;
        }

        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && DateTimeOffset.TryParse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires) && expires > time.GetUtcNow())
            {
                ended[parts[0]] = expires;
            }
        }
    }

    /// <summary>True when the session was signed out.</summary>
    public bool HasEnded(string? sessionId)
    {
        lock (gate)
        {
            return sessionId is null || ended.ContainsKey(sessionId);
        }
    }

    /// <summary>Ends a session whose cookie would be valid until <paramref name="expires"/>.</summary>
    public void End(string sessionId, DateTimeOffset expires)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            ended[sessionId] = expires;
            foreach (var expired in ended.Where(e => e.Value <= now).Select(e => e.Key).ToList())
            {
                ended.Remove(expired);
            }

            // Rewritten whole: the file only ever holds sessions whose cookies are still unexpired.
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllLines(file, ended.Select(e => $"{e.Key} {e.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}"));
        }
    }
}
