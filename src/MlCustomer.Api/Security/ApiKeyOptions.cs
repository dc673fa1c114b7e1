using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

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

    /// <summary>
    /// Lets the service start outside Development with no keys (it then answers 401 to every API call). Off by
    /// default: a deployment that forgot its keys refuses to start instead of reporting ready while refusing everyone.
    /// </summary>
    public bool AllowNoApiKeys { get; set; }

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

    /// <summary><c>scorer</c>, <c>admin</c> (may also score) or <c>marketing</c> (reads results, uses the workspace, never scores).</summary>
    [Required]
    [RegularExpression("^(scorer|admin|marketing)$", ErrorMessage = "Role must be 'scorer', 'admin' or 'marketing'.")]
    public string Role { get; set; } = "";

    /// <summary>Lower- or upper-case hex SHA-256 of the key's UTF-8 bytes (64 characters).</summary>
    [Required]
    [RegularExpression("^[0-9a-fA-F]{64}$", ErrorMessage = "Sha256 must be 64 hex characters (the SHA-256 of the key).")]
    public string Sha256 { get; set; } = "";
}

/// <summary>Outside Development, no keys is a configuration mistake: start-up fails with what to configure.</summary>
internal sealed class ApiKeysRequired(IHostEnvironment environment) : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options) =>
        options.ApiKeys.Count > 0 || options.AllowNoApiKeys || environment.IsDevelopment()
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"No API keys are configured (MlCustomer:ApiKeys) in the {environment.EnvironmentName} environment, so every API call would be refused with 401. " +
                "Configure at least one key as its SHA-256 hash (MlCustomer__ApiKeys__0__Name, __Role, __Sha256; see the README, \"Running in production\"), " +
                "or set MlCustomer:AllowNoApiKeys=true to start anyway.");
}
