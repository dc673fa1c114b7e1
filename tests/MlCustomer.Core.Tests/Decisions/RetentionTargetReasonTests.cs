using MlCustomer.Core.Decisions;

namespace MlCustomer.Core.Tests.Decisions;

/// <summary>
/// A target's reason written into a span (what the JSON list writes per target) reads exactly as the interpolated
/// sentence it replaced, whatever the numbers: ordinary, negative, a tiny negative shown as 0.00, and amounts too long for
/// the first guess of room.
/// </summary>
public sealed class RetentionTargetReasonTests
{
    [Theory]
    [InlineData(120.04959334545966, 0.3837092892586796, 0.3, 1060.260955902819, 2, 0.0049)]
    [InlineData(-1e-15, 0.999, 1, 0.004, 50, 12.5)]
    [InlineData(1234567.891, 0.005, 0.45, -200.5, 7.5, double.PositiveInfinity)]
    [InlineData(1e200, 0.5, 0.2, 3e250, 1e180, 1e-300)]
    [InlineData(double.NaN, 0.1, 0.3, double.NegativeInfinity, 20, double.NaN)]
    public void TheWrittenReasonIsTheInterpolatedSentence(double expectedReturn, double churn, double saveRate, double profit, double cost, double breakEven)
    {
        const string action = "personal contact + VIP retention offer";
        var interpolated =
            $"expected return {Show.Amount(expectedReturn)} = churn probability {Show.Probability(churn)} × save rate {Show.Probability(saveRate)} × predicted profit {Show.Amount(profit)} − offer cost {Show.Amount(cost)} ({action}); pays above churn probability {Show.Probability(breakEven)}";

        Assert.Equal(interpolated, RetentionTarget.ReasonText(expectedReturn, churn, saveRate, profit, cost, action, breakEven));
        Span<char> room = stackalloc char[4096];
        Assert.True(RetentionTarget.TryWriteReason(room, out var written, expectedReturn, churn, saveRate, profit, cost, action, breakEven));
        Assert.Equal(interpolated, room[..written].ToString());
        Assert.False(RetentionTarget.TryWriteReason(room[..(interpolated.Length - 1)], out _, expectedReturn, churn, saveRate, profit, cost, action, breakEven));
    }
}
