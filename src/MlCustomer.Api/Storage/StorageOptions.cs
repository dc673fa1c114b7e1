using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Storage;

/// <summary>Where the database lives.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section (the key is <c>MlCustomer:DatabasePath</c>).</summary>
    public const string SectionName = "MlCustomer";

    /// <summary>The SQLite file, relative to the content root unless absolute; created on first start.</summary>
    [Required]
    public string DatabasePath { get; set; } = "mlcustomer.db";
}
