using System.Text.Json;

namespace MlCustomer.Core.Data;

/// <summary>
/// How a business's own export maps onto the data contract: its column names, date format, decimal
/// separator and delimiter, and the margin rates that estimate cost of goods when the export has no cost.
/// Read from a small JSON file so that an export loads without being edited.
/// </summary>
public sealed class DataMapping
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The contract's own names and formats: what training-data/ uses.</summary>
    public static DataMapping Default { get; } = new();

    /// <summary>Format of the transactions file.</summary>
    public FileFormat Transactions { get; init; } = new();

    /// <summary>Format of the customers file.</summary>
    public FileFormat Customers { get; init; } = new();

    /// <summary>Format of the service events file.</summary>
    public FileFormat ServiceEvents { get; init; } = new();

    /// <summary>
    /// The day the customers file was exported, when it is not the data's last order date. Its service columns
    /// (tickets, complaints, cost, satisfaction) are totals up to that day, so they are used as features only at
    /// that as-of date (see <see cref="CustomerDataSet.CustomersExportDate"/>).
    /// </summary>
    public DateOnly? CustomersExportDate { get; init; }

    /// <summary>Margin rates used when the transactions have no cost column.</summary>
    public CostEstimate CostEstimate { get; init; } = new();

    /// <summary>
    /// ISO 4217 code of the export's amounts (e.g. "GBP"); null leaves it to <c>train --currency</c> or
    /// <see cref="Currencies.Default"/>. Recorded in the model card, shown beside every amount.
    /// </summary>
    public string? Currency { get; init; }

    /// <summary>Reads and validates a mapping file; errors name the file and what is wrong.</summary>
    public static DataMapping Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFileException(path, 0, null, "mapping file not found");
        }

        DataMapping? mapping;
        try
        {
            mapping = JsonSerializer.Deserialize<DataMapping>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? l + 1 : 0;
            throw new DataFileException(path, line, e.Path, $"not a valid mapping: {e.Message.Split(". Path:")[0]}");
        }

        if (mapping is null)
        {
            throw new DataFileException(path, 0, null, "the mapping is empty");
        }

        var problems = mapping.Validate();
        return problems.Count == 0
            ? mapping
            : throw new DataFileException(path, 0, null, string.Join("; ", problems));
    }

    /// <summary>
    /// This mapping with one margin rate for every category without its own (<c>--margin-rate 0.25</c>: transactions
    /// without a cost column need no mapping file for it); the mapping's per-category rates are kept.
    /// </summary>
    /// <exception cref="ArgumentException">The rate is not between -1 and 1.</exception>
    public DataMapping WithDefaultMarginRate(double rate)
    {
        var estimate = new CostEstimate { DefaultMarginRate = rate, MarginRateByCategory = new(CostEstimate.MarginRateByCategory, StringComparer.Ordinal) };
        var problems = new List<string>();
        estimate.Validate(problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"--margin-rate {rate}: {string.Join("; ", problems).Replace("costEstimate.defaultMarginRate", "the gross margin rate", StringComparison.Ordinal)} (0.25 is a 25% gross margin)");
        }

        return WithCostEstimate(estimate);
    }

    /// <summary>This mapping with these margin rates instead of its own (a bundle's, see <see cref="CostEstimate.ForScoring"/>).</summary>
    public DataMapping WithCostEstimate(CostEstimate estimate)
    {
        return new DataMapping
        {
            Transactions = Transactions,
            Customers = Customers,
            ServiceEvents = ServiceEvents,
            CustomersExportDate = CustomersExportDate,
            CostEstimate = estimate,
            Currency = Currency,
        };
    }

    /// <summary>Every problem with this mapping, empty when it is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Transactions.Validate("transactions", TransactionColumns.All, problems);
        Customers.Validate("customers", CustomerColumns.Known, problems);
        ServiceEvents.Validate("serviceEvents", ServiceEventColumns.All, problems);
        CostEstimate.Validate(problems);
        if (Currency is not null && !Currencies.IsCode(Currency))
        {
            problems.Add($"currency '{Currency}' is not an ISO 4217 code (three capital letters, e.g. EUR, GBP, USD)");
        }

        return problems;
    }
}

/// <summary>Delimiter, decimal separator, date format and column names of one input file.</summary>
public sealed class FileFormat
{
    /// <summary>Field delimiter, one character ("," by default; ";" and "\t" are common).</summary>
    public string Delimiter { get; init; } = ",";

    /// <summary>Decimal separator, "." or ",".</summary>
    public string DecimalSeparator { get; init; } = ".";

    /// <summary>
    /// .NET date format of the date columns (e.g. "M/d/yyyy H:mm"); null means ISO 8601
    /// (yyyy-MM-dd, optionally with a time). Only the day is kept.
    /// </summary>
    public string? DateFormat { get; init; }

