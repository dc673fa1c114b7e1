namespace MlCustomer.Core.Data;

/// <summary>
/// Interns repeated cell values (customer ids, order ids, categories, channels) so that half a million
/// rows share a few thousand strings instead of holding half a million copies. Lookups take the span the
/// CSV reader hands out, so a value seen before allocates nothing.
/// </summary>
internal sealed class StringPool
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Number of distinct strings held.</summary>
    public int Count => _strings.Count;

    /// <summary>The pooled string equal to <paramref name="text"/>.</summary>
    public string Intern(ReadOnlySpan<char> text)
    {
        if (_lookup.TryGetValue(text, out var pooled))
        {
            return pooled;
        }

        pooled = text.ToString();
        _strings.Add(pooled, pooled);
        return pooled;
    }
}
