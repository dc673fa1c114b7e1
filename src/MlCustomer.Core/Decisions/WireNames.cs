using System.Text.Json;
using System.Text.Json.Serialization;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Decisions;

/// <summary>
/// The one spelling of every value of the decisions' closed sets, as the API's JSON, every CSV (console and
/// API), the reasons, the console's tables and the report write it: camelCase like the rest of the JSON
/// (<c>low</c>, <c>atRisk</c>, <c>worthCultivating</c>), except the tiers, which are the letters <c>A</c>–<c>D</c>.
/// Action keys are not here: they are the keys of the rules file's <c>actions</c> and are written as given.
/// Reading is lenient (<see cref="TryParse{T}"/>): case, spaces, hyphens and underscores are ignored, so rules files
/// and stored rows from before (<c>AtRisk</c>, <c>at-risk</c>, <c>at risk</c>) still read.
/// </summary>
public static class WireNames
{
    /// <summary>A, B, C or D.</summary>
    public static string Of(ProfitTier tier) => Canonical(tier);

    /// <summary>low, medium or high.</summary>
    public static string Of(RiskBand band) => Canonical(band);

    /// <summary>new, active, atRisk, lapsed or churned.</summary>
    public static string Of(LifecycleStage stage) => Canonical(stage);

    /// <summary>sleeping, worthCultivating, fastGrowing, declining, loyal, steady, new or gone.</summary>
    public static string Of(MovementCategory category) => Canonical(category);

    /// <summary>
    /// Reads any spelling of a value (the canonical one, the .NET name, or words with spaces, hyphens or
    /// underscores, in any case); numbers are refused.
    /// </summary>
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var key = Squash(text);
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Squash(candidate.ToString()), key, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads a value with <see cref="TryParse{T}"/>; the exception lists the canonical spellings.</summary>
    /// <exception cref="FormatException">Not a spelling of any value.</exception>
    public static T Parse<T>(string? text)
        where T : struct, Enum =>
        TryParse<T>(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not one of {string.Join(", ", Enum.GetValues<T>().Select(Canonical))}");

    /// <summary>The canonical spelling of any of the decisions' enums.</summary>
    public static string Canonical<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        return typeof(T) == typeof(ProfitTier) || name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static string Squash(string text) =>
        string.Concat(text.Where(c => c is not (' ' or '-' or '_')));
}

/// <summary>
/// JSON converter for the decisions' enums: writes <see cref="WireNames"/>' spelling, reads any spelling it reads.
/// </summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class WireNameJsonConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    /// <inheritdoc />
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && WireNames.TryParse<T>(reader.GetString(), out var value)
            ? value
            : throw new JsonException(
                $"expected one of {string.Join(", ", Enum.GetValues<T>().Select(WireNames.Canonical))}");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(WireNames.Canonical(value));
    }
}
