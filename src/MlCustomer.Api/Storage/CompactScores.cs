using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Features;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Storage;

/// <summary>
/// What a scoring run keeps once to rebuild every stored customer's reasons and rule decision: the names its reasons
/// point at, its segments' names, the value horizon, and the rules and tier cut-offs it decided with. A stored
/// decision is the same Core function (<see cref="CustomerDecision.Decide"/>) on the same facts with the same rules,
/// so it reads exactly as it was decided, words included, without storing ~1 KB of words per customer.
/// </summary>
public sealed record DecisionContext
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private RuleSet? rules;

    /// <summary>The value horizon of the predicted profit, in days.</summary>
    public required int ValueHorizonDays { get; init; }

    /// <summary>The rules as <see cref="RuleSet.ToJson"/> wrote them; null when the bundle makes no decisions.</summary>
    public string? RulesJson { get; init; }

    /// <summary>The bundle's tier cut-offs; null when the bundle makes no decisions.</summary>
    public TierCutoffs? TierCutoffs { get; init; }

    /// <summary>Feature names the stored reasons point at by position.</summary>
    public required IReadOnlyList<string> ReasonFeatures { get; init; }

    /// <summary>Segment names by id.</summary>
    public required IReadOnlyDictionary<int, string> SegmentNames { get; init; }

    /// <summary>The currency amounts are in (the bundle's).</summary>
    public string? Currency { get; init; }

    /// <summary>The churn explanations' baseline (TreeSHAP); null when the run's reasons do not add up.</summary>
    public double? ChurnBaseline { get; init; }

    /// <summary>The value explanations' baseline (TreeSHAP); null when the run's reasons do not add up.</summary>
    public double? ValueBaseline { get; init; }

    /// <summary>The revenue explanations' baseline (TreeSHAP); null when the run stored no revenue reasons.</summary>
    public double? RevenueBaseline { get; init; }

    /// <summary>The context as stored.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A stored context.</summary>
    public static DecisionContext FromJson(string json) =>
        JsonSerializer.Deserialize<DecisionContext>(json, Json) ?? throw new InvalidOperationException("A scoring run's decision context is empty.");

    /// <summary>The customer's decision rebuilt from the stored facts and scores, or null when the run made none.</summary>
    public CustomerDecision? Decide(string customerId, double churnProbability, double? predictedGrossProfit, string? segment, byte[]? facts)
    {
        if (facts is null || RulesJson is null || TierCutoffs is null)
        {
            return null;
        }

        rules ??= RuleSet.FromJson(RulesJson, "a scoring run's stored rules");
        var f = CompactEncoding.ReadFacts(facts);
        return CustomerDecision.Decide(
            new CustomerFacts
            {
                CustomerId = customerId,
                GrossProfitLast365Days = f[0],
                CostToServeLast365Days = f[1],
                RevenueLast365Days = f[2],
                MarginRate = f[3],
                RecencyDays = f[4],
                MeanDaysBetweenPurchases = f[5],
                TenureDays = f[6],
                PurchaseDays = f[7],
                ChurnProbability = churnProbability,
                PredictedGrossProfit = predictedGrossProfit ?? 0,
                HorizonDays = ValueHorizonDays,
                Segment = segment,
            },
            TierCutoffs,
            rules);
    }
}

/// <summary>One customer's scores from one run, as written to <c>customer_scores</c>.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="ChurnProbability">Calibrated churn probability.</param>
/// <param name="RiskBand">low, medium or high.</param>
/// <param name="SegmentId">Segment id, if any.</param>
/// <param name="PredictedGrossProfit">The value model's predicted gross profit, if any.</param>
/// <param name="PredictedRevenue">Predicted revenue, if any.</param>
/// <param name="Reasons">The model reasons, encoded (<see cref="CompactEncoding.WriteReasons"/>).</param>
/// <param name="Facts">What the rules decided on, encoded (<see cref="CompactEncoding.WriteFacts(CustomerFeatures)"/>); null without decisions.</param>
/// <param name="GrossProfitInterval">The 80% interval of the predicted gross profit as the scorer served it; null without one.</param>
/// <param name="RevenueInterval">The 80% interval of the predicted revenue as the scorer served it; null without one.</param>
public readonly record struct CompactScore(
    string CustomerId, double ChurnProbability, string RiskBand, int? SegmentId, double? PredictedGrossProfit, double? PredictedRevenue, byte[] Reasons, byte[]? Facts,
    ValueInterval? GrossProfitInterval = null, ValueInterval? RevenueInterval = null);

