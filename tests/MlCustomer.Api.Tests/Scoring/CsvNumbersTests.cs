using System.Globalization;
using System.Text;
using MlCustomer.Api.Scoring;

namespace MlCustomer.Api.Tests.Scoring;

public sealed class CsvNumbersTests
{
    [Theory]
    [InlineData(0.25, 6, false, "0.25")]
    [InlineData(12.0, 2, false, "12")]
    [InlineData(0.0000001, 6, false, "0")]
    [InlineData(-0.0000001, 6, false, "0")]
    [InlineData(0.0500001, 6, false, "0.05")]
    [InlineData(0.000123, 6, false, "0.000123")]
    [InlineData(1.0000005, 6, false, "1.000001")]
    [InlineData(-1234.567, 2, false, "-1234.57")]
    [InlineData(-3.14159, 4, true, "-3.1416")]
    [InlineData(2.5, 4, true, "+2.5")]
    [InlineData(0.00004, 4, true, "0")]
    [InlineData(987654321.125, 2, false, "987654321.13")]
    [InlineData(1e20, 2, false, "100000000000000000000")]
    public void NumbersAreWrittenRoundedWithoutTrailingZeros(double value, int decimals, bool plusSign, string expected)
    {
        Assert.Equal(expected, new StringBuilder().AppendFixed(value, decimals, plusSign).ToString());
    }

    [Fact]
    public void RandomNumbersAreWrittenRoundedAsTheirDecimalDigitsRound()
    {
        // The reference rounds the shortest decimal that reads back as the double (decimal arithmetic, exact);
        // .NET's "0.######" first rounds to 15 significant digits, so it can round 0.…6497 up.
        var random = new Random(11);
        for (var i = 0; i < 100_000; i++)
        {
            var value = (random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-3, 8));
            foreach (var decimals in new[] { 2, 4, 6 })
            {
                var exact = decimal.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
                var rounded = Math.Round(exact, decimals, MidpointRounding.AwayFromZero);
                var expected = rounded == 0 ? "0" : rounded.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
                var actual = new StringBuilder().AppendFixed(value, decimals).ToString();
                Assert.True(expected == actual, $"{value:R} to {decimals} decimals: {actual}, expected {expected}");
            }
        }
    }
}
