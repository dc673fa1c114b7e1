using System.Globalization;
using MlCustomer.Core.Data;

namespace MlCustomer.Core.Tests.Data;

// DecimalText stands in for .NET's formatter in CSV cells and reason texts, whose bytes must not change: every pattern it
// replaces is compared here with .NET itself, on random values of every size and on the halves where rounding rules differ.
public sealed class DecimalTextTests
{
    private const int RandomValues = 400_000;

    // Random values from 1e-7 to 1e13 (both signs, uniform in the exponent), plus every kind of hard case.
    private static IEnumerable<double> Doubles(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < RandomValues; i++)
        {
            var size = Math.Pow(10, random.NextDouble() * 20 - 7);
            yield return random.Next(2) == 0 ? size : -size;
        }

        for (var i = 0; i < 20_000; i++)
        {
            // Amounts in cents, halves of every decimal place, integers and their neighbours.
            var cents = random.Next(-10_000_000, 10_000_000);
            yield return cents / 100.0;
            yield return (cents + 0.5) / 100.0;
            yield return (cents + 0.5) / 10.0;
            yield return cents + 0.5;
            yield return (cents * 10 + 5) / 10_000.0;
            yield return Math.BitIncrement(cents / 100.0);
            yield return Math.BitDecrement((cents + 0.5) / 100.0);
            yield return cents;
        }

        foreach (var special in new[]
        {
            0.0, -0.0, 1e-15, -1e-15, 0.005, -0.005, 0.015, 0.125, 2.675, 1.005, 999.995, 999_999.995, 1e12, 1e15, -1e15, 1e300,
            double.Epsilon, double.MaxValue, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
        })
        {
            yield return special;
        }
    }

    [Theory]
    [InlineData("N2", 2, 2, true)]
    [InlineData("N0", 0, 0, true)]
    [InlineData("#,0.#", 0, 1, true)]
    [InlineData("0.00", 2, 2, false)]
    [InlineData("0.0", 1, 1, false)]
    [InlineData("0.##", 0, 2, false)]
    [InlineData("0.####", 0, 4, false)]
    public void DoublesReadAsDotNetWritesThem(string format, int minDecimals, int maxDecimals, bool grouped)
    {
        Span<char> text = stackalloc char[64];
        var fast = 0;
        foreach (var value in Doubles(seed: format.Length))
        {
            if (DecimalText.TryFormat(value, minDecimals, maxDecimals, grouped, text, out var written))
            {
                fast++;
                Assert.Equal(value.ToString(format, CultureInfo.InvariantCulture), new string(text[..written]));
            }
        }

        // Almost every value takes the fast path: the refusals are halves, huge values and negative zeros.
        Assert.True(fast > RandomValues * 0.9, $"only {fast:N0} values formatted without .NET");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void RoundedDoublesReadAsTheirShortestRoundTripText(int decimals)
    {
        Span<char> text = stackalloc char[64];
        var fast = 0;
        foreach (var value in Doubles(seed: 10 + decimals))
        {
            if (double.IsNaN(value))
            {
                continue;
            }

            var rounded = Math.Round(value, decimals) + 0.0;
            if (DecimalText.TryFormatRounded(rounded, decimals, text, out var written))
            {
                fast++;
                Assert.Equal(rounded.ToString(CultureInfo.InvariantCulture), new string(text[..written]));
            }
        }

        Assert.True(fast > RandomValues * 0.9, $"only {fast:N0} values formatted without .NET");
    }

    [Fact]
    public void FloatsReadAsDotNetWritesThemWithUpToFourDecimals()
    {
        Span<char> text = stackalloc char[64];
        var random = new Random(7);
        var values = new List<float>();
        for (var i = 0; i < RandomValues; i++)
        {
            var size = (float)Math.Pow(10, random.NextDouble() * 16 - 8);
            values.Add(random.Next(2) == 0 ? size : -size);
            // Random bit patterns: every float, subnormals and huge ones included.
            values.Add(BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)));
        }

        for (var i = 0; i < 50_000; i++)
        {
            var units = random.Next(-100_000_000, 100_000_000);
            values.Add(units / 10_000f);
            values.Add((units + 0.5f) / 10_000f);
            values.Add(units / 100f);
            values.Add(units);
        }

        values.AddRange([0f, -0f, 0.00005f, -0.00005f, 0.00015f, 1234567.5f, 9999999.5f, 99999.995f, float.Epsilon, float.MaxValue, float.NaN]);
        var fast = 0;
        foreach (var value in values)
        {
            if (DecimalText.TryFormatSingle(value, 4, text, out var written))
            {
                fast++;
                Assert.Equal(value.ToString("0.####", CultureInfo.InvariantCulture), new string(text[..written]));
            }
        }

        Assert.True(fast > values.Count * 0.6, $"only {fast:N0} of {values.Count:N0} values formatted without .NET");
    }
}
