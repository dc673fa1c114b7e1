using MlCustomer.Api.Storage;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Api.Tests.ScoringRuns;

/// <summary>The stored reasons' binary form keeps revenue reasons after the value reasons and reads older rows unchanged.</summary>
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
        // Three reasons of two models with values: 2 count bytes and 14 bytes a reason, as before.
        Assert.Equal(2 + (14 * 3), withoutRevenue.Length);
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
