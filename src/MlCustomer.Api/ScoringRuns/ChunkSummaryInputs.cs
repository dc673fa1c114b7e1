using System.Text;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>What the end of a run needs of one decided customer: their target-candidate facts, pyramid facts and movement facts.</summary>
/// <param name="Facts">The target candidates' facts (id, action, segment, churn probability, predicted profit, value at risk, offer cost, tier, stage).</param>
/// <param name="PredictedTier">Tier of the predicted profit.</param>
/// <param name="ProfitLast365Days">Profit in the last 365 days.</param>
/// <param name="RevenueLast365Days">Revenue in the last 365 days.</param>
/// <param name="LossMaking">Negative profit in the last 365 days.</param>
/// <param name="FalseBigCustomer">Big by revenue, small by margin or tier.</param>
/// <param name="HorizonDays">The value horizon in days.</param>
internal readonly record struct DecidedCustomer(
    DecidedFacts Facts, ProfitTier PredictedTier, double ProfitLast365Days, double RevenueLast365Days, bool LossMaking, bool FalseBigCustomer, int HorizonDays)
{
    public static DecidedCustomer Of(CustomerDecision decision) => new(
        new DecidedFacts(decision.CustomerId, decision.PaidOffer, decision.Action, decision.Segment, decision.ChurnProbability, decision.PredictedProfit,
            decision.ValueAtRisk, decision.OfferCost, decision.Tier, decision.Stage),
        decision.PredictedTier, decision.ProfitLast365Days, decision.RevenueLast365Days, decision.LossMaking, decision.FalseBigCustomer, decision.HorizonDays);

    /// <summary>The same as <see cref="TierMember.Of"/> of the decision.</summary>
    public TierMember Member => new(Facts.Tier, ProfitLast365Days, RevenueLast365Days, Facts.ChurnProbability, LossMaking, FalseBigCustomer);

    /// <summary>The same as <see cref="MovementFacts.Of"/> of the decision.</summary>
    public MovementFacts Movement => new(Facts.CustomerId, Facts.Tier, PredictedTier, Facts.Stage, ProfitLast365Days, Facts.PredictedProfit, HorizonDays);
}

/// <summary>
/// The summary inputs of one chunk of a run, in customer order: every customer's churn probability and predicted profit
/// (the outputs' drift) and the decided customers' facts (pyramid, target candidates, movement). On PostgreSQL the replica
/// that scored the chunk stores them with it (<see cref="ToBytes"/>, ~60 bytes a customer), so the run's holder builds the
/// run's summaries from every chunk's inputs, in chunk order, without reading any customer row back: exactly the lists a
/// single process keeps as it scores (the doubles are stored bit for bit).
/// </summary>
internal sealed class ChunkSummaryInputs
{
    // Format 1; a reader refuses any other (a chunk of a newer replica's format makes the holder read the rows back instead).
    private const byte Format = 1;

    private const byte LossMakingFlag = 1;
    private const byte FalseBigFlag = 2;
    private const byte PaidOfferFlag = 4;

    private ChunkSummaryInputs(double[] churnProbabilities, double[] predictedProfits, DecidedCustomer[] decided)
    {
        ChurnProbabilities = churnProbabilities;
        PredictedProfits = predictedProfits;
        Decided = decided;
    }

    /// <summary>Every customer's churn probability, in customer order.</summary>
    public double[] ChurnProbabilities { get; }

    /// <summary>Every customer's predicted gross profit (NaN without one), in customer order.</summary>
    public double[] PredictedProfits { get; }

    /// <summary>The decided customers, in customer order.</summary>
    public DecidedCustomer[] Decided { get; }

    /// <summary>The inputs of a scored chunk (its scores and their decisions, null where none was made).</summary>
    public static ChunkSummaryInputs Of(IReadOnlyList<CustomerScore> scores, CustomerDecision?[] decisions)
    {
        var churn = new double[scores.Count];
        var profits = new double[scores.Count];
        var decided = new List<DecidedCustomer>(scores.Count);
        for (var i = 0; i < scores.Count; i++)
        {
            churn[i] = scores[i].ChurnProbability;
            profits[i] = scores[i].PredictedGrossProfit ?? double.NaN;
            if (decisions[i] is { } decision)
            {
                decided.Add(DecidedCustomer.Of(decision));
            }
        }

        return new ChunkSummaryInputs(churn, profits, [.. decided]);
    }

    /// <summary>
    /// The binary form: the format, the customers' churn probabilities and predicted profits (8 bytes each, bit for bit), the
    /// chunk's action and segment names, then per decided customer the id (the length shared with the previous id, then the
    /// rest: ids are in order), flags, tier, predicted tier, stage, action and segment by position, the amounts and the horizon.
    /// </summary>
    public byte[] ToBytes()
    {
        var actions = new Dictionary<string, int>(StringComparer.Ordinal);
        var segments = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in Decided)
        {
            actions.TryAdd(d.Facts.Action, actions.Count);
            if (d.Facts.Segment is { } segment)
            {
                segments.TryAdd(segment, segments.Count);
            }
        }