/// <summary>One customer's scores and decision as read back, from either storage format.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="RunId">The run that stored them.</param>
/// <param name="ScoredAt">When that run finished.</param>
/// <param name="ModelVersion">The bundle that scored them.</param>
/// <param name="AsOfDate">The as-of date of the features.</param>
/// <param name="ChurnProbability">Calibrated churn probability.</param>
/// <param name="RiskBand">low, medium or high.</param>
/// <param name="SegmentId">Segment id.</param>
/// <param name="SegmentName">Segment name.</param>
/// <param name="PredictedGrossProfit">Predicted gross profit.</param>
/// <param name="PredictedRevenue">Predicted revenue.</param>
/// <param name="ChurnReasons">Top churn reasons.</param>
/// <param name="ValueReasons">Top value reasons.</param>
/// <param name="Decision">The rule decision, if the run made one.</param>
/// <param name="History">The recent history the rules read (the stored facts); null for runs stored before migration 7 and runs without decisions.</param>
public sealed record StoredCustomer(
    string CustomerId, string RunId, DateTimeOffset? ScoredAt, string ModelVersion, DateOnly AsOfDate, double ChurnProbability, string RiskBand,
    int? SegmentId, string? SegmentName, double? PredictedGrossProfit, double? PredictedRevenue, IReadOnlyList<Reason> ChurnReasons,
    IReadOnlyList<Reason> ValueReasons, CustomerDecision? Decision, Customers.CustomerRecentHistory? History = null)
{
    /// <summary>The currency amounts are in.</summary>
    public string Currency { get; init; } = Currencies.Unknown;

    /// <summary>The 80% interval of the predicted gross profit as the run stored it; null for runs before migration 9 and bundles without intervals.</summary>
    public ValueInterval? GrossProfitInterval { get; init; }

    /// <summary>The 80% interval of the predicted revenue as the run stored it; null as <see cref="GrossProfitInterval"/>.</summary>
    public ValueInterval? RevenueInterval { get; init; }

    /// <summary>The churn explanation's baseline and all-other effect, when the run's reasons are TreeSHAP's.</summary>
    public ExplanationTotals? ChurnTotals { get; init; }

    /// <summary>The value explanation's baseline and all-other effect, when the run's reasons are TreeSHAP's.</summary>
    public ExplanationTotals? ValueTotals { get; init; }

    /// <summary>Top revenue reasons; empty for runs stored before they were kept, and without a revenue model or its covers.</summary>
    public IReadOnlyList<Reason> RevenueReasons { get; init; } = [];

    /// <summary>The revenue explanation's baseline and all-other effect, when the run stored revenue reasons.</summary>
    public ExplanationTotals? RevenueTotals { get; init; }

    /// <summary>The totals of an additive explanation: what the shown reasons leave of prediction − baseline.</summary>
    public static ExplanationTotals? Totals(double? baseline, double? prediction, IReadOnlyList<Reason> reasons) =>
        baseline is { } b && prediction is { } p ? new ExplanationTotals(b, p - b - reasons.Sum(r => r.Contribution)) : null;
}

/// <summary>What a target list row shows of a stored customer beside their decision.</summary>
/// <param name="GrossProfitInterval">The 80% interval of the predicted gross profit as the run stored it; null without one.</param>
/// <param name="Currency">The currency of the run's amounts.</param>
public sealed record StoredValue(ValueInterval? GrossProfitInterval, string Currency = Currencies.Unknown);

