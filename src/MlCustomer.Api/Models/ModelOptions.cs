using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Models;

/// <summary>Where model bundles are found. Relative paths are relative to the content root.</summary>
public sealed class ModelOptions
{
    /// <summary>Configuration section (keys <c>MlCustomer:BundlePath</c>, <c>MlCustomer:BundlesRoot</c>).</summary>
    public const string SectionName = "MlCustomer";

    /// <summary>
    /// The bundle loaded at start (and by a reload without a path). The default is the repository's
    /// models/ folder as seen from src/MlCustomer.Api, the content root of <c>dotnet run</c>.
    /// </summary>
    [Required]
    public string BundlePath { get; set; } = "../../models";

    /// <summary>A reload names a folder directly under this one; nothing outside it can be loaded.</summary>
    [Required]
    public string BundlesRoot { get; set; } = "../../models";

    /// <summary>
    /// A rules file (tiers, lifecycle, risk bands, actions, offer costs) that replaces the rules shipped in
    /// every bundle loaded; null uses each bundle's own rules.json. Its tier settings must match the
    /// bundle's learned cut-offs, or the bundle is refused.
    /// </summary>
    public string? RulesPath { get; set; }
}
