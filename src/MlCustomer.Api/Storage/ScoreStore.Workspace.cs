using System.Collections.Concurrent;
using System.Text.Json;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Storage;

/// <summary>One customer found by an id search: their scores and the decision the run made, rebuilt as every view rebuilds it.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">Calibrated churn probability.</param>
/// <param name="SegmentName">Segment name, if any.</param>
/// <param name="Decision">The rule decision, if the run made one.</param>
public sealed record CustomerMatch(string CustomerId, double ChurnProbability, string? SegmentName, CustomerDecision? Decision);

/// <summary>The movement between two runs without its customers: how many, per category, and the tier migration matrix.</summary>
/// <param name="Customers">Every customer at either date.</param>
/// <param name="Counts">Customers per category.</param>
/// <param name="Migration">The 16 cells of the migration matrix.</param>
public sealed record MovementSummary(int Customers, IReadOnlyList<MovementCount> Counts, IReadOnlyList<TierMigrationCell> Migration)
{
    /// <summary>The summary of a comparison.</summary>
    public static MovementSummary Of(TierMovementReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new(report.Customers.Count, report.Counts, report.Migration);
    }
}

/// <summary>What the workspace's lists read: id searches and a whole run's decisions.</summary>
public sealed partial class ScoreStore
{
    // Movement between two runs merges their stored movement facts (~1 s per million customers): the two pairs asked for
    // lately are kept (runs never change once stored; an erasure drops them), so paging through a category's list reads memory.
    private readonly ConcurrentDictionary<(string From, string To), Lazy<Task<TierMovementReport>>> movements = new();

    // Above every character a customer id can continue with: "12" ≤ id < "12" + this finds the ids that start with "12"
    // through the primary key's order (SQLite compares text bytewise; U+10FFFF is the largest UTF-8 sequence).
    private const string AfterEveryCharacter = "\U0010FFFF";