/// <summary>
/// The binary forms of the compact columns. Reasons, as written since the PostgreSQL store's size work (format 2): per model
/// a count byte (0x40 set on the first: format 2; 0x80: with the customer's values), then per reason the feature's position
/// in the run's <see cref="DecisionContext.ReasonFeatures"/> (a LEB128 varint: one byte below 128 names), the contribution
/// as a 4-byte float, and, with values, the customer's value as a 4-byte float (NaN = unknown) or, for a category, the
/// name's "feature=level" entry: 84 bytes for three reasons of three models, against 129 in format 1. A float keeps ~7
/// significant digits of an effect; it reads back as the shortest decimal that round-trips the float (0.18, not
/// 0.18000000715255737), and the explanation's "all other features" effect is computed from the reasons as read
/// (<see cref="StoredCustomer.Totals"/>), so the shown effects still add up exactly to the stored prediction.
/// Format 1 (rows stored before): the position as 2 bytes and the contribution as an 8-byte double, 14 bytes a reason with
/// values, 10 without; its count bytes never have 0x40 set (at most 20 reasons a model, ScoringOptions.Reasons), so both
/// formats read from the same column without a per-run flag: a run whose chunks were written partly by replicas of the
/// previous version reads whole here (a replica of the previous version cannot read format 2: upgrade them all).
/// Revenue reasons, where the run has them, follow as a third model in the same form (readers that know two models stop
/// before them). Facts: the eight numbers the rules read besides the scores, in <see cref="WriteFacts(CustomerFeatures)"/>' order, each in
/// the smallest form that gives back the same double bit for bit (format 2: a 2-byte header of 2-bit kinds, then a whole
/// number as 2 bytes, an amount in cents as 4, a float as 4, anything else as the 8-byte double), so a rebuilt decision is
/// the decision made: 30–48 bytes instead of 64. Format 1 (rows stored before) is the eight doubles, 64 bytes; format 2
/// is never 64 bytes long (2 + eight sizes of 2, 4 or 8 never make 64), so the length tells them apart.
/// </summary>
public static class CompactEncoding
{
    private const int FactCount = 8;
    private const byte WithValues = 0x80;
    private const byte Format2 = 0x40;
    private const int MaxReasonsPerModel = Format2 - 1;

    /// <summary>
    /// The models' reasons (format 2); <paramref name="featureIndex"/> gives a name's position, adding it when new. Revenue
    /// reasons (none: nothing written for them) follow the value reasons.
    /// </summary>
    public static byte[] WriteReasons(IReadOnlyList<Reason> churn, IReadOnlyList<Reason> value, Func<string, int> featureIndex, IReadOnlyList<Reason>? revenue = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(featureIndex);
        revenue ??= [];
        var withValues = churn.Any(r => r.Value is not null) || value.Any(r => r.Value is not null) || revenue.Any(r => r.Value is not null);
        // At most 5 bytes of position, 4 of contribution and 4 of value a reason; trimmed to what was written.
        Span<byte> bytes = stackalloc byte[3 + (13 * (Math.Min(churn.Count, 256) + Math.Min(value.Count, 256) + Math.Min(revenue.Count, 256)))];
        var at = Write(bytes, 0, churn, featureIndex, withValues, Format2);
        at = Write(bytes, at, value, featureIndex, withValues, 0);
        if (revenue.Count > 0)
        {
            at = Write(bytes, at, revenue, featureIndex, withValues, 0);
        }

        return bytes[..at].ToArray();

        static int Write(Span<byte> bytes, int at, IReadOnlyList<Reason> reasons, Func<string, int> featureIndex, bool withValues, byte format)
        {
            if (reasons.Count > MaxReasonsPerModel)
            {
                throw new ArgumentException($"At most {MaxReasonsPerModel} reasons per model are stored; {reasons.Count} given.", nameof(reasons));
            }

            bytes[at++] = (byte)(reasons.Count | format | (withValues ? WithValues : 0));
            foreach (var reason in reasons)
            {
                var name = withValues && reason.Level is { } level ? FeatureSchema.Term(reason.Feature, level) : reason.Feature;
                for (var position = (uint)featureIndex(name); ; position >>= 7)
                {
                    if (position < 0x80)
                    {
                        bytes[at++] = (byte)position;
                        break;
                    }

                    bytes[at++] = (byte)(position | 0x80);
                }

                BinaryPrimitives.WriteSingleLittleEndian(bytes[at..], (float)reason.Contribution);
                at += 4;
                if (withValues)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes[at..], reason.Number ?? float.NaN);
                    at += 4;
                }
            }

