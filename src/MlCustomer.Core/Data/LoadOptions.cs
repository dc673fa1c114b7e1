namespace MlCustomer.Core.Data;

/// <summary>How <see cref="CustomerDataLoader"/> reads and validates the input files.</summary>
public sealed record LoadOptions
{
    /// <summary>Column names and formats of the files; the contract's own by default.</summary>
    public DataMapping Mapping { get; init; } = DataMapping.Default;

    /// <summary>
    /// False (the default): the first bad row throws a <see cref="DataFileException"/>. True: bad rows are
    /// left out and counted by reason in the <see cref="LoadReport"/>. Problems with a whole file (not
    /// found, empty, a required column missing) always throw.
    /// </summary>
    public bool SkipBadRows { get; init; }

    /// <summary>The last plausible order or signup day; later dates are "in the future". Today (UTC) by default.</summary>
    public DateOnly LatestValidDate { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>Receives the number of data rows read so far, about every 100,000 rows and at the end.</summary>
    public IProgress<long>? RowsReadProgress { get; init; }
}
