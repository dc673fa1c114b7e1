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

    [Fact]
    public void CellsReadAsDoubleTryParseReadsThem()
    {
        // The arithmetic path must give the very double .NET gives (and .NET's answer for everything it leaves to .NET).
        var random = new Random(5);
        var cells = new List<string>
        {
            "0", "-0", "+0", "00012", "1.", ".5", "-.5", "1e3", "1E-2", " 7", "7 ", "1,5", "1..2", "-", "+", "", ".", "NaN", "Infinity", "-∞",
            "123456789012345", "1234567890123456", "0.000000000000001", "9007199254740993", "0.1", "0.3", "2.675", "1.005",
        };
        for (var i = 0; i < 300_000; i++)
        {
            var digits = random.Next(1, 19);
            var text = new StringBuilder(random.Next(3) == 0 ? "-" : "");
            for (var k = 0; k < digits; k++)
            {
                text.Append((char)('0' + random.Next(10)));
            }

            var point = random.Next(-3, digits);
            if (point > 0)
            {
                text.Insert(text.Length - point, '.');
            }

            cells.Add(text.ToString());
            cells.Add((random.NextDouble() * Math.Pow(10, random.Next(-6, 10))).ToString("R", CultureInfo.InvariantCulture));
        }

        foreach (var cell in cells)
        {
            var expected = double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number);
            Assert.Equal(expected, CsvNumbers.TryParse(cell, out var actual));
            if (expected)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(number) == BitConverter.DoubleToInt64Bits(actual), $"'{cell}': {actual:R}, .NET {number:R}");
            }
        }
    }
}
