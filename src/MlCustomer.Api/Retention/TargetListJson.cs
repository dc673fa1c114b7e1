using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;

namespace MlCustomer.Api.Retention;

/// <summary>
/// The JSON target list of a plan chosen from stored candidates, written straight to the response: the same bytes as
/// <see cref="RetentionApi.Response"/> serialized by the API's JSON settings (tested byte for byte), at a fraction of
/// the CPU. What a target shows that no setting changes (its customer's numbers, tiers, rule reasons, interval and
/// outlook) is encoded once per run and kept (<see cref="TargetJsonCache"/>); per call only the offer cost, expected
/// return, expected saved profit and the reason in words are written, and the action's reason when another cost is
/// asked. The answer is flushed every <see cref="FlushBytes"/>, so a call holds a few buffers, not the whole list.
/// </summary>
public sealed class TargetListJson(TargetPlan plan, int offset, int? pageSize, string? nextCursor, ScoreStore store) : IResult
{
    /// <summary>Targets whose JSON is looked up (and whose decisions are read, when not kept) together.</summary>
    public const int BlockSize = 256;

    /// <summary>Bytes written before the response is flushed to the client.</summary>
    public const int FlushBytes = 64 * 1024;

    // Where the list's targets go in the serialized frame (the response around an empty list).
    private static ReadOnlySpan<byte> TargetsMarker => "\"targets\":[]"u8;

    /// <summary>Whether <paramref name="plan"/> can be written this way: a list chosen from a run's stored candidates.</summary>
    public static bool Fits(TargetPlan plan) =>
        plan.Candidates is not null && plan.Options is not null && plan.List.ChosenFromCandidates;

    /// <inheritdoc/>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var frame = JsonSerializer.SerializeToUtf8Bytes(RetentionApi.Frame(plan, [], nextCursor), json.GetTypeInfo(typeof(RetentionTargetsResponse)));
        var at = frame.AsSpan().IndexOf(TargetsMarker);
        if (at < 0)
        {
            throw new InvalidOperationException("The serialized target list has no empty targets array to fill.");
        }

        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        var body = response.BodyWriter;
        var cancellationToken = httpContext.RequestAborted;
        var headEnd = at + TargetsMarker.Length - 1;
        var writer = new TargetWriter(body, json, plan.Options!);
        writer.Put(frame.AsSpan(0, headEnd));

