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

    /// <summary>The queued runs, in order, for the worker.</summary>
    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken cancellationToken) => runs.Reader.ReadAllAsync(cancellationToken);
}
