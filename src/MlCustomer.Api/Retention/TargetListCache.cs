using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Retention;

/// <summary>
/// The last few target lists chosen, by the candidates they were chosen from, the rules and the settings: a planner or a
/// client paging through a list (or eight callers asking for the same one) pays for choosing it once, not per call, and
/// the targets' decisions read for one page stay read for the next. Keyed by the candidates object itself, so a new run
/// or an erasure (which replaces a run's candidates) never serves a list chosen before it.
/// </summary>
/// <remarks>
/// Bounded twice: at most <see cref="Capacity"/> lists (the least recently used goes), and only lists of at most
/// <see cref="MaxTargets"/> targets (a list's read decisions are a few KB a target), so the cache holds tens of MB at most
/// whatever the callers ask. Static because the key is an object of one store: two hosts in one process never share a key.
/// </remarks>
internal static class TargetListCache
{
    /// <summary>Lists kept.</summary>
    public const int Capacity = 16;

    /// <summary>The longest list kept.</summary>
    public const int MaxTargets = 10_000;

    private static readonly LinkedList<Entry> Recent = [];
    private static readonly Lock Gate = new();

    /// <summary>The list chosen before for the same candidates, rules and settings, or null.</summary>
    public static (RetentionTargetList List, System.Collections.Concurrent.ConcurrentDictionary<string, StoredValue> Values)? Find(
        TargetCandidates candidates, RuleSet rules, string settings)
    {
        lock (Gate)
        {
            for (var node = Recent.First; node is not null; node = node.Next)
            {
                var entry = node.Value;
                if (ReferenceEquals(entry.Candidates, candidates) && ReferenceEquals(entry.Rules, rules) && entry.Settings == settings)
                {
                    Recent.Remove(node);
                    Recent.AddFirst(node);
                    return (entry.List, entry.Values);
                }
            }

            return null;
        }
    }

    /// <summary>Keeps a list just chosen (not when it is longer than <see cref="MaxTargets"/>).</summary>
    public static void Keep(
        TargetCandidates candidates, RuleSet rules, string settings, RetentionTargetList list,
        System.Collections.Concurrent.ConcurrentDictionary<string, StoredValue> values)
    {
        if (list.Targets.Count > MaxTargets)
        {
            return;
        }

        lock (Gate)
        {
            Recent.AddFirst(new Entry(candidates, rules, settings, list, values));
            while (Recent.Count > Capacity)
            {
                Recent.RemoveLast();
            }
        }
    }

    private sealed record Entry(
        TargetCandidates Candidates, RuleSet Rules, string Settings, RetentionTargetList List,
        System.Collections.Concurrent.ConcurrentDictionary<string, StoredValue> Values);
}
