using MlCustomer.Core.Data;

namespace MlCustomer.Core.Tests.Data;

public sealed class CurrenciesTests
{
    [Theory]
    [InlineData(null, null, "EUR")]
    [InlineData(null, "GBP", "GBP")]
    [InlineData("USD", "GBP", "USD")]
    public void TheOptionWinsOverTheMappingAndEurIsTheDefault(string? option, string? mapping, string expected) =>
        Assert.Equal(expected, Currencies.Resolve(option, mapping));

    [Theory]
    [InlineData("eur")]
    [InlineData("EURO")]
    [InlineData("€")]
    public void ACurrencyThatIsNotAnIsoCodeIsRefused(string code)
    {
        var error = Assert.Throws<ArgumentException>(() => Currencies.Resolve(code, null));

        Assert.Contains("ISO 4217", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheOnlineRetailMappingSaysItsAmountsAreInPoundsAndABadCodeInAMappingIsRefused()
    {
        var mapping = DataMapping.Load(Path.Combine(RepositoryFolders.Root, "training-data", "mappings", "uci-retail-export.json"));
        var file = Path.Combine(Path.GetTempPath(), $"mapping-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "currency": "pounds" }""");
        try
        {
            var error = Assert.Throws<DataFileException>(() => DataMapping.Load(file));

            Assert.Equal("GBP", mapping.Currency);
            Assert.Contains("currency 'pounds' is not an ISO 4217 code", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