    /// <summary>
    /// The customers of <paramref name="run"/> whose id starts with <paramref name="prefix"/> (ordinal, case-sensitive, as ids
    /// are stored), in id order, skipping <paramref name="skip"/> and returning at most <paramref name="take"/>: a range read of
    /// the primary key, so a page costs the same at a thousand customers as at a million.
    /// </summary>
    public async Task<IReadOnlyList<CustomerMatch>> SearchCustomersAsync(ScoringRun run, string prefix, int skip, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(prefix);
        await using var connection = await OpenAsync(cancellationToken);
        var found = new List<CustomerMatch>(take);
        if (run.ScoreKey is { } key)
        {
            var context = Context(run.Id, (string)(await ScalarAsync(connection, "SELECT decision_context FROM scoring_runs WHERE id = @id", [("@id", run.Id)], cancellationToken)
                ?? throw new InvalidOperationException($"Scoring run {run.Id} kept no decision context.")));
            await using var command = Command(connection, null, """
                SELECT customer_id, churn_probability, segment_id, predicted_gross_profit, facts FROM customer_scores
                WHERE score_key = @key AND customer_id >= @from AND customer_id < @to
                ORDER BY customer_id LIMIT @take OFFSET @skip
                """, [("@key", key), ("@from", prefix), ("@to", prefix + AfterEveryCharacter), ("@take", take), ("@skip", skip)]);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                var churn = reader.GetDouble(1);
                var segment = reader.IsDBNull(2) ? null : context.SegmentNames.GetValueOrDefault(reader.GetInt32(2));
                found.Add(new CustomerMatch(id, churn, segment,
                    context.Decide(id, churn, reader.IsDBNull(3) ? null : reader.GetDouble(3), segment, reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4))));
            }
        }
        else
        {
            await using var command = Command(connection, null, $"""
                SELECT {ScoreColumns}
                FROM stored_scores s JOIN scoring_runs r ON r.id = s.run_id
                WHERE s.run_id = @run AND s.customer_id >= @from AND s.customer_id < @to
                ORDER BY s.customer_id LIMIT @take OFFSET @skip
                """, [("@run", run.Id), ("@from", prefix), ("@to", prefix + AfterEveryCharacter), ("@take", take), ("@skip", skip)]);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var score = ReadScore(reader);
                found.Add(new CustomerMatch(score.CustomerId, score.ChurnProbability, score.SegmentName, score.Decision?.ToCustomerDecision(score)));
            }
        }

        return found;
    }

    /// <summary>Every decision <paramref name="run"/> made, by customer id, rebuilt from the stored facts (both cores) or read from a run stored before migration 7.</summary>
    public async Task<IReadOnlyDictionary<string, CustomerDecision>> GetAllDecisionsAsync(ScoringRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ScoreKey is not { } key)
        {
            return (await GetLegacyDecisionsAsync(run.Id, cancellationToken)).ToDictionary(d => d.CustomerId, StringComparer.Ordinal);
        }

        await using var connection = await OpenAsync(cancellationToken);
        var context = Context(run.Id, (string)(await ScalarAsync(connection, "SELECT decision_context FROM scoring_runs WHERE id = @id", [("@id", run.Id)], cancellationToken)
            ?? throw new InvalidOperationException($"Scoring run {run.Id} kept no decision context.")));
        var rows = new List<(string Id, double Churn, string? Segment, double? Profit, byte[] Facts)>();
        await using (var command = Command(connection, null,
            "SELECT customer_id, churn_probability, segment_id, predicted_gross_profit, facts FROM customer_scores WHERE score_key = @key AND facts IS NOT NULL",
            [("@key", key)]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetDouble(1), reader.IsDBNull(2) ? null : context.SegmentNames.GetValueOrDefault(reader.GetInt32(2)),
                    reader.IsDBNull(3) ? null : reader.GetDouble(3), (byte[])reader.GetValue(4)));
            }
        }

        var decided = new CustomerDecision?[rows.Count];
        Parallel.For(0, rows.Count, i => decided[i] = context.Decide(rows[i].Id, rows[i].Churn, rows[i].Profit, rows[i].Segment, rows[i].Facts));
        var byId = new Dictionary<string, CustomerDecision>(rows.Count, StringComparer.Ordinal);
        foreach (var decision in decided)
        {
            if (decision is not null)
            {
                byId[decision.CustomerId] = decision;
            }
        }

        return byId;
    }

    /// <summary>
    /// How the customers moved from run <paramref name="from"/> to run <paramref name="to"/> (Core's
    /// <see cref="TierMovement.Compare(IReadOnlyList{MovementFacts}, IReadOnlyList{MovementFacts})"/> on both runs' stored movement
    /// facts), computed once per pair and shared.
    /// </summary>
    public Task<TierMovementReport> GetMovementAsync(ScoringRun from, ScoringRun to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var key = (from.Id, to.Id);
        foreach (var other in movements.Keys.Where(k => k != key).Skip(1).ToList())
        {
            movements.TryRemove(other, out _);
        }

        var lazy = movements.GetOrAdd(key, _ => new Lazy<Task<TierMovementReport>>(async () =>
            TierMovement.Compare(await GetMovementFactsAsync(from, CancellationToken.None), await GetMovementFactsAsync(to, CancellationToken.None))));
        var task = lazy.Value;
        if (task.IsFaulted)
        {
            // A failed comparison (e.g. a run pruned meanwhile) is not kept: the next call tries again.
            movements.TryRemove(key, out _);
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The matrix and category counts of the movement from run <paramref name="from"/> to run <paramref name="to"/>: the
    /// comparison in memory, else the summary stored when the pair was first compared (one row read after a restart), else
    /// the comparison made now (<see cref="GetMovementAsync"/>) and its summary stored.
    /// </summary>
    public async Task<MovementSummary> GetMovementSummaryAsync(ScoringRun from, ScoringRun to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (movements.TryGetValue((from.Id, to.Id), out var kept) && kept.IsValueCreated && kept.Value.IsCompletedSuccessfully)
        {
            return MovementSummary.Of(kept.Value.Result);
        }

        var parameters = new (string, object?)[] { ("@from", from.Id), ("@to", to.Id) };
        await using (var connection = await OpenAsync(cancellationToken))
        {
            if (await ScalarAsync(connection, "SELECT summary FROM run_movements WHERE from_run_id = @from AND to_run_id = @to", parameters, cancellationToken)
                is string json && JsonSerializer.Deserialize<MovementSummary>(json, SummaryJson) is { } stored)
            {
                return stored;
            }
        }

        var forgotten = Volatile.Read(ref movementsForgotten);
        var summary = MovementSummary.Of(await GetMovementAsync(from, to, cancellationToken));
        // Not stored when an erasure came in meanwhile: the comparison may count the erased customer.
        if (forgotten == Volatile.Read(ref movementsForgotten))
        {
            await using var connection = await OpenAsync(cancellationToken);
            await ExecuteAsync(connection, null, """
                INSERT INTO run_movements (from_run_id, to_run_id, summary) VALUES (@from, @to, @summary)
                ON CONFLICT (from_run_id, to_run_id) DO NOTHING
                """, [.. parameters, ("@summary", JsonSerializer.Serialize(summary, SummaryJson))], cancellationToken);
        }

        return summary;
    }

    private int movementsForgotten;

    private void ForgetMovements()
    {
        Interlocked.Increment(ref movementsForgotten);
        movements.Clear();
    }

    /// <summary>
    /// What movement compares of each customer in <paramref name="run"/>, in ordinal id order: the facts the run stored when it
    /// ended, or (runs stored before migration 8) rebuilt from its stored decisions.
    /// </summary>
    public async Task<IReadOnlyList<MovementFacts>> GetMovementFactsAsync(ScoringRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using (var connection = await OpenAsync(cancellationToken))
        {
            if (await ScalarAsync(connection, "SELECT facts FROM run_movement_facts WHERE run_id = @id", [("@id", run.Id)], cancellationToken) is byte[] stored)
            {
                return CompactEncoding.ReadMovementFacts(stored);
            }
        }

        return [.. (await GetAllDecisionsAsync(run, cancellationToken)).Values.Select(MovementFacts.Of).OrderBy(f => f.CustomerId, StringComparer.Ordinal)];
    }
}
