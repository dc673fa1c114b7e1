using System.Diagnostics;

namespace MlCustomer.Api.Limits;

/// <summary>
/// How long work waits in the thread pool's queue before it runs: the time every request spends between arriving
/// and reaching the first middleware when the machine is saturated.
/// </summary>
/// <remarks>
/// Why not the concurrency limiter alone: a request holds a concurrency permit only while its code runs, and scoring
/// one customer is a fraction of a millisecond of CPU, so under 2,600 connections the limiter saw a few dozen
/// requests at a time and never shed one while each waited seconds in the thread pool's queue before any middleware
/// ran (measured: 0 × 429, p99 5.5 s, also with 16 permits and a queue of 32). The queue delay is that wait, measured
/// directly: a probe queued every <see cref="ProbePeriod"/> stamps when it was queued and records how long it took
/// to run, the way a request's continuation waits. While a probe is still waiting, its age counts, so a backlog that
/// builds up is seen before the probe gets through it.
/// </remarks>
public class QueueDelay : IDisposable
{
    /// <summary>How often the queue is probed.</summary>
    public static readonly TimeSpan ProbePeriod = TimeSpan.FromMilliseconds(20);

    private readonly Timer timer;
    private long lastDelayTicks;
    // Stopwatch timestamp of the probe still waiting in the queue, or 0.
    private long pendingSince;

    /// <summary>Starts probing.</summary>
    public QueueDelay() => timer = new Timer(static state => ((QueueDelay)state!).Probe(), this, ProbePeriod, ProbePeriod);

    /// <summary>The delay of the last probe, or the age of the one still waiting if that is longer.</summary>
    /// <remarks>Virtual so the tests can stand in a saturated machine without saturating theirs.</remarks>
    public virtual TimeSpan Current
    {
        get
        {
            var delay = Volatile.Read(ref lastDelayTicks);
            var pending = Volatile.Read(ref pendingSince);
            if (pending != 0)
            {
                delay = Math.Max(delay, Stopwatch.GetTimestamp() - pending);
            }

            return Stopwatch.GetElapsedTime(0, delay);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops probing.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            timer.Dispose();
        }
    }

    private void Probe()
    {
        // One probe at a time: a backlog is measured by the age of the one in it, not by piling up more.
        if (Interlocked.CompareExchange(ref pendingSince, Stopwatch.GetTimestamp(), 0) != 0)
        {
            return;
        }

        // The global queue (preferLocal: false), where the sockets' completions and Kestrel's requests wait too.
        ThreadPool.UnsafeQueueUserWorkItem(static self =>
        {
            var queued = Volatile.Read(ref self.pendingSince);
            Volatile.Write(ref self.lastDelayTicks, Stopwatch.GetTimestamp() - queued);
            Volatile.Write(ref self.pendingSince, 0);
        }, this, preferLocal: false);
    }
}
