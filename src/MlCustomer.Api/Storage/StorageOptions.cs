using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Storage;

/// <summary>Where the database lives and how long it keeps scoring runs.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section (the key is <c>MlCustomer:DatabasePath</c>).</summary>
    public const string SectionName = "MlCustomer";

    /// <summary>The SQLite file, relative to the content root unless absolute; created on first start.</summary>
    [Required]
    public string DatabasePath { get; set; } = "mlcustomer.db";

    /// <summary>
    /// Succeeded scoring runs whose scores are kept (<c>MlCustomer:KeepScoringRuns</c>): after each run the older ones'
    /// scores, decisions and target candidates are deleted and the file is compacted; their run records and summaries
    /// stay (status <c>pruned</c>). The current run (latest as-of date, then latest finish) is always one of those kept,
    /// the others are the latest finished.
    /// </summary>
    [Range(1, 1_000)]
    public int KeepScoringRuns { get; set; } = 3;
}
