using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>The business's data files that scoring runs read. Relative paths are relative to the content root.</summary>
public sealed class DataOptions
{
    /// <summary>Configuration section (keys <c>MlCustomer:TransactionsPath</c>, <c>MlCustomer:CustomersPath</c>, <c>MlCustomer:ServiceEventsPath</c>).</summary>
    public const string SectionName = "MlCustomer";

    /// <summary>The transactions file; the default is the repository's committed sample data.</summary>
    [Required]
    public string TransactionsPath { get; set; } = "../../training-data/transactions.csv";

    /// <summary>The customers file; empty for none.</summary>
    public string? CustomersPath { get; set; } = "../../training-data/customers.csv";

    /// <summary>
    /// The dated service events file; empty for none. When given, service features and cost-to-serve come from the
    /// events up to the run's as-of date; otherwise from the customers file's totals, at its export date only.
    /// </summary>
    public string? ServiceEventsPath { get; set; } = "../../training-data/service-events.csv";

    /// <summary>
    /// Rehearse a scoring run at start-up (<c>MlCustomer:WarmUpRunOnStart</c>): a few thousand generated customers scored
    /// and stored into a throw-away file, so that the first real run after a start runs compiled, optimised code. Without
    /// it the first run of a process pays 2–5 s more CPU at 1,000,000 customers for the just-in-time compiler re-compiling its
    /// hot methods (perf: 2.7 s on the compiler thread), and runs slower meanwhile; the rehearsal costs 2–3 s of CPU once, at start (a run
    /// queued meanwhile, such as the start-up run, waits for it). A replica on PostgreSQL rehearses the same way (into a throw-away SQLite file) before it takes chunks.
    /// On in the shipped appsettings.json: on the idle 2-core box the first run of 1,000,000 customers after a start went at
    /// 103,000–111,000 customers/s with it against 88,000–93,000 without (15.0–16.1 s of CPU against 18.3–19.2;
    /// tests/MlCustomer.Benchmarks/RESULTS.md). Off when not configured, so hosts that start often (the tests) skip it.
    /// </summary>
    public bool WarmUpRunOnStart { get; set; }

    /// <summary>Runs waiting for the worker at most; more are refused with 503.</summary>
    [Range(1, 1_000)]
    public int MaxQueuedRuns { get; set; } = 8;
}