        using var stream = new MemoryStream((ChurnProbabilities.Length * 16) + (Decided.Length * 56) + 64);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Format);
            writer.Write7BitEncodedInt(ChurnProbabilities.Length);
            foreach (var value in ChurnProbabilities)
            {
                writer.Write(value);
            }

            foreach (var value in PredictedProfits)
            {
                writer.Write(value);
            }

            foreach (var names in new[] { actions, segments })
            {
                writer.Write7BitEncodedInt(names.Count);
                foreach (var name in names.OrderBy(n => n.Value).Select(n => n.Key))
                {
                    writer.Write(name);
                }
            }

            writer.Write7BitEncodedInt(Decided.Length);
            var previousId = "";
            foreach (var d in Decided)
            {
                var f = d.Facts;
                var shared = SharedPrefix(previousId, f.CustomerId);
                writer.Write7BitEncodedInt(shared);
                writer.Write(f.CustomerId[shared..]);
                previousId = f.CustomerId;
                var flags = (byte)((d.LossMaking ? LossMakingFlag : 0) | (d.FalseBigCustomer ? FalseBigFlag : 0) | (f.PaidOffer ? PaidOfferFlag : 0));
                writer.Write(flags);
                writer.Write((byte)f.Tier);
                writer.Write((byte)d.PredictedTier);
                writer.Write((byte)f.Stage);
                writer.Write7BitEncodedInt(actions[f.Action]);
                writer.Write7BitEncodedInt(f.Segment is null ? 0 : segments[f.Segment] + 1);
                writer.Write(d.ProfitLast365Days);
                writer.Write(d.RevenueLast365Days);
                writer.Write(f.ChurnProbability);
                writer.Write(f.PredictedProfit);
                writer.Write7BitEncodedInt(d.HorizonDays);
                if (f.PaidOffer)
                {
                    writer.Write(f.ValueAtRisk);
                    writer.Write(f.OfferCost);
                }
            }
        }

        return stream.ToArray();
    }

    /// <summary>The inputs stored by <see cref="ToBytes"/>; null for a format this replica does not know.</summary>
    /// <exception cref="InvalidDataException">The bytes are not whole inputs.</exception>
    public static ChunkSummaryInputs? FromBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0 || bytes[0] != Format)
        {
            return null;
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 1, bytes.Length - 1, writable: false), Encoding.UTF8);
            var customers = reader.Read7BitEncodedInt();
            var churn = ReadDoubles(reader, customers);
            var profits = ReadDoubles(reader, customers);
            var actions = ReadNames(reader);
            var segments = ReadNames(reader);
            var decided = new DecidedCustomer[reader.Read7BitEncodedInt()];
            var previousId = "";
            for (var i = 0; i < decided.Length; i++)
            {
                var shared = reader.Read7BitEncodedInt();
                var id = string.Concat(previousId.AsSpan(0, shared), reader.ReadString());
                previousId = id;
                var flags = reader.ReadByte();
                var tier = (ProfitTier)reader.ReadByte();
                var predictedTier = (ProfitTier)reader.ReadByte();
                var stage = (LifecycleStage)reader.ReadByte();
                var action = actions[reader.Read7BitEncodedInt()];
                var segment = reader.Read7BitEncodedInt() is var s && s == 0 ? null : segments[s - 1];
                var profit365 = reader.ReadDouble();
                var revenue365 = reader.ReadDouble();
                var churnProbability = reader.ReadDouble();
                var predictedProfit = reader.ReadDouble();
                var horizonDays = reader.Read7BitEncodedInt();
                var paid = (flags & PaidOfferFlag) != 0;
                var (valueAtRisk, offerCost) = paid ? (reader.ReadDouble(), reader.ReadDouble()) : (0.0, 0.0);
                decided[i] = new DecidedCustomer(
                    new DecidedFacts(id, paid, action, segment, churnProbability, predictedProfit, valueAtRisk, offerCost, tier, stage),
                    predictedTier, profit365, revenue365, (flags & LossMakingFlag) != 0, (flags & FalseBigFlag) != 0, horizonDays);
            }

            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new InvalidDataException($"A chunk's summary inputs hold {reader.BaseStream.Length - reader.BaseStream.Position} bytes past their end.");
            }

            return new ChunkSummaryInputs(churn, profits, decided);
        }
        catch (Exception e) when (e is EndOfStreamException or IndexOutOfRangeException or ArgumentOutOfRangeException or FormatException)
        {
            throw new InvalidDataException($"A chunk's summary inputs are cut short or damaged: {e.Message}", e);
        }

        static double[] ReadDoubles(BinaryReader reader, int count)
        {
            var values = new double[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = reader.ReadDouble();
            }

            return values;
        }

        static string[] ReadNames(BinaryReader reader)
        {
            var names = new string[reader.Read7BitEncodedInt()];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = reader.ReadString();
            }

            return names;
        }
    }

    private static int SharedPrefix(string previous, string id)
    {
        var n = Math.Min(previous.Length, id.Length);
        var i = 0;
        while (i < n && previous[i] == id[i])
        {
            i++;
        }

        // Never split a surrogate pair between the shared part and the rest.
        return i > 0 && char.IsHighSurrogate(id[i - 1]) ? i - 1 : i;
    }
}
