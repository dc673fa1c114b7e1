using MlCustomer.Api.Storage;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Api.Tests.ScoringRuns;

/// <summary>
/// The stored reasons' binary form keeps revenue reasons after the value reasons, stores effects as 4-byte floats whose
/// explanation still adds up to the prediction, and reads rows of the older 8-byte format unchanged.
/// </summary>
public sealed class CompactReasonsTests
{
    private static readonly Reason[] Churn = [new("recency_days", 0.18) { Number = 412 }, new("main_channel", -0.02) { Level = "web" }];
    private static readonly Reason[] Value = [new("revenue_last_365_days", 212.6) { Number = 980.4f }];
    private static readonly Reason[] Revenue = [new("revenue_last_365_days", 640.25) { Number = 980.4f }, new("recency_days", -51.5) { Number = float.NaN }];

    [Fact]
    public void RevenueReasonsRoundTripBesideTheChurnAndValueReasons()
    {
        var names = new List<string>();
        var bytes = CompactEncoding.WriteReasons(Churn, Value, Index(names), Revenue);

        var (churn, value) = CompactEncoding.ReadReasons(bytes, names);
        var revenue = CompactEncoding.ReadRevenueReasons(bytes, names);

        Assert.Equal(Churn, churn);
        Assert.Equal(Value, value);
        Assert.Equal(Revenue.Select(r => (r.Feature, r.Contribution, r.Level)), revenue.Select(r => (r.Feature, r.Contribution, r.Level)));
        Assert.Equal(980.4f, revenue[0].Number);
        Assert.True(float.IsNaN(revenue[1].Number!.Value));
        Assert.Equal("unknown", revenue[1].Value);
    }

    [Fact]
    public void RowsStoredWithoutRevenueReasonsReadAsBeforeAndHaveNone()
    {
        var names = new List<string>();
        var withoutRevenue = CompactEncoding.WriteReasons(Churn, Value, Index(names));

        Assert.Equal(withoutRevenue, CompactEncoding.WriteReasons(Churn, Value, Index(names), []));
        Assert.Equal(Churn, CompactEncoding.ReadReasons(withoutRevenue, names).Churn);
        Assert.Empty(CompactEncoding.ReadRevenueReasons(withoutRevenue, names));
        // Three reasons of two models with values: 2 count bytes and 9 bytes a reason (1 position, 4 effect, 4 value).
        Assert.Equal(2 + (9 * 3), withoutRevenue.Length);
    }

    [Fact]
    public void EffectsAreStoredAsFloatsAndTheAllOtherEffectKeepsTheExplanationAddingUpToThePrediction()
    {
        // TreeSHAP effects are doubles with more digits than a float keeps.
        const double baseline = 0.213456789012345;
        const double prediction = 0.734567890123456;
        Reason[] churn = [new("recency_days", 0.311111111111111) { Number = 412 }, new("main_channel", -0.0223456789) { Level = "web" }];
        var names = new List<string>();

        var (read, _) = CompactEncoding.ReadReasons(CompactEncoding.WriteReasons(churn, [], Index(names)), names);

        Assert.Equal([0.31111112, -0.022345679], read.Select(r => r.Contribution));
        Assert.Equal(churn.Select(r => CompactEncoding.AsStored(r.Contribution)), read.Select(r => r.Contribution));
        Assert.All(churn.Zip(read), pair => Assert.True(Math.Abs(pair.First.Contribution - pair.Second.Contribution) <= 1e-7 * Math.Abs(pair.First.Contribution)));
        var totals = StoredCustomer.Totals(baseline, prediction, read)!.Value;
        Assert.Equal(prediction, totals.Baseline + read.Sum(r => r.Contribution) + totals.AllOther, 15);
        // The rounding went to "all other": it differs from the served one by the shown effects' rounding, nothing else.
        var served = StoredCustomer.Totals(baseline, prediction, churn)!.Value;
        Assert.Equal(served.AllOther + churn.Sum(r => r.Contribution) - read.Sum(r => r.Contribution), totals.AllOther, 15);
    }

    [Fact]
    public void PositionsFromTheHundredAndTwentyEighthNameOnTakeTwoBytes()
    {
        var names = Enumerable.Range(0, 300).Select(i => $"feature_{i}").ToList();
        Reason[] churn = [new("feature_5", 1.5), new("feature_200", -2.25), new("feature_299", 0.5)];

        var bytes = CompactEncoding.WriteReasons(churn, [], name => names.IndexOf(name));

        Assert.Equal(churn, CompactEncoding.ReadReasons(bytes, names).Churn);
        Assert.Equal(2 + (1 + 4) + (2 + 4) + (2 + 4), bytes.Length);
    }

    [Fact]
    public void RowsStoredInTheEightByteFormatStillRead()
    {
        // Format 1 as stored before: count byte (0x80: with values), then 2-byte position, 8-byte double effect, 4-byte float value.
        string[] names = ["recency_days", "main_channel=web", "revenue_last_365_days"];
        var withValues = Format1(
            [(0, 0.311111111111111, 412f), (1, -0.0223456789, float.NaN)],
            [(2, 212.6, 980.4f)],
            [(2, 640.25, 980.4f), (0, -51.5, float.NaN)]);

        var (churn, value) = CompactEncoding.ReadReasons(withValues, names);
        var revenue = CompactEncoding.ReadRevenueReasons(withValues, names);

        Assert.Equal([new Reason("recency_days", 0.311111111111111) { Number = 412 }, new Reason("main_channel", -0.0223456789) { Level = "web" }], churn);
        Assert.Equal([new Reason("revenue_last_365_days", 212.6) { Number = 980.4f }], value);
        Assert.Equal([640.25, -51.5], revenue.Select(r => r.Contribution));
        Assert.Equal("unknown", revenue[1].Value);

        // Without values (before TreeSHAP): 10 bytes a reason, and no revenue reasons.
        var plain = new byte[] { 1, 0, 0 }.Concat(BitConverter.GetBytes(0.25)).Concat(new byte[] { 0 }).ToArray();
        var (plainChurn, plainValue) = CompactEncoding.ReadReasons(plain, names);
        Assert.Equal([new Reason("recency_days", 0.25)], plainChurn);
        Assert.Empty(plainValue);
        Assert.Empty(CompactEncoding.ReadRevenueReasons(plain, names));
    }

    private static byte[] Format1(params (int Position, double Effect, float Value)[][] models)
    {
        var bytes = new List<byte>();
        foreach (var model in models)
        {
            bytes.Add((byte)(model.Length | 0x80));
            foreach (var (position, effect, value) in model)
            {
                bytes.AddRange(BitConverter.GetBytes((ushort)position));
                bytes.AddRange(BitConverter.GetBytes(effect));
                bytes.AddRange(BitConverter.GetBytes(value));
            }
        }

        return [.. bytes];
    }

    private static Func<string, int> Index(List<string> names) => name =>
    {
        var at = names.IndexOf(name);
        if (at < 0)
        {
            names.Add(name);
            at = names.Count - 1;
        }

        return at;
    };
}
