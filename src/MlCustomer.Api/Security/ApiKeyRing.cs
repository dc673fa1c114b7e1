using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MlCustomer.Api.Security;

/// <summary>
/// The configured keys, matched by SHA-256. Every configured hash is compared, each in constant time, so neither
/// the comparison nor the position of the matching key leaks through timing. The header scheme and the workspace's
/// sign-in both ask it, so a key means the same in both.
/// </summary>
public sealed class ApiKeyRing(IOptions<ApiKeyOptions> keys)
{
    /// <summary>Longer keys are not keys anyone was given; refusing them early bounds the hashing work.</summary>
    public const int MaxKeyLength = 256;

    private readonly (ApiKeyEntry Entry, byte[] Hash)[] ring =
        keys.Value.ApiKeys.Select(k => (k, Convert.FromHexString(k.Sha256))).ToArray();

    /// <summary>The entry whose hash the key has, or null (also for an empty or over-long key).</summary>
    public ApiKeyEntry? Match(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > MaxKeyLength)
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyEntry? match = null;
        foreach (var (entry, expected) in ring)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                match ??= entry;
            }
        }

        return match;
    }

    /// <summary>True while a key of this name and role is configured (a workspace session ends when its key is removed).</summary>
    public bool StillConfigured(string? name, string? role) =>
        ring.Any(k => string.Equals(k.Entry.Name, name, StringComparison.Ordinal) && string.Equals(k.Entry.Role, role, StringComparison.Ordinal));
}
