using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Tests.ScoringRuns;

/// <summary>
/// The stored facts a decision is rebuilt from: each value in the smallest form that gives back the same double bit for
/// bit, and rows stored as eight doubles still read.
/// </summary>
public sealed class CompactFactsTests
{
    public static TheoryData<double> Values => new()
    {
        0, -0.0, 412, -3, 32767, -32767, 32768, 1234.56, -0.07, 23.2, 0.1 + 0.2, 19999999.99, 5e7, 0.375, (double)0.1f, 1 / 3.0, 0.123456789,
        1e12, double.NaN, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0042), double.PositiveInfinity, double.NegativeInfinity, double.Epsilon,
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void EveryValueReadsBackBitForBit(double value)
    {
        double[] facts = [value, 1, 2, 3, value, 5, 6, value];

        var read = CompactEncoding.ReadFacts(CompactEncoding.WriteFacts(facts));

        Assert.Equal(facts.Select(BitConverter.DoubleToInt64Bits), read.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void ATypicalCustomersFactsTakeAboutHalfTheEightDoubles()
    {
        // Amounts in cents, a margin and a mean gap that are ratios, whole days.
        double[] facts = [812.45, 96.3, 2250.1, 812.45 / 2250.1, 41, 365 / 7.0, 1210, 8];

        var bytes = CompactEncoding.WriteFacts(facts);

        Assert.Equal(2 + 4 + 4 + 4 + 8 + 2 + 8 + 2 + 2, bytes.Length);
        Assert.Equal(facts, CompactEncoding.ReadFacts(bytes));
    }

    [Fact]
    public void NoMixOfKindsMakesABlobAsLongAsTheEightDoubleFormat()
    {
        // One value of each kind: whole, cents, float, double. Every one of the 4^8 mixes reads back and is not 64 bytes long.
        double[] kinds = [7, 12.34, (double)0.1f, 1 / 3.0];
        var facts = new double[8];
        for (var mix = 0; mix < 1 << 16; mix++)
        {
            for (var i = 0; i < 8; i++)
            {
                facts[i] = kinds[(mix >> (2 * i)) & 3];
            }

            var bytes = CompactEncoding.WriteFacts(facts);
            Assert.NotEqual(64, bytes.Length);
            Assert.Equal(facts, CompactEncoding.ReadFacts(bytes));
        }
    }

    [Fact]
    public void FactsStoredAsEightDoublesStillRead()
    {
        double[] facts = [812.4500000000001, 96.3, 2250.1, double.NaN, 41, 52.142857142857146, 1210, 8];

        var read = CompactEncoding.ReadFacts([.. facts.SelectMany(BitConverter.GetBytes)]);

        Assert.Equal(facts, read);
    }
}