        var list = plan.List;
        var end = pageSize is { } size ? (int)Math.Min(list.Targets.Count, (long)offset + size) : list.Targets.Count;
        var cache = TargetJsonCache.For(plan.Candidates!, json);
        var ids = new string[BlockSize];
        for (var from = offset; from < end; from += BlockSize)
        {
            var count = Math.Min(BlockSize, end - from);
            for (var i = 0; i < count; i++)
            {
                ids[i] = list.CustomerIdAt(from + i);
            }

            var block = cache.Get(new ArraySegment<string>(ids, 0, count), store, plan.Run);
            for (var i = 0; i < count; i++)
            {
                writer.Write(block[i], first: from + i == offset);
                if (writer.Buffered >= FlushBytes)
                {
                    writer.Drain();
                    if ((await body.FlushAsync(cancellationToken)).IsCanceled || cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }
        }

        writer.Put(frame.AsSpan(headEnd));
        writer.Drain();
        await body.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Writes targets at the list's settings (the kept parts and the figures of this offer cost and save rate) straight
    /// into the response's memory, asked for in pieces of <see cref="FlushBytes"/> or more: the response's writer takes a
    /// lock for every piece of memory it hands out (4 KB unless more is asked for), contended by the socket that sends them.
    /// Its methods are compiled optimized at once: a list runs them thousands of times in its first call after a start.
    /// </summary>
    private sealed class TargetWriter(PipeWriter body, JsonSerializerOptions json, TargetOptions options)
    {
        private readonly JavaScriptEncoder encoder = json.Encoder ?? JavaScriptEncoder.Default;
        private Memory<byte> memory;

        /// <summary>Bytes written into the response's memory and not yet handed to it.</summary>
        public int Buffered { get; private set; }

        /// <summary>Writes one target (after a comma unless it is the first).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Write(TargetJson target, bool first)
        {
            if (!first)
            {
                Put(","u8);
            }

            var cost = options.CostOf(target.Action, target.Offer.OfferCost);
            var figures = RetentionTargets.Figures(target.Offer with { OfferCost = cost }, target.Offer.ProfitIfKept, options.SaveRate);
            var bytes = target.Bytes.AsSpan();
            Put(bytes[..target.OfferCostAt]);
            Number(cost);
            Put(",\"expectedReturn\":"u8);
            Number(figures.ExpectedReturn);
            Put(bytes[target.TierAt..target.SavedProfitAt]);
            Number(figures.ExpectedSavedProfit);
            Put(",\"reason\":"u8);
            Span<char> reason = stackalloc char[512];
            if (RetentionTarget.TryWriteReason(
                reason, out var length, figures.ExpectedReturn, target.Offer.ChurnProbability, options.SaveRate, target.Offer.ProfitIfKept, cost,
                target.ActionDescription, figures.BreakEvenProbability))
            {
                Text(reason[..length]);
            }
            else
            {
                Text(RetentionTarget.ReasonText(
                    figures.ExpectedReturn, target.Offer.ChurnProbability, options.SaveRate, target.Offer.ProfitIfKept, cost, target.ActionDescription,
                    figures.BreakEvenProbability));
            }
            Put(bytes[target.RuleReasonsAt..target.ActionReasonAt]);
            if (cost == target.Offer.OfferCost)
            {
                Put(bytes[target.ActionReasonAt..target.ActionReasonEnd]);
            }
            else
            {
                Text(CustomerDecision.ActionReasonWithOfferCost(target.ActionReason, target.Offer.OfferCost, cost));
            }

            Put(bytes[target.ActionReasonEnd..]);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Put(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(Free(bytes.Length));
            Buffered += bytes.Length;
        }

        /// <summary>Hands what is written to the response (not flushed: the caller flushes).</summary>
        public void Drain()
        {
            if (Buffered > 0)
            {
                body.Advance(Buffered);
            }

            (memory, Buffered) = (default, 0);
        }

        // At least this much of the response's memory, after what is written.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private Span<byte> Free(int atLeast)
        {
            if (memory.Length - Buffered < atLeast)
            {
                Drain();
                memory = body.GetMemory(Math.Max(2 * FlushBytes, atLeast));
            }

            return memory.Span[Buffered..];
        }

        // As Utf8JsonWriter writes a double (the shortest text that reads back the same); the named literals as the
        // API's number handling writes them, should a figure ever not be finite.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Number(double value)
        {
            if (!double.IsFinite(value))
            {
                Put(JsonSerializer.SerializeToUtf8Bytes(value, json.GetTypeInfo(typeof(double))));
                return;
            }

            if (!Utf8Formatter.TryFormat(value, Free(32), out var written))
            {
                throw new InvalidOperationException($"{value} did not fit 32 bytes.");
            }

            Buffered += written;
        }

        // As Utf8JsonWriter writes a string: its UTF-8 as it is when the encoder escapes none of it (the usual case), else escaped.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Text(ReadOnlySpan<char> value)
        {
            Put("\""u8);
            var free = Free(Encoding.UTF8.GetMaxByteCount(value.Length));
            if (Utf8.FromUtf16(value, free, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done
                && encoder.FindFirstCharacterToEncodeUtf8(free[..written]) < 0)
            {
                Buffered += written;
            }
            else
            {
                Put(JsonEncodedText.Encode(value, encoder).EncodedUtf8Bytes);
            }

            Put("\""u8);
        }
    }
}

/// <summary>
/// One target's JSON as the API's serializer writes a <see cref="TargetResult"/> at the customer's own offer cost, with
/// where the parts that a list's settings change begin and end, and the numbers those parts are written from.
/// </summary>
internal sealed class TargetJson
{
    /// <summary>The serialized target.</summary>
    public required byte[] Bytes { get; init; }

    /// <summary>Where the offer cost's value starts (after <c>"offerCost":</c>).</summary>
    public required int OfferCostAt { get; init; }

    /// <summary>Where <c>,"tier":</c> starts: from here to <see cref="SavedProfitAt"/> nothing changes.</summary>
    public required int TierAt { get; init; }

    /// <summary>Where the expected saved profit's value starts (after <c>"expectedSavedProfit":</c>).</summary>
    public required int SavedProfitAt { get; init; }

    /// <summary>Where <c>,"ruleReasons":[</c> starts.</summary>
    public required int RuleReasonsAt { get; init; }

    /// <summary>Where the action's reason starts (its opening quote).</summary>
    public required int ActionReasonAt { get; init; }

    /// <summary>Just after the action's reason (its closing quote).</summary>
    public required int ActionReasonEnd { get; init; }

    /// <summary>The customer's offer case at the action's own cost.</summary>
    public required OfferCase Offer { get; init; }

    /// <summary>The action key.</summary>
    public required string Action { get; init; }

    /// <summary>The action in words.</summary>
    public required string ActionDescription { get; init; }

    /// <summary>The action's reason at the action's own cost.</summary>
    public required string ActionReason { get; init; }

    /// <summary>What it holds in memory, roughly: its bytes and its strings.</summary>
    public long Size => Bytes.Length + 2L * (ActionReason.Length + ActionDescription.Length) + 200;

    /// <summary>The JSON of a target from its decision and stored value, cut where a list's settings change it.</summary>
    /// <exception cref="InvalidOperationException">The serialized target is not laid out as expected (a property added or renamed).</exception>
    public static TargetJson From(CustomerDecision decision, StoredValue? value, JsonSerializerOptions json)
    {
        // The target at the action's own cost; the figures and the reason written here are replaced by each list's own.
        var target = new RetentionTarget(decision, decision.OfferCost, 0, 0, 0, 0);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(RetentionApi.ResultOf(target, value), json.GetTypeInfo(typeof(TargetResult)));
        var span = bytes.AsSpan();
        var offerCostAt = After(span, ",\"offerCost\":"u8, 0);
        var tierAt = Find(span, ",\"tier\":"u8, offerCostAt);
        var savedProfitAt = After(span, ",\"expectedSavedProfit\":"u8, tierAt);
        var ruleReasonsAt = Find(span, ",\"ruleReasons\":["u8, savedProfitAt);

        // The reasons one by one as the serializer escapes them (checked against the bytes), to find the action's.
        var encoder = json.Encoder;
        var at = ruleReasonsAt + ",\"ruleReasons\":["u8.Length;
        var (actionAt, actionEnd, actionReason) = (-1, -1, "");
        for (var i = 0; i < decision.Reasons.Count; i++)
        {
            var reason = decision.Reasons[i];
            if (i > 0)
            {
                at = Expect(span, ","u8, at);
            }

            var start = at;
            at = Expect(span, "\""u8, at);
            at = Expect(span, JsonEncodedText.Encode(reason.Text, encoder).EncodedUtf8Bytes, at);
            at = Expect(span, "\""u8, at);
            if (reason.Rule == DecisionRules.Action)
            {
                (actionAt, actionEnd, actionReason) = (start, at, reason.Text);
            }
        }

        Expect(span, "],\"predictedGrossProfit\":"u8, at);
        if (actionAt < 0)
        {
            throw new InvalidOperationException($"The decision of customer {decision.CustomerId} has no action reason.");
        }

        return new TargetJson
        {
            Bytes = bytes,
            OfferCostAt = offerCostAt,
            TierAt = tierAt,
            SavedProfitAt = savedProfitAt,
            RuleReasonsAt = ruleReasonsAt,
            ActionReasonAt = actionAt,
            ActionReasonEnd = actionEnd,
            Offer = RetentionTargets.Case(decision),
            Action = decision.Action,
            ActionDescription = decision.ActionDescription,
            ActionReason = actionReason,
        };
    }

    // A property name cannot occur inside a JSON string (a quote there is escaped), so its first occurrence is the property.
    private static int Find(ReadOnlySpan<byte> json, ReadOnlySpan<byte> marker, int from)
    {
        var at = json[from..].IndexOf(marker);
        return at >= 0
            ? from + at
            : throw new InvalidOperationException($"The serialized target has no {System.Text.Encoding.UTF8.GetString(marker)} where expected.");
    }

    private static int After(ReadOnlySpan<byte> json, ReadOnlySpan<byte> marker, int from) => Find(json, marker, from) + marker.Length;

    private static int Expect(ReadOnlySpan<byte> json, ReadOnlySpan<byte> expected, int at) =>
        json[at..].StartsWith(expected)
            ? at + expected.Length
            : throw new InvalidOperationException($"The serialized target's rule reasons are not where expected (at byte {at}).");
}

/// <summary>
/// The targets' JSON of the current run's candidates, by customer: a target list for any settings reads from here the
/// customers it has shown before, and reads (and encodes) only the others from the store. One run's candidates at a
/// time, keyed by the candidates object itself (like <see cref="TargetListCache"/>), so a new run or an erasure (which
/// replaces the candidates) starts afresh and never shows what was read before it.
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxBytes"/> (~1.5 KB a target: ~40,000 targets, the top of every list asked for), after
/// which it starts empty again; a list longer than that is written as it is read, like the first time.
/// </remarks>
internal sealed class TargetJsonCache(TargetCandidates candidates, JsonSerializerOptions json)
{
    /// <summary>The most memory the kept targets take.</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    private static TargetJsonCache? current;

    private readonly ConcurrentDictionary<string, TargetJson> targets = new(StringComparer.Ordinal);
    private long bytes;

    /// <summary>The cache of <paramref name="candidates"/> (a fresh one when they are not the last asked for).</summary>
    public static TargetJsonCache For(TargetCandidates candidates, JsonSerializerOptions json)
    {
        var last = Volatile.Read(ref current);
        if (last is not null && ReferenceEquals(last.Candidates, candidates) && ReferenceEquals(last.Json, json))
        {
            return last;
        }

        var fresh = new TargetJsonCache(candidates, json);
        Volatile.Write(ref current, fresh);
        return fresh;
    }

    private TargetCandidates Candidates { get; } = candidates;

    private JsonSerializerOptions Json { get; } = json;

    /// <summary>The kept bytes, roughly.</summary>
    public long Bytes => Interlocked.Read(ref bytes);

    /// <summary>The JSON of <paramref name="customerIds"/> in the order asked, reading the decisions of those not kept.</summary>
    /// <exception cref="InvalidOperationException">The run holds no decision for one of them.</exception>
    public TargetJson[] Get(IReadOnlyList<string> customerIds, ScoreStore store, ScoringRun run)
    {
        var found = new TargetJson[customerIds.Count];
        List<string>? missing = null;
        for (var i = 0; i < found.Length; i++)
        {
            if (targets.TryGetValue(customerIds[i], out var target))
            {
                found[i] = target;
            }
            else
            {
                (missing ??= []).Add(customerIds[i]);
            }
        }

        if (missing is null)
        {
            return found;
        }

        var values = new ConcurrentDictionary<string, StoredValue>(StringComparer.Ordinal);
        var read = store.GetDecisions(run, missing, values).ToDictionary(d => d.CustomerId, StringComparer.Ordinal);
        for (var i = 0; i < found.Length; i++)
        {
            if (found[i] is not null)
            {
                continue;
            }

            var decision = read.GetValueOrDefault(customerIds[i])
                ?? throw new InvalidOperationException($"Scoring run {run.Id} holds no decision for customer {customerIds[i]}, who is on its target list.");
            found[i] = TargetJson.From(decision, values.GetValueOrDefault(decision.CustomerId), Json);
            Keep(found[i], decision.CustomerId);
        }

        return found;
    }

    private void Keep(TargetJson target, string customerId)
    {
        if (Interlocked.Add(ref bytes, target.Size) > MaxBytes)
        {
            // Full: start again rather than track which targets were shown last (the top of a list is asked again soon).
            targets.Clear();
            Interlocked.Exchange(ref bytes, target.Size);
        }

        targets.TryAdd(customerId, target);
    }
}
