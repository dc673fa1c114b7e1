namespace MlCustomer.Core.Data;

/// <summary>
/// The currency of a data set's amounts. The models never convert: a bundle's amounts (profit, revenue, tier
/// cut-offs, offer costs) are in the currency of the data it was trained on, recorded in its card.
/// </summary>
public static class Currencies
{
    /// <summary>
    /// The currency when neither the mapping nor <c>train --currency</c> names one: EUR, what the sample
    /// retailer in training-data/ is in.
    /// </summary>
    public const string Default = "EUR";

    /// <summary>How a card from before currencies were recorded names its amounts.</summary>
    public const string Unknown = "the currency units of the training data";

    /// <summary>True for an ISO 4217 alphabetic code: three capital letters A–Z.</summary>
    public static bool IsCode(string? code) => code is { Length: 3 } && code.All(char.IsAsciiLetterUpper);

    /// <summary>The first code given, or <see cref="Default"/>.</summary>
    /// <exception cref="ArgumentException">A given code is not three capital letters.</exception>
    public static string Resolve(string? option, string? mapping)
    {
        var code = option ?? mapping ?? Default;
        return IsCode(code)
            ? code
            : throw new ArgumentException($"--currency '{code}' is not an ISO 4217 code (three capital letters, e.g. EUR, GBP, USD)");
    }
}
