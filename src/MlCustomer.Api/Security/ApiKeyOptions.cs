using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Security;

/// <summary>
/// The API keys that may call the API. Only SHA-256 hashes are configured, never the keys themselves:
/// a leaked configuration file does not leak a key.
/// </summary>
public sealed class ApiKeyOptions : IValidatableObject
{
    /// <summary>Configuration section (the keys live under <c>MlCustomer:ApiKeys</c>).</summary>
    public const string SectionName = "MlCustomer";

    /// <summary>The request header that carries the key.</summary>
    public const string HeaderName = "X-Api-Key";

    /// <summary>The configured keys.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // DataAnnotations does not descend into list items, so each entry is validated here.
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(ApiKeys[i], new ValidationContext(ApiKeys[i]), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return new ValidationResult(
                    $"ApiKeys[{i}]: {result.ErrorMessage}", result.MemberNames.Select(m => $"ApiKeys[{i}].{m}").ToList());
            }
        }

        foreach (var duplicate in ApiKeys.GroupBy(k => k.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult($"ApiKeys: the name '{duplicate.Key}' is used more than once; rate limits and audits go by name.");
        }
    }
}

/// <summary>One API key: who it is, what it may do and the hash of the key.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>Who holds the key (shows in audits and is the rate-limit partition).</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary><c>scorer</c> or <c>admin</c> (admin may also score).</summary>
    [Required]
    [RegularExpression("^(scorer|admin)$", ErrorMessage = "Role must be 'scorer' or 'admin'.")]
    public string Role { get; set; } = "";

    /// <summary>Lower- or upper-case hex SHA-256 of the key's UTF-8 bytes (64 characters).</summary>
    [Required]
    [RegularExpression("^[0-9a-fA-F]{64}$", ErrorMessage = "Sha256 must be 64 hex characters (the SHA-256 of the key).")]
    public string Sha256 { get; set; } = "";
}
