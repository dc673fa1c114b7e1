using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlCustomer.Core.Data;

/// <summary>
/// What loading read, skipped (by reason, with the first examples) and assumed. Nothing is dropped
/// without being counted here.
/// </summary>
public sealed class LoadReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>One entry per file read.</summary>
    public List<FileLoadReport> Files { get; init; } = [];

    /// <summary>Assumptions the loader made, e.g. an estimated cost of goods.</summary>
    public List<string> Notes { get; init; } = [];

    /// <summary>
    /// The margin rates that estimated cost of goods because the transactions had no cost column (<c>--margin-rate</c>
    /// or the mapping's costEstimate); null when every line had its cost. A bundle's card keeps it, so scoring applies
    /// the same rates (<see cref="CostEstimate.ForScoring"/>).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CostEstimate? CostEstimate { get; set; }

    /// <summary>Total rows skipped over all files.</summary>
    [JsonIgnore]
    public long RowsSkipped => Files.Sum(f => f.RowsSkipped);

    /// <summary>Human-readable summary for the console.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var file in Files)
        {
            text.AppendLine($"{file.File}: {file.RowsRead:N0} rows read, {file.RowsLoaded:N0} loaded, {file.RowsSkipped:N0} skipped");
            foreach (var (reason, count) in file.SkippedByReason.OrderByDescending(r => r.Value))
            {
                text.AppendLine($"  skipped {count:N0}: {reason}");
            }

            foreach (var example in file.SkippedExamples)
            {
                text.AppendLine($"    e.g. {DataFileException.Format(file.File, example.Line, example.Column, example.Problem)}");
            }
        }

        foreach (var note in Notes)
        {
            text.AppendLine($"note: {note}");
        }

        return text.ToString();
    }

    /// <summary>
    /// The same report with file names instead of paths, for what is committed or shared (a model card):
    /// where the files lay on the training machine is nobody's business and breaks reproducibility.
    /// </summary>
    public LoadReport WithFileNamesOnly() => new()
    {
        Files = Files.Select(f => new FileLoadReport
        {
            File = Path.GetFileName(f.File),
            RowsRead = f.RowsRead,
            RowsLoaded = f.RowsLoaded,
            SkippedByReason = f.SkippedByReason,
            SkippedExamples = f.SkippedExamples,
        }).ToList(),
        Notes = Notes,
        CostEstimate = CostEstimate,
    };

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    public static LoadReport FromJson(string json) =>
        JsonSerializer.Deserialize<LoadReport>(json, JsonOptions) ?? throw new JsonException("Empty load report.");
}

/// <summary>Counts for one file.</summary>
public sealed class FileLoadReport
{
    /// <summary>How many example rows are kept per skip reason.</summary>
    public const int ExamplesPerReason = 3;

    /// <summary>File name as given.</summary>
    public required string File { get; init; }

    /// <summary>Data rows read (the header not counted).</summary>
    public long RowsRead { get; set; }

    /// <summary>Rows that were loaded.</summary>
    public long RowsLoaded { get; set; }

    /// <summary>Skipped rows, counted by reason.</summary>
    public SortedDictionary<string, long> SkippedByReason { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The first few skipped rows of each reason, with line and column.</summary>
    public List<SkippedRow> SkippedExamples { get; init; } = [];

    /// <summary>Total rows skipped.</summary>
    [JsonIgnore]
    public long RowsSkipped => SkippedByReason.Values.Sum();

    /// <summary>Counts one skipped row under <paramref name="reason"/> and keeps it as an example if there are few yet.</summary>
    public void Skip(string reason, long line, string? column, string problem)
    {
        SkippedByReason[reason] = SkippedByReason.GetValueOrDefault(reason) + 1;
        if (SkippedByReason[reason] <= ExamplesPerReason)
        {
            SkippedExamples.Add(new SkippedRow(reason, line, column, problem));
        }
    }
}

/// <summary>An example of a skipped row.</summary>
/// <param name="Reason">The skip reason it was counted under.</param>
/// <param name="Line">Physical line number (header = 1).</param>
/// <param name="Column">The offending column, if any.</param>
/// <param name="Problem">What was wrong.</param>
public sealed record SkippedRow(string Reason, long Line, string? Column, string Problem);
