using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;

namespace MlCustomer.Core.Tests.Data;

public sealed class CsvTextTests
{
    [Theory]
    [InlineData(-1e-15, 2, "0")]
    [InlineData(-0.004, 2, "0")]
    [InlineData(-0.005, 2, "0")]
    [InlineData(-9.03, 2, "-9.03")]
    [InlineData(12.34567, 4, "12.3457")]
    public void NumbersNeverReadMinusZero(double value, int decimals, string expected) =>
        Assert.Equal(expected, CsvText.Number(value, decimals));

    [Fact]
    public void AmountsInReasonsNeverReadMinusZero()
    {
        Assert.Equal("0.00", Show.Amount(-1e-15));
        Assert.Equal("-9.03", Show.Amount(-9.03));
        Assert.Equal("1,234.50", Show.Amount(1234.5));
    }
}
