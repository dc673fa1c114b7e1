using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

public sealed class SpecialFunctionsTests
{
    [Theory]
    [InlineData(0.5, 0.57236494292470008)] // log √π
    [InlineData(1.0, 0.0)]
    [InlineData(2.0, 0.0)]
    [InlineData(10.0, 12.801827480081469)] // log 9!
    [InlineData(0.001, 6.9071788853838536)]
    [InlineData(0.243, 1.3180435846996699)]
    [InlineData(1000.0, 5905.2204232091810)]
    public void LogGammaMatchesReferenceValues(double x, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.LogGamma(x), Math.Max(1.0, Math.Abs(expected)) * 1e-13);
    }

    [Theory]
    [InlineData(1.0, -0.57721566490153286)] // −γ
    [InlineData(0.5, -1.9635100260214235)] // −γ − 2 log 2
    [InlineData(10.0, 2.2517525890667211)]
    [InlineData(0.243, -4.3510938644232106)]
    public void DigammaMatchesReferenceValues(double x, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.Digamma(x), 1e-12);
    }

    [Fact]
    public void LogOnePlusAndExpMinusOneKeepTheirPrecisionForTinyArguments()
    {
        Assert.Equal(1e-12 - 5e-25, SpecialFunctions.LogOnePlus(1e-12), 1e-27);
        Assert.Equal(1e-12 + 5e-25, SpecialFunctions.ExpMinusOne(1e-12), 1e-27);
        Assert.Equal(Math.Log(3.5), SpecialFunctions.LogOnePlus(2.5), 1e-15);
        Assert.Equal(Math.Exp(-3) - 1, SpecialFunctions.ExpMinusOne(-3), 1e-15);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.95)]
    public void TheHypergeometricSeriesMatchesClosedForms(double z)
    {
        // ₂F₁(1, 1; 2; z) = −log(1 − z) / z
        Assert.Equal((-Math.Log(1 - z) / z) - 1, SpecialFunctions.Hypergeometric2F1MinusOneOverB(1, 1, 2, z), 1e-13);
        // ₂F₁(a, b; b; z) = (1 − z)^−a, divided by b after subtracting 1
        Assert.Equal((Math.Pow(1 - z, -0.7) - 1) / 0.3, SpecialFunctions.Hypergeometric2F1MinusOneOverB(0.7, 0.3, 0.3, z), 1e-12);
    }
}
