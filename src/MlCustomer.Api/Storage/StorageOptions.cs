using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Storage;

/// <summary>Where the database lives (a SQLite file, or a PostgreSQL server) and how long it keeps scoring runs.</summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>Configuration section (the keys are <c>MlCustomer:DatabasePath</c>, <c>MlCustomer:Storage:PostgreSql</c> …).</summary>
    public const string SectionName = "MlCustomer";

    /// <summary>
    /// The SQLite file, relative to the content root unless absolute; created on first start. Used when
    /// <see cref="ScoreDatabase.PostgreSql"/> is empty (the default: one machine needs no database server).
    /// </summary>
    [Required]
    public string DatabasePath { get; set; } = "mlcustomer.db";

    /// <summary>Which database the scores live in (<c>MlCustomer:Storage</c>).</summary>
    public ScoreDatabase Storage { get; set; } = new();

    /// <summary>True when the scores live in PostgreSQL rather than in the SQLite file.</summary>
    public bool UsesPostgreSql => !string.IsNullOrWhiteSpace(Storage.PostgreSql);

    /// <inheritdoc />
    // The options validator checks this object's own attributes only: the nested section's are checked here.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Storage, new ValidationContext(Storage), results, validateAllProperties: true);
        return results.Select(r => new ValidationResult($"MlCustomer:Storage: {r.ErrorMessage}", [.. r.MemberNames.Select(m => $"Storage:{m}")]));
    }

    /// <summary>
    /// Succeeded scoring runs whose scores are kept (<c>MlCustomer:KeepScoringRuns</c>): after each run the older ones'
    /// scores, decisions and target candidates are deleted and the file is compacted; their run records and summaries
    /// stay (status <c>pruned</c>). The current run (latest as-of date, then latest finish) is always one of those kept,
    /// the others are the latest finished.
    /// </summary>
    [Range(1, 1_000)]
    public int KeepScoringRuns { get; set; } = 3;
}

/// <summary>The database server holding the scores, when it is not the SQLite file.</summary>
public sealed class ScoreDatabase
{
    /// <summary>
    /// Npgsql connection string (<c>MlCustomer:Storage:PostgreSql</c>, environment variable
    /// <c>MlCustomer__Storage__PostgreSql</c>; keep its password in a secret). When set, scoring runs, stored scores, the
    /// reload and personal-data audits live in this database instead of <see cref="StorageOptions.DatabasePath"/>, with the
    /// same migrations, and every replica pointing at it shares them. It may be the same database as
    /// <c>MlCustomer:Cluster:PostgreSql</c> (the tables do not overlap). The account creates the tables on first start.
    /// </summary>
    public string? PostgreSql { get; set; }

    /// <summary>
    /// PostgreSQL: how long a replica's claim on a scoring run lasts without renewal, in seconds (<c>MlCustomer:Storage:RunLeaseSeconds</c>).
    /// The executing replica renews it every third of this; when a replica dies, another takes its run over this long after.
    /// </summary>
    [Range(3, 3_600)]
    public int RunLeaseSeconds { get; set; } = 30;

    /// <summary>
    /// PostgreSQL: customers per chunk of a shared run (<c>MlCustomer:Storage:RunChunkCustomers</c>): the unit replicas claim,
    /// score and write in one transaction. Smaller shares a run more evenly; larger costs fewer claims.
    /// </summary>
    [Range(256, 100_000)]
    public int RunChunkCustomers { get; set; } = 4_096;

    /// <summary>
    /// PostgreSQL: how many of its scored chunks a replica writes at once, each over its own connection in its own transaction
    /// (<c>MlCustomer:Storage:RunChunkWriters</c>): the server's inserts of one chunk and the encoding of another run beside the
    /// scoring of the next, on as many backends. Also the most scored chunks a replica holds in memory waiting to be written.
    /// 1 writes one chunk at a time (still beside the next one's scoring).
    /// </summary>
    [Range(1, 8)]
    public int RunChunkWriters { get; set; } = 2;

    /// <summary>PostgreSQL: how often an idle replica looks for a run to execute (queued anywhere, or abandoned), in seconds.</summary>
    [Range(1, 300)]
    public int RunPollSeconds { get; set; } = 2;
}
