using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Limits;

/// <summary>Rate, concurrency, body size and time limits: named defaults, no logic.</summary>
public sealed class LimitOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "MlCustomer:Limits";

    /// <summary>Requests one API key may make in a burst (token bucket size).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerKeyBurst { get; set; } = 4_000;

    /// <summary>Requests one API key may make per second, sustained (tokens added per second).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerKeyPerSecond { get; set; } = 4_000;

    /// <summary>
    /// Requests processed at the same time over all keys; more wait in the queue. What holds a slot for long is
    /// waiting (a CSV stream, the database), since a scoring request's CPU is well under a millisecond.
    /// </summary>
    [Range(1, 100_000)]
    public int ConcurrentRequests { get; set; } = 64;

    /// <summary>Requests that may wait for a free slot; beyond this they get 503 with Retry-After.</summary>
    [Range(0, 100_000)]
    public int QueuedRequests { get; set; } = 128;

    /// <summary>
    /// The longest work may wait in the thread pool's queue before new requests are refused with 503 and
    /// Retry-After (the machine is saturated: what is accepted then waits at least this long before it runs).
    /// 0 turns this off.
    /// </summary>
    [Range(0, 60_000)]
    public int MaxQueueDelayMilliseconds { get; set; } = 100;

    /// <summary>Seconds a refused client is told to wait (Retry-After) when the service is overloaded.</summary>
    [Range(1, 3_600)]
    public int OverloadRetryAfterSeconds { get; set; } = 1;

    /// <summary>Largest body of <c>POST /scores</c> (one to 1,000 customers, with history).</summary>
    [Range(1_024, long.MaxValue)]
    public long ScoresBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest body of the small admin requests (reload, scoring run).</summary>
    [Range(256, long.MaxValue)]
    public long AdminBodyBytes { get; set; } = 16 * 1024;

    /// <summary>Largest body of <c>POST /scores/csv</c>.</summary>
    [Range(1_024, long.MaxValue)]
    public long CsvBodyBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Time a JSON request may take before it is answered 504.</summary>
    [Range(1, 3_600)]
    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>Time a CSV request may take (a million rows take tens of seconds).</summary>
    [Range(1, 86_400)]
    public int CsvTimeoutSeconds { get; set; } = 1_800;
}