            return at;
        }
    }

    /// <summary>
    /// A contribution as format 2 stores and reads it back: the shortest decimal that round-trips its 4-byte float (what
    /// <see cref="ReadReasons"/> returns for it).
    /// </summary>
    public static double AsStored(double contribution) => ShortestDouble((float)contribution);

    /// <summary>The churn and value reasons back, with their feature names (and values, when stored), from either format.</summary>
    public static (IReadOnlyList<Reason> Churn, IReadOnlyList<Reason> Value) ReadReasons(byte[] bytes, IReadOnlyList<string> features)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(features);
        var at = 0;
        var format2 = IsFormat2(bytes);
        var churn = Read(bytes, ref at, features, format2);
        var value = Read(bytes, ref at, features, format2);
        return (churn, value);
    }

    /// <summary>The revenue reasons stored after the value reasons; empty when the run kept none.</summary>
    public static IReadOnlyList<Reason> ReadRevenueReasons(byte[] bytes, IReadOnlyList<string> features)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(features);
        var at = 0;
        var format2 = IsFormat2(bytes);
        Read(bytes, ref at, features, format2);
        Read(bytes, ref at, features, format2);
        return at < bytes.Length ? Read(bytes, ref at, features, format2) : [];
    }

    private static bool IsFormat2(byte[] bytes) => bytes.Length > 0 && (bytes[0] & Format2) != 0;

    private static List<Reason> Read(byte[] bytes, ref int at, IReadOnlyList<string> features, bool format2)
    {
        var withValues = (bytes[at] & WithValues) != 0;
        var count = bytes[at++] & ~(WithValues | Format2);
        var reasons = new List<Reason>(count);
        for (var i = 0; i < count; i++)
        {
            string name;
            double contribution;
            float number;
            if (format2)
            {
                var position = 0;
                for (var shift = 0; ; shift += 7)
                {
                    var b = bytes[at++];
                    position |= (b & 0x7F) << shift;
                    if (b < 0x80)
                    {
                        break;
                    }
                }

                name = features[position];
                contribution = ShortestDouble(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at)));
                at += 4;
                number = withValues ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at)) : float.NaN;
                at += withValues ? 4 : 0;
            }
            else
            {
                name = features[BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at))];
                contribution = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at + 2));
                number = withValues ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at + 10)) : float.NaN;
                at += withValues ? 14 : 10;
            }

            if (!withValues)
            {
                reasons.Add(new Reason(name, contribution));
                continue;
            }

            var level = name.IndexOf('=', StringComparison.Ordinal);
            reasons.Add(level > 0
                ? new Reason(name[..level], contribution) { Level = name[(level + 1)..] }
                : new Reason(name, contribution) { Number = number });
        }

        return reasons;
    }

    // The float's shortest round-trip decimal as a double: the effect the float holds, without the binary tail a plain
    // widening shows (0.18f widens to 0.18000000715255737).
    private static double ShortestDouble(float value)
    {
        Span<char> text = stackalloc char[32];
        return float.IsFinite(value) && value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture)
            ? double.Parse(text[..written], NumberStyles.Float, CultureInfo.InvariantCulture)
            : value;
    }

    /// <summary>An interval from three nullable stored columns (P10, P50, P90); null unless all three are stored.</summary>
    public static ValueInterval? Interval(System.Data.Common.DbDataReader reader, int p10)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(p10) || reader.IsDBNull(p10 + 1) || reader.IsDBNull(p10 + 2)
            ? null
            : new ValueInterval(reader.GetDouble(p10), reader.GetDouble(p10 + 1), reader.GetDouble(p10 + 2));
    }

    /// <summary>
    /// A gross profit interval from its three columns (<see cref="Interval"/>) with the two-part model's outlook from the
    /// next three (migration 14: <see cref="PurchaseOutlookColumns"/>): the purchase probability as whole basis points
    /// (<see cref="PurchaseOutlook.BasisPoints"/>) and the amount if buying. Rows stored before the migration, and by
    /// one-part value models, have them null: the interval reads without them (not available).
    /// </summary>
    public static ValueInterval? IntervalWithOutlook(System.Data.Common.DbDataReader reader, int p10, int ifBuyingP10)
    {
        if (Interval(reader, p10) is not { } interval)
        {
            return null;
        }

        return reader.IsDBNull(ifBuyingP10) || reader.IsDBNull(ifBuyingP10 + 1) || reader.IsDBNull(ifBuyingP10 + 2)
            ? interval
            : interval with
            {
                AmountIfBuyingP10 = reader.GetDouble(ifBuyingP10),
                AmountIfBuyingP90 = reader.GetDouble(ifBuyingP10 + 1),
                PurchaseProbability = PurchaseOutlook.FromBasisPoints(reader.GetInt32(ifBuyingP10 + 2)),
            };
    }

    /// <summary>The outlook's columns in <see cref="IntervalWithOutlook"/>'s order.</summary>
    public const string PurchaseOutlookColumns = "gross_profit_if_buying_p10, gross_profit_if_buying_p90, purchase_probability_basis_points";

    /// <summary>
    /// The stored form of a gross profit interval's outlook: null columns for an interval without one (one-part value
    /// models), so they read back as not available.
    /// </summary>
    public static (double? IfBuyingP10, double? IfBuyingP90, short? PurchaseProbabilityBasisPoints) OutlookColumns(ValueInterval? grossProfitInterval) =>
        PurchaseOutlook.Of(grossProfitInterval) is { } o
            ? (o.IfBuyingP10, o.IfBuyingP90, checked((short)PurchaseOutlook.BasisPoints(o.PurchaseProbability)))
            : (null, null, null);

    /// <summary>The facts the rules read from a customer's features (as <see cref="CustomerFacts.From"/> takes them), format 2.</summary>
    public static byte[] WriteFacts(CustomerFeatures f)
    {
        ArgumentNullException.ThrowIfNull(f);
        ReadOnlySpan<double> values =
        [
            f.GrossProfitLast365Days, f.CostToServeLast365Days, f.RevenueLast365Days, f.MarginRate, f.RecencyDays, f.MeanDaysBetweenPurchases,
            f.TenureDays, f.PurchaseDays,
        ];
        return WriteFacts(values);
    }

    /// <summary>Eight fact values in format 2 (see <see cref="CompactEncoding"/>).</summary>
    public static byte[] WriteFacts(ReadOnlySpan<double> values)
    {
        if (values.Length != FactCount)
        {
            throw new ArgumentException($"{FactCount} facts are stored; {values.Length} given.", nameof(values));
        }

        Span<byte> bytes = stackalloc byte[2 + (FactCount * 8)];
        var kinds = 0;
        var at = 2;
        for (var i = 0; i < FactCount; i++)
        {
            var value = values[i];
            var bits = BitConverter.DoubleToInt64Bits(value);
            FactKind kind;
            if (Math.Abs(value) <= short.MaxValue && Same((short)value, bits))
            {
                kind = FactKind.Whole;
                BinaryPrimitives.WriteInt16LittleEndian(bytes[at..], (short)value);
                at += 2;
            }
            else if (Math.Abs(value) * 100 <= int.MaxValue && Same((int)Math.Round(value * 100) / 100.0, bits))
            {
                kind = FactKind.Cents;
                BinaryPrimitives.WriteInt32LittleEndian(bytes[at..], (int)Math.Round(value * 100));
                at += 4;
            }
            else if (Same((float)value, bits))
            {
                kind = FactKind.Float;
                BinaryPrimitives.WriteSingleLittleEndian(bytes[at..], (float)value);
                at += 4;
            }
            else
            {
                kind = FactKind.Double;
                BinaryPrimitives.WriteDoubleLittleEndian(bytes[at..], value);
                at += 8;
            }

            kinds |= (int)kind << (2 * i);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)kinds);
        return bytes[..at].ToArray();

        // Bit for bit: -0.0 is not 0, and a NaN's payload is kept.
        static bool Same(double candidate, long bits) => BitConverter.DoubleToInt64Bits(candidate) == bits;
    }

    /// <summary>The facts back, in <see cref="WriteFacts(CustomerFeatures)"/>' order, from either format.</summary>
    public static double[] ReadFacts(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var values = new double[FactCount];
        if (bytes.Length == FactCount * 8)
        {
            for (var i = 0; i < FactCount; i++)
            {
                values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8));
            }

            return values;
        }

        var kinds = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        var at = 2;
        for (var i = 0; i < FactCount; i++)
        {
            switch ((FactKind)((kinds >> (2 * i)) & 3))
            {
                case FactKind.Whole:
                    values[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at));
                    at += 2;
                    break;
                case FactKind.Cents:
                    values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)) / 100.0;
                    at += 4;
                    break;
                case FactKind.Float:
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at));
                    at += 4;
                    break;
                default:
                    values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at));
                    at += 8;
                    break;
            }
        }

        return values;
    }

    /// <summary>The stored facts as the customer card's recent history (a NaN, e.g. the margin of a customer without revenue, reads as null).</summary>
    public static Customers.CustomerRecentHistory ReadHistory(byte[] bytes)
    {
        var f = ReadFacts(bytes);
        return new Customers.CustomerRecentHistory(
            RevenueLast365Days: f[2], GrossProfitLast365Days: f[0], CostToServeLast365Days: f[1], MarginRate: Finite(f[3]), RecencyDays: Finite(f[4]),
            PurchaseDays: f[7], TenureDays: Finite(f[6]), MeanDaysBetweenPurchases: Finite(f[5]));

        static double? Finite(double value) => double.IsFinite(value) ? value : null;
    }

    /// <summary>A run's target candidates as one blob.</summary>
    public static byte[] WriteCandidates(TargetCandidates candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(1); // format version
            WriteNames(writer, candidates.Actions);
            WriteNames(writer, candidates.Segments);
            writer.Write(candidates.Unpaid.Count);
            foreach (var u in candidates.Unpaid)
            {
                writer.Write((byte)u.Tier);
                writer.Write((byte)u.Stage);
                writer.Write(u.Segment);
                writer.Write(u.Action);
                writer.Write(u.Customers);
            }

            writer.Write(candidates.Candidates.Length);
            foreach (var c in candidates.Candidates)
            {
                writer.Write(c.CustomerId);
                writer.Write(c.ChurnProbability);
                writer.Write(c.PredictedProfit);
                writer.Write(c.ValueAtRisk);
                writer.Write(c.OfferCost);
                writer.Write(c.Action);
                writer.Write((byte)c.Tier);
                writer.Write((byte)c.Stage);
                writer.Write(c.Segment);
            }

            foreach (var i in candidates.ByChurn)
            {
                writer.Write(i);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Target candidates from their blob.</summary>
    public static TargetCandidates ReadCandidates(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var version = reader.ReadInt32();
        if (version != 1)
        {
            throw new InvalidOperationException($"Stored target candidates have format {version}; this version reads format 1.");
        }

        var actions = ReadNames(reader);
        var segments = ReadNames(reader);
        var unpaid = new UnpaidGroup[reader.ReadInt32()];
        for (var i = 0; i < unpaid.Length; i++)
        {
            unpaid[i] = new UnpaidGroup((ProfitTier)reader.ReadByte(), (LifecycleStage)reader.ReadByte(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        }

        var candidates = new TargetCandidate[reader.ReadInt32()];
        for (var i = 0; i < candidates.Length; i++)
        {
            candidates[i] = new TargetCandidate(
                reader.ReadString(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt32(),
                (ProfitTier)reader.ReadByte(), (LifecycleStage)reader.ReadByte(), reader.ReadInt32());
        }

        var byChurn = new int[candidates.Length];
        for (var i = 0; i < byChurn.Length; i++)
        {
            byChurn[i] = reader.ReadInt32();
        }

        return new TargetCandidates(actions, segments, candidates, byChurn, unpaid);
    }

    /// <summary>A run's movement facts (in ordinal id order, as the run made them) as one blob: ~30 bytes a customer.</summary>
    public static byte[] WriteMovementFacts(IReadOnlyList<MovementFacts> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(1); // format version
            writer.Write(facts.Count);
            foreach (var f in facts)
            {
                writer.Write(f.CustomerId);
                writer.Write((byte)f.Tier);
                writer.Write((byte)f.PredictedTier);
                writer.Write((byte)f.Stage);
                writer.Write(f.ProfitLast365Days);
                writer.Write(f.PredictedProfit);
                writer.Write(f.HorizonDays);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Movement facts from their blob.</summary>
    public static MovementFacts[] ReadMovementFacts(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var reader = new BinaryReader(new MemoryStream(bytes));
        var version = reader.ReadInt32();
        if (version != 1)
        {
            throw new InvalidOperationException($"Stored movement facts have format {version}; this version reads format 1.");
        }

        var facts = new MovementFacts[reader.ReadInt32()];
        for (var i = 0; i < facts.Length; i++)
        {
            facts[i] = new MovementFacts(
                reader.ReadString(), (ProfitTier)reader.ReadByte(), (ProfitTier)reader.ReadByte(), (LifecycleStage)reader.ReadByte(), reader.ReadDouble(),
                reader.ReadDouble(), reader.ReadInt32());
        }

        return facts;
    }

    private static void WriteNames(BinaryWriter writer, IReadOnlyList<string> names)
    {
        writer.Write(names.Count);
        foreach (var name in names)
        {
            writer.Write(name);
        }
    }

    private static string[] ReadNames(BinaryReader reader)
    {
        var names = new string[reader.ReadInt32()];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = reader.ReadString();
        }

        return names;
    }
}

/// <summary>How one fact is stored in format 2 (2 bits of the header).</summary>
internal enum FactKind
{
    /// <summary>A whole number from −32,767 to 32,767, as 2 bytes.</summary>
    Whole = 0,

    /// <summary>A whole number of cents (the double is cents / 100.0 exactly), as 4 bytes.</summary>
    Cents = 1,

    /// <summary>A value a float holds exactly, as 4 bytes.</summary>
    Float = 2,

    /// <summary>Anything else, as the 8-byte double.</summary>
    Double = 3,
}
