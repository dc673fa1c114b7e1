using System.Security.Cryptography;
using System.Text;

namespace MlCustomer.Core.Bundle;

/// <summary>
/// The customers a bundle never fitted on: their ids (sorted, ordinal) and a SHA-256 of the list, so a card
/// edited by hand or cut short is noticed before anything is measured on it.
/// </summary>
/// <param name="Count">Customers held out.</param>
/// <param name="Sha256">Hex SHA-256 of the sorted ids, each followed by a line feed, in UTF-8.</param>
/// <param name="Ids">The ids, sorted ordinally.</param>
public sealed record HeldOutCustomers(int Count, string Sha256, IReadOnlyList<string> Ids)
{
    /// <summary>Records a set of held-out customer ids.</summary>
    public static HeldOutCustomers Of(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var sorted = ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new HeldOutCustomers(sorted.Count, Hash(sorted), sorted);
    }

    /// <summary>The hex SHA-256 of sorted ids as <see cref="Sha256"/> defines it.</summary>
    public static string Hash(IReadOnlyList<string> sortedIds)
    {
        ArgumentNullException.ThrowIfNull(sortedIds);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var id in sortedIds)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(id));
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The ids as a set, after checking that they still match their count and hash.</summary>
    /// <exception cref="ModelBundleException">The list does not match its hash or count.</exception>
    public IReadOnlySet<string> Verified(string version)
    {
        if (Ids.Count != Count || !string.Equals(Hash(Ids), Sha256, StringComparison.Ordinal))
        {
            throw new ModelBundleException(
                $"The held-out customers in the card of bundle {version} do not match their count ({Count}) and SHA-256 ({Sha256[..Math.Min(12, Sha256.Length)]}…): " +
                $"the card was changed after training. Retrain with: {ModelBundle.TrainCommand}");
        }

        return new HashSet<string>(Ids, StringComparer.Ordinal);
    }
}