    /// <summary>Contract column name → the name in the user's file. Unmapped columns keep the contract name.</summary>
    public Dictionary<string, string> Columns { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The delimiter as a character.</summary>
    public char DelimiterChar => Delimiter == "\\t" ? '\t' : Delimiter[0];

    /// <summary>The name the user's file gives to a contract column.</summary>
    public string SourceName(string contractName) => Columns.GetValueOrDefault(contractName, contractName);

    internal void Validate(string file, IReadOnlySet<string> contractColumns, List<string> problems)
    {
        if (Delimiter.Length != 1 && Delimiter != "\\t")
        {
            problems.Add($"{file}.delimiter must be one character, not '{Delimiter}'");
        }

        if (DecimalSeparator is not ("." or ","))
        {
            problems.Add($"{file}.decimalSeparator must be '.' or ',', not '{DecimalSeparator}'");
        }

        if (DecimalSeparator == "," && Delimiter == ",")
        {
            problems.Add($"{file}: ',' cannot be both the delimiter and the decimal separator");
        }

        foreach (var (ours, theirs) in Columns)
        {
            if (!contractColumns.Contains(ours))
            {
                problems.Add($"{file}.columns.{ours} is not a {file} column of the contract (known: {string.Join(", ", contractColumns)})");
            }

            if (string.IsNullOrWhiteSpace(theirs))
            {
                problems.Add($"{file}.columns.{ours} maps to an empty column name");
            }
        }
    }
}

/// <summary>Margin rates (gross profit ÷ revenue) that estimate cost of goods when the export has none.</summary>
public sealed class CostEstimate
{
    /// <summary>The margin applied to categories not listed in <see cref="MarginRateByCategory"/>.</summary>
    public double? DefaultMarginRate { get; init; }

    /// <summary>Margin rate per category.</summary>
    public Dictionary<string, double> MarginRateByCategory { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The margin rate for a category, or null when none is configured.</summary>
    public double? MarginRateFor(string category) =>
        MarginRateByCategory.TryGetValue(category, out var rate) ? rate : DefaultMarginRate;

    /// <summary>
    /// The estimated cost of goods of an order line without cost: revenue × (1 − the category's margin rate), or null
    /// when no rate covers the category. The one rule the loader and the API's order histories share.
    /// </summary>
    public double? CostOfGoods(double revenue, string category) =>
        MarginRateFor(category) is { } rate ? revenue * (1 - rate) : null;

    /// <summary>True when no rate is configured.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => DefaultMarginRate is null && MarginRateByCategory.Count == 0;

    /// <summary>True when both give every category the same rate.</summary>
    public bool SameRates(CostEstimate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return DefaultMarginRate == other.DefaultMarginRate
            && MarginRateByCategory.Count == other.MarginRateByCategory.Count
            && MarginRateByCategory.All(r => other.MarginRateByCategory.TryGetValue(r.Key, out var rate) && rate == r.Value);
    }

    /// <summary>The rates in words, e.g. "a 25% gross margin" or "a 25% gross margin (Garden 40%)".</summary>
    public string Describe()
    {
        var text = DefaultMarginRate is { } rate ? $"a {Percent(rate)} gross margin" : "no default gross margin";
        return MarginRateByCategory.Count == 0
            ? text
            : $"{text} ({string.Join(", ", MarginRateByCategory.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {Percent(r.Value)}"))})";
    }

    /// <summary>
    /// The rates that estimate cost of goods when a bundle scores order lines without cost. A bundle's features were
    /// computed with the rates it was trained with (<paramref name="trained"/>, null when its training data had a cost
    /// column), so those apply by default; rates given for scoring (<paramref name="given"/>, named by
    /// <paramref name="givenBy"/>) that differ are refused rather than applied: gross profit, the value label and
    /// every profit feature would then mean something else than in training, and the scores would drift silently.
    /// Without trained rates, the given ones apply (null: lines without cost are refused, as before).
    /// </summary>
    /// <exception cref="ArgumentException">Given rates differ from the trained ones; the message names both.</exception>
    public static CostEstimate? ForScoring(CostEstimate? trained, CostEstimate? given, string bundleVersion, string givenBy)
    {
        if (given is null || given.IsEmpty)
        {
            return trained ?? given;
        }

        if (trained is null || trained.SameRates(given))
        {
            return given;
        }

        throw new ArgumentException(
            $"{givenBy} gives {given.Describe()}, but bundle {bundleVersion} was trained with cost of goods estimated at {trained.Describe()}: " +
            $"its profit features and predictions assume {trained.Describe()}. Leave the margin rate out to apply the bundle's, or train a bundle with {given.Describe()}.");
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + "%";

    internal void Validate(List<string> problems)
    {
        if (DefaultMarginRate is { } rate && !IsPlausible(rate))
        {
            problems.Add($"costEstimate.defaultMarginRate must be between -1 and 1, not {rate}");
        }

        foreach (var (category, categoryRate) in MarginRateByCategory)
        {
            if (!IsPlausible(categoryRate))
            {
                problems.Add($"costEstimate.marginRateByCategory.{category} must be between -1 and 1, not {categoryRate}");
            }
        }
    }

    private static bool IsPlausible(double rate) => double.IsFinite(rate) && rate is >= -1 and <= 1;
}
