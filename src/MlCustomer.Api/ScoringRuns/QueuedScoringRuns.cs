using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>Run ids waiting for the <see cref="ScoringRunWorker"/>.</summary>
public sealed class QueuedScoringRuns(IOptions<DataOptions> options)
{
    private readonly Channel<string> runs = Channel.CreateBounded<string>(
        new BoundedChannelOptions(options.Value.MaxQueuedRuns) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Queues a run; false when the queue is full.</summary>
    public bool TryEnqueue(string runId) => runs.Writer.TryWrite(runId);

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for a run queued on this replica and takes it off the queue (replicas sharing a
    /// PostgreSQL store claim runs from the database: a local request only wakes this replica's worker up sooner).
    /// </summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            if (await runs.Reader.WaitToReadAsync(wait.Token))
            {
                while (runs.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed with nothing queued here: the caller looks in the database anyway.
        }
    }

    /// <summary>The queued runs, in order, for the worker.</summary>
    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken cancellationToken) => runs.Reader.ReadAllAsync(cancellationToken);
}
