using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Data;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Segments;

namespace MlCustomer.Api.Scoring;

/// <summary>One customer ready for the models.</summary>
/// <param name="Row">The model row.</param>
/// <param name="SegmentVector">The segmentation input, or null when the recency, frequency, revenue and profit inputs are not all known.</param>
/// <param name="Warnings">What was unusual about the input.</param>
public sealed record PreparedCustomer(ModelRow Row, float[]? SegmentVector, List<string> Warnings);

/// <summary>A validated request: the customers ready for the models, or every problem found.</summary>
/// <param name="AsOfDate">The as-of date used.</param>
/// <param name="Customers">The customers, in request order (empty when there are errors).</param>
/// <param name="Errors">Field path → problems; empty when the request is valid.</param>
public sealed record PreparedBatch(DateOnly AsOfDate, IReadOnlyList<PreparedCustomer> Customers, Dictionary<string, string[]> Errors);

/// <summary>
/// Checks a <see cref="ScoreRequest"/> against the active contract before anything is scored and turns it
/// into model rows: precomputed features are checked value by value; histories go through the trainer's
/// own <see cref="FeatureBuilder"/> (IncludeLabels = false) and <see cref="FeatureRows"/>. Every problem
/// of every customer is collected, keyed by its path, e.g. <c>customers[3].features.recency_days</c>.
/// </summary>
public static class ScoreInputs
{
    /// <summary>Longest accepted id, name or category text.</summary>
    public const int MaxTextLength = 200;

    // C0, DEL and C1: never part of an id, and they corrupt logs, CSV exports and pages that show the id.
    private static readonly SearchValues<char> ControlCharacters =
        SearchValues.Create([.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)]);

    /// <summary>
    /// What is wrong with an id (customer or order; already trimmed), or null when it is acceptable: the one rule for
    /// JSON and CSV. Allocates nothing when the id is acceptable (the CSV's plain-line path calls it per row).
    /// </summary>
    public static string? IdProblem(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty)
        {
            return "is required";
        }

        if (id.Length > MaxTextLength)
        {
            return $"is longer than {MaxTextLength} characters";
        }

        var control = id.IndexOfAny(ControlCharacters);
        if (control >= 0)
        {
            return $"contains the control character U+{(int)id[control]:X4}; ids must be printable text";
        }

        var invisible = id.IndexOfAny(InvisibleCharacters);
        if (invisible >= 0)
        {
            return $"contains the invisible character U+{(int)id[invisible]:X4} ({InvisibleKind(id[invisible])}); ids must be printable text";
        }

        return HasUnpairedSurrogate(id) ? "contains an unpaired surrogate (half of a character); ids must be valid Unicode text" : null;
    }

    private static bool HasUnpairedSurrogate(ReadOnlySpan<char> text)
    {
        while (text.IndexOfAnyInRange('\uD800', '\uDFFF') is var at and >= 0)
        {
            if (System.Text.Rune.DecodeFromUtf16(text[at..], out _, out var used) != OperationStatus.Done)
            {
                return true;
            }

            text = text[(at + used)..];
        }

        return false;
    }

    // Unicode format characters (bidi overrides and isolates, zero-width joiners and spaces, the byte order mark, soft
    // hyphen, invisible operators) and the line and paragraph separators: they do not show, so two ids that print
    // alike would be two customers, and a right-to-left override turns an id around in logs, exports and pages.
    private static readonly SearchValues<char> InvisibleCharacters = SearchValues.Create(
        [.. Enumerable.Range(0, 0x10000).Select(c => (char)c).Where(c => !char.IsSurrogate(c)
            && char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)]);

    private static string InvisibleKind(char c) => c switch
    {
        >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C' => "a text-direction control",
        '\uFEFF' => "a byte order mark",
        '\u2028' or '\u2029' => "a line or paragraph separator",
        _ => "a zero-width or format character",
    };

    /// <summary>Validates and prepares a request.</summary>
    public static PreparedBatch Prepare(ScoreRequest request, InputContract contract, ScoringOptions options, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(options);
        var errors = new Errors();
        var asOf = request.AsOfDate ?? today;
        if (asOf > today.AddDays(1))
        {
            errors.Add("asOfDate", $"{asOf:yyyy-MM-dd} is in the future (today is {today:yyyy-MM-dd} UTC)");
        }

        if (FeatureDomains.EarliestDateProblem(asOf) is { } early)
        {
            errors.Add("asOfDate", early);
        }

        var customers = request.Customers ?? [];
        if (customers.Count == 0 || customers.Count > options.MaxCustomersPerRequest)
        {
            errors.Add("customers", $"send 1 to {options.MaxCustomersPerRequest:N0} customers (got {customers.Count:N0})");
            return new PreparedBatch(asOf, [], errors.ToDictionary());
        }

        var prepared = new PreparedCustomer?[customers.Count];
        var histories = new List<History>();
        var costs = CostsOf(contract, options);
        var firstIndexOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < customers.Count; i++)
        {
            var path = $"customers[{i}]";
            var customer = customers[i];
            if (customer is null)
            {
                errors.Add(path, "is null");
                continue;
            }

            var id = CheckId(customer.CustomerId, $"{path}.customerId", errors);
            if (id is not null && !firstIndexOfId.TryAdd(id, i))
            {
                errors.Add($"{path}.customerId", $"'{id}' is already used by customers[{firstIndexOfId[id]}]; ids must be unique in a request");
            }

            switch (customer.Features, customer.History)
            {
                case (null, null):
                    errors.Add(path, "send either features or history");
                    break;
                case (not null, not null):
                    errors.Add(path, "send either features or history, not both");
                    break;
                case (not null, null):
                    prepared[i] = FromFeatures(id ?? "", customer.Features, contract, $"{path}.features", errors);
                    break;
                default:
                    if (CheckHistory(id ?? "", customer.History!, contract, options, costs, asOf, $"{path}.history", errors) is { } history)
                    {
                        histories.Add(new History(i, history.Customer, history.Lines, history.ServiceEvents, history.Warnings));
                    }

                    break;
            }
        }

        if (errors.Count == 0 && histories.Count > 0)
        {
            foreach (var (index, customer) in FromHistories(histories, contract, asOf, errors))
            {
                prepared[index] = customer;
            }
        }

        return errors.Count > 0
            ? new PreparedBatch(asOf, [], errors.ToDictionary())
            : new PreparedBatch(asOf, prepared.Select(p => p!).ToList(), errors.ToDictionary());
    }

    /// <summary>
    /// A customer from a row of precomputed values (JSON or CSV): every contract feature must be present,
    /// null means missing; unknown names are refused.
    /// </summary>
    public static PreparedCustomer? FromValues(
        string id, IReadOnlyDictionary<string, FeatureValue> values, InputContract contract, string path, Errors errors)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var warnings = new List<string>();
        foreach (var name in values.Keys.Where(n => !contract.IsKnown(n)).Order(StringComparer.Ordinal))
        {
            errors.Add($"{path}.{name}", $"is not a feature of model {contract.Card.Version}; it reads: {contract.DescribeNames()}");
        }

        var numbers = new float[contract.Numeric.Count];
        for (var slot = 0; slot < contract.Numeric.Count; slot++)
        {
            var name = contract.Numeric[slot].Name;
            var key = $"{path}.{name}";
            if (!values.TryGetValue(name, out var value))
            {
                errors.Add(key, contract.MissingProblem(slot) is null ? "is required (send null when the value is missing)" : "is required");
                continue;
            }

            if (value.Problem is { } problem)
            {
                errors.Add(key, problem);
            }
            else if (value.Number is { } number)
            {
                if (contract.CheckNumber(name, number, warnings) is { } numberProblem)
                {
                    errors.Add(key, numberProblem);
                }

                numbers[slot] = (float)number;
            }
            else if (value.Text is not null)
            {
                errors.Add(key, $"must be a number or null, not the text '{Shorten(value.Text)}'");
            }
            else if (contract.MissingProblem(slot) is { } missingProblem)
            {
                errors.Add(key, missingProblem);
            }
            else
            {
                numbers[slot] = float.NaN;
            }
        }

        var terms = new string[contract.Categorical.Count];
        for (var slot = 0; slot < contract.Categorical.Count; slot++)
        {
            var name = contract.Categorical[slot].Name;
            var key = $"{path}.{name}";
            if (!values.TryGetValue(name, out var value))
            {
                errors.Add(key, "is required (send null when the value is missing)");
            }
            else if (value.Problem is { } problem)
            {
                errors.Add(key, problem);
            }
            else if (value.Number is not null)
            {
                errors.Add(key, "must be a text (a category) or null");
            }
            else if (value.Text is { Length: > MaxTextLength })
            {
                errors.Add(key, $"is longer than {MaxTextLength} characters");
            }
            else
            {
                terms[slot] = contract.Categorize(slot, value.Text, warnings);
            }
        }

        var segmentInputs = new double[SegmentFeatures.Names.Count];
        var hasSegmentInputs = true;
        for (var k = 0; k < SegmentFeatures.Names.Count; k++)
        {
            var name = SegmentFeatures.Names[k];
            if (values.TryGetValue(name, out var value) && value.Number is { } number && double.IsFinite(number))
            {
                segmentInputs[k] = number;
                if (contract.SegmentOnly.Contains(name) && FeatureDomains.Problem(name, number) is { } problem)
                {
                    errors.Add($"{path}.{name}", problem);
                }
            }
            else
            {
                hasSegmentInputs = false;
            }
        }

        if (errors.Count == before)
        {
            contract.CheckConsistency(numbers, path, errors);
        }

        if (errors.Count > before)
        {
            return null;
        }

        var vector = hasSegmentInputs ? segmentInputs.Select(SegmentFeatures.SignedLog).ToArray() : null;
        return new PreparedCustomer(new ModelRow { CustomerId = id, Numeric = numbers, Categorical = terms }, vector, warnings);
    }

    private static PreparedCustomer? FromFeatures(string id, Dictionary<string, JsonElement> features, InputContract contract, string path, Errors errors)
    {
        if (contract.Table is { } table)
        {
            var cells = new Dictionary<string, TableCell>(features.Count, StringComparer.Ordinal);
            foreach (var (name, element) in features)
            {
                switch (element.ValueKind)
                {
                    case JsonValueKind.Null or JsonValueKind.Undefined:
                        cells[name] = default;
                        break;
                    case JsonValueKind.String:
                        cells[name] = TableCell.OfText(element.GetString());
                        break;
                    case JsonValueKind.Number when element.TryGetDouble(out var number) && double.IsFinite(number):
                        cells[name] = new TableCell(null, number);
                        break;
                    // A JSON true/false is the word the file would hold.
                    case JsonValueKind.True or JsonValueKind.False:
                        cells[name] = TableCell.OfText(element.GetRawText());
                        break;
                    default:
                        errors.Add($"{path}.{name}", $"must be the cell as in the table (a text or a number) or null, not {element.GetRawText()}");
                        break;
                }
            }

            var prepared = FromTableCells(id, cells, contract, table, path, errors, out var extra);
            if (prepared is not null && extra.Count > 0)
            {
                prepared.Warnings.Insert(0, new TableLayout(-1, -1, [], [], extra).ExtraColumnsWarning()!);
            }

            return prepared;
        }

        return FromValues(id, features.ToDictionary(f => f.Key, f => FeatureValue.FromJson(f.Value), StringComparer.Ordinal), contract, path, errors);
    }

    /// <summary>
    /// A customer from a row of a customer table as it appears in the training file (table bundles): every feature column
    /// must be present (null or an empty cell says missing); the id, label, value and excluded columns of the training file
    /// are ignored, other names are returned in <paramref name="extra"/> (ignored, with one warning). Values are encoded by
    /// the card's <see cref="TableRowEncoder"/>, exactly as training read them; a value training never saw is a warning.
    /// </summary>
    public static PreparedCustomer? FromTableCells(
        string id, IReadOnlyDictionary<string, TableCell> cells, InputContract contract, TableRowEncoder table, string path, Errors errors, out List<string> extra)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var known = table.Encoding.KnownColumns();
        extra = cells.Keys.Where(k => !known.Contains(k) && k != FeatureColumns.CustomerId).Order(StringComparer.Ordinal).ToList();
        var row = new TableCell[table.FeatureColumns.Count];
        for (var k = 0; k < row.Length; k++)
        {
            var name = table.FeatureColumns[k];
            if (!cells.TryGetValue(name, out var cell))
            {
                errors.Add($"{path}.{name}", "is a column the model reads: it is required (send null when the value is missing)");
            }
            else if (cell.Text is { Length: > MaxTextLength })
            {
                errors.Add($"{path}.{name}", $"is longer than {MaxTextLength} characters");
            }
            else
            {
                row[k] = cell;
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        var warnings = new List<string>();
        var model = table.Encode(id, row, warnings);
        contract.WarnOutsideRanges(model, warnings);
        return new PreparedCustomer(model, null, warnings);
    }

    /// <summary>How order lines without cost are costed for this bundle (<see cref="ScoringOptions.CostEstimateFor"/>), or why they cannot be.</summary>
    private static Costs CostsOf(InputContract contract, ScoringOptions options)
    {
        try
        {
            var estimate = options.CostEstimateFor(contract.Card);
            var source = estimate is null ? "" : contract.Card.Data.Load.CostEstimate is null ? "the server's margin rate" : $"the margin rate model {contract.Card.Version} was trained with";
            return new Costs(estimate, source, null);
        }
        catch (ArgumentException e)
        {
            return new Costs(null, "", e.Message);
        }
    }

    /// <summary>The margin rates for lines without cost and whose they are, or the problem that leaves none.</summary>
    private sealed record Costs(CostEstimate? Estimate, string Source, string? Problem);

    private static (Customer Customer, List<Transaction> Lines, List<ServiceEvent>? ServiceEvents, List<string> Warnings)? CheckHistory(
        string id, CustomerHistory history, InputContract contract, ScoringOptions options, Costs costs, DateOnly asOf, string path, Errors errors)
    {
        var before = errors.Count;
        var warnings = new List<string>();
        if (!contract.AcceptsHistory)
        {
            errors.Add(path, $"model {contract.Card.Version} was trained on a customer table, not on order history: send features");
            return null;
        }

        var transactions = history.Transactions ?? [];
        if (transactions.Count == 0 || transactions.Count > options.MaxTransactionsPerCustomer)
        {
            errors.Add($"{path}.transactions", $"send 1 to {options.MaxTransactionsPerCustomer:N0} order lines (got {transactions.Count:N0})");
        }

        var lines = new List<Transaction>(transactions.Count);
        var purchaseDates = new Dictionary<string, (DateOnly Date, int Line)>(StringComparer.Ordinal);
        var estimatedCost = false;
        for (var j = 0; j < transactions.Count && j < options.MaxTransactionsPerCustomer; j++)
        {
            var linePath = $"{path}.transactions[{j}]";
            var t = transactions[j];
            if (t is null)
            {
                errors.Add(linePath, "is null");
                continue;
            }

            var orderId = CheckId(t.OrderId, $"{linePath}.{TransactionColumns.OrderId}", errors);
            var date = CheckDate(t.OrderDate, $"{linePath}.{TransactionColumns.OrderDate}", required: true, asOf, errors);
            var quantity = CheckAmount(t.Quantity, $"{linePath}.{TransactionColumns.Quantity}", required: true, mayBeNegative: true, errors);
            var revenue = CheckAmount(t.Revenue, $"{linePath}.{TransactionColumns.Revenue}", required: true, mayBeNegative: true, errors);
            var cost = CheckAmount(t.Cost, $"{linePath}.{TransactionColumns.Cost}", required: false, mayBeNegative: true, errors);
            var discount = CheckAmount(t.Discount, $"{linePath}.{TransactionColumns.Discount}", required: false, mayBeNegative: false, errors);
            var category = CheckText(t.Category, $"{linePath}.{TransactionColumns.Category}", required: false, errors);
            var channel = CheckText(t.Channel, $"{linePath}.{TransactionColumns.Channel}", required: false, errors);
            if (t.Cost is null && t.Revenue is not null && costs.Estimate is null)
            {
                errors.Add($"{linePath}.{TransactionColumns.Cost}", costs.Problem is { } problem
                    ? $"is required: {problem}"
                    : "is required (neither the model nor the server has a margin rate to estimate cost of goods)");
            }

            if (orderId is null || date is null || quantity is null || revenue is null)
            {
                continue;
            }

            // The loader's rule, so a history sent here is refused where the same line in a file would be.
            if (Transaction.SignProblem(quantity.Value, revenue.Value) is { } signProblem)
            {
                errors.Add($"{linePath}.{TransactionColumns.Revenue}", $"{FeatureDomains.Show(revenue.Value)} with quantity {FeatureDomains.Show(quantity.Value)}: {signProblem}");
                continue;
            }

            if (cost is null && costs.Estimate is { } estimate)
            {
                cost = estimate.CostOfGoods(revenue.Value, category ?? FeatureColumns.NoValue);
                if (cost is null)
                {
                    errors.Add($"{linePath}.{TransactionColumns.Cost}", $"is required: no margin rate covers category '{category}' ({estimate.Describe()})");
                    continue;
                }

                estimatedCost = true;
            }

            var line = new Transaction(id, orderId, date.Value, category ?? FeatureColumns.NoValue, quantity.Value, revenue.Value,
                cost ?? 0, discount ?? 0, channel ?? FeatureColumns.NoValue);
            // The feature builder counts purchase days by date and orders by id: one order's purchase lines on two dates
            // would give more purchase days than orders, a customer the features path refuses (purchase_days ≤ order_count).
            if (!line.IsReturn && line.Revenue > 0 && !purchaseDates.TryAdd(orderId, (date.Value, j)) && purchaseDates[orderId] is var first && first.Date != date.Value)
            {
                errors.Add($"{linePath}.{TransactionColumns.OrderDate}",
                    $"{date.Value:yyyy-MM-dd} differs from {first.Date:yyyy-MM-dd}, the date of order '{orderId}' on transactions[{first.Line}]: an order's purchase lines share one date (only returns come later)");
                continue;
            }

            lines.Add(line);
        }

        if (estimatedCost)
        {
            warnings.Add($"cost of goods estimated at {costs.Estimate!.Describe()} for lines without cost ({costs.Source})");
        }

        var attributes = history.Attributes ?? [];
        foreach (var name in attributes.Keys.Where(n => !contract.AttributeNames.Contains(n)).Order(StringComparer.Ordinal))
        {
            errors.Add($"{path}.attributes.{name}",
                $"is not an attribute model {contract.Card.Version} reads; it reads: {string.Join(", ", contract.AttributeNames)}");
        }

        var values = new string[contract.AttributeNames.Count];
        for (var k = 0; k < values.Length; k++)
        {
            var name = contract.AttributeNames[k];
            if (!attributes.TryGetValue(name, out var value))
            {
                errors.Add($"{path}.attributes.{name}", "is required (send null when the value is missing)");
            }
            else if (value is { Length: > MaxTextLength })
            {
                errors.Add($"{path}.attributes.{name}", $"is longer than {MaxTextLength} characters");
            }
            else
            {
                values[k] = value ?? "";
                contract.Categorize(contract.CategoricalSlot(name), value, warnings);
            }
        }

        var tickets = CheckService(history.SupportTickets, CustomerColumns.SupportTickets, path, errors);
        var complaints = CheckService(history.Complaints, CustomerColumns.Complaints, path, errors);
        var serviceCost = CheckService(history.ServiceCost, CustomerColumns.ServiceCost, path, errors);
        var satisfaction = CheckService(history.Satisfaction, CustomerColumns.Satisfaction, path, errors);
        var signup = CheckDate(history.SignupDate, $"{path}.{CustomerColumns.SignupDate}", required: false, asOf, errors);
        var serviceEvents = CheckServiceEvents(id, history, options, asOf, path, errors);
        if (errors.Count > before)
        {
            return null;
        }

        return (new Customer(id, signup, values, tickets, complaints, serviceCost, satisfaction), lines, serviceEvents, warnings);
    }

    private static List<ServiceEvent>? CheckServiceEvents(
        string id, CustomerHistory history, ScoringOptions options, DateOnly asOf, string path, Errors errors)
    {
        if (history.ServiceEvents is not { } events)
        {
            return null;
        }

        if (history.SupportTickets is not null || history.Complaints is not null || history.ServiceCost is not null || history.Satisfaction is not null)
        {
            errors.Add($"{path}.service_events",
                $"send either service_events or the totals ({CustomerColumns.SupportTickets}, {CustomerColumns.Complaints}, " +
                $"{CustomerColumns.ServiceCost}, {CustomerColumns.Satisfaction}), not both: they would count the same service twice");
            return null;
        }

        if (events.Count > options.MaxTransactionsPerCustomer)
        {
            errors.Add($"{path}.service_events", $"send at most {options.MaxTransactionsPerCustomer:N0} service events (got {events.Count:N0})");
            return null;
        }

        var result = new List<ServiceEvent>(events.Count);
        for (var j = 0; j < events.Count; j++)
        {
            var eventPath = $"{path}.service_events[{j}]";
            if (events[j] is not { } e)
            {
                errors.Add(eventPath, "is null");
                continue;
            }

            var date = CheckDate(e.EventDate, $"{eventPath}.{ServiceEventColumns.EventDate}", required: true, asOf, errors);
            var tickets = CheckService(e.SupportTickets, ServiceEventColumns.SupportTickets, eventPath, errors);
            var complaints = CheckService(e.Complaints, ServiceEventColumns.Complaints, eventPath, errors);
            var cost = CheckService(e.ServiceCost, ServiceEventColumns.ServiceCost, eventPath, errors);
            var satisfaction = CheckService(e.Satisfaction, ServiceEventColumns.Satisfaction, eventPath, errors);
            if (date is { } day)
            {
                result.Add(new ServiceEvent(id, day, tickets, complaints, cost, satisfaction));
            }
        }

        return result;
    }

    private sealed record History(int Index, Customer Customer, List<Transaction> Lines, List<ServiceEvent>? ServiceEvents, List<string> Warnings);

    // All history customers of a request go through one FeatureBuilder.Build, exactly as a training file does.
    private static IEnumerable<(int Index, PreparedCustomer Customer)> FromHistories(
        List<History> histories, InputContract contract, DateOnly asOf, Errors errors)
    {
        // Customers who sent dated service events and customers who sent totals are two data sets, as a service events
        // file and a customers file are: each through the one feature builder.
        var byId = new Dictionary<string, CustomerFeatures>(StringComparer.Ordinal);
        foreach (var group in histories.GroupBy(h => h.ServiceEvents is not null))
        {
            var data = new CustomerDataSet(
                group.SelectMany(h => h.Lines).ToList(), group.Select(h => h.Customer).ToList(),
                contract.AttributeNames, CostIsEstimated: false, new LoadReport())
            {
                // A request's service totals are the customer's figures at the request's as-of date.
                CustomersExportDate = asOf,
                ServiceEvents = group.Key ? group.SelectMany(h => h.ServiceEvents!).ToList() : null,
                ServiceEventMeasures = group.Key ? ServiceEventColumns.Measures.ToHashSet(StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal),
            };
            var table = FeatureBuilder.Build(data, new FeatureOptions
            {
                AsOfDate = asOf,
                ChurnHorizonDays = contract.Card.ChurnHorizonDays ?? FeatureOptions.DefaultChurnHorizonDays,
                ValueHorizonDays = contract.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays,
                IncludeLabels = false,
            });
            foreach (var row in table.Rows)
            {
                byId.Add(row.CustomerId, row);
            }
        }

        var rows = new FeatureRows(contract.Card.FeatureContract, contract.AttributeNames);
        var result = new List<(int, PreparedCustomer)>(histories.Count);
        foreach (var (index, customer, _, _, warnings) in histories)
        {
            var features = byId[customer.CustomerId];
            var row = rows.From(features);
            for (var slot = 0; slot < contract.Numeric.Count; slot++)
            {
                if (float.IsNaN(row.Numeric[slot]) && contract.MissingProblem(slot) is not null)
                {
                    var name = contract.Numeric[slot].Name;
                    var source = name is CustomerColumns.SupportTickets or CustomerColumns.Complaints or CustomerColumns.ServiceCost or CustomerColumns.Satisfaction
                        ? $"customers[{index}].history.{name}"
                        : $"customers[{index}].history";
                    errors.Add(source, $"gives no value for {name}, which was never missing in training, so the model would read the gap as a real 0");
                }
            }

            contract.WarnOutsideRanges(row, warnings);
            if (features.MainChannel != FeatureColumns.NoValue)
            {
                var channelSlot = contract.CategoricalSlot(FeatureColumns.MainChannel);
                if (channelSlot >= 0)
                {
                    contract.Categorize(channelSlot, features.MainChannel, warnings);
                }
            }

            result.Add((index, new PreparedCustomer(row, SegmentFeatures.From(features), warnings)));
        }

        return result;
    }

    private static string? CheckId(string? value, string path, Errors errors)
    {
        var id = value.AsSpan().Trim();
        if (IdProblem(id) is { } problem)
        {
            errors.Add(path, problem);
            return null;
        }

        return id.ToString();
    }

    private static string? CheckText(string? value, string path, bool required, Errors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(path, "is required");
            }

            return null;
        }

        if (value.Length > MaxTextLength)
        {
            errors.Add(path, $"is longer than {MaxTextLength} characters");
            return null;
        }

        return value.Trim();
    }

    private static DateOnly? CheckDate(string? value, string path, bool required, DateOnly asOf, Errors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(path, "is required (yyyy-MM-dd)");
            }

            return null;
        }

        if (!TryParseDay(value, out var day))
        {
            errors.Add(path, $"'{Shorten(value)}' is not a date (yyyy-MM-dd)");
            return null;
        }

        if (day > asOf)
        {
            errors.Add(path, $"{day:yyyy-MM-dd} is after the as-of date {asOf:yyyy-MM-dd}");
            return null;
        }

        if (FeatureDomains.EarliestDateProblem(day) is { } early)
        {
            errors.Add(path, early);
            return null;
        }

        return day;
    }

    // yyyy-MM-dd, or an ISO 8601 date-time whose written day is taken (as the data loader does).
    private static bool TryParseDay(string value, out DateOnly day)
    {
        var text = value.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            return true;
        }

        return text.Length > 10 && (text[10] == 'T' || text[10] == ' ')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)
            && DateOnly.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    private static double? CheckAmount(double? value, string path, bool required, bool mayBeNegative, Errors errors)
    {
        if (value is not { } v)
        {
            if (required)
            {
                errors.Add(path, "is required");
            }

            return null;
        }

        if (!double.IsFinite(v))
        {
            errors.Add(path, "is not a finite number (NaN and infinities are refused)");
            return null;
        }

        if (Math.Abs(v) > FeatureDomains.MaxMagnitude)
        {
            errors.Add(path, $"{FeatureDomains.Show(v)} is implausibly large (magnitude above 1e12)");
            return null;
        }

        if (!mayBeNegative && v < 0)
        {
            errors.Add(path, $"{FeatureDomains.Show(v)} cannot be negative");
            return null;
        }

        return v;
    }

    private static double? CheckService(double? value, string name, string path, Errors errors)
    {
        if (value is not { } v)
        {
            return null;
        }

        if (FeatureDomains.Problem(name, v) is { } problem)
        {
            errors.Add($"{path}.{name}", problem);
            return null;
        }

        return v;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>A feature value as sent: a number, a text, null (missing), or something unusable.</summary>
/// <param name="Number">The number, when a number was sent.</param>
/// <param name="Text">The text, when a text was sent.</param>
/// <param name="Problem">Why the value cannot be used at all.</param>
public readonly record struct FeatureValue(double? Number, string? Text, string? Problem)
{
    /// <summary>No value (JSON null, an empty CSV cell).</summary>
    public static FeatureValue Missing => default;

    /// <summary>Reads a JSON value. "NaN", "Infinity" and numbers beyond double range are not numbers.</summary>
    public static FeatureValue FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => Missing,
        JsonValueKind.Number => element.TryGetDouble(out var number) && double.IsFinite(number)
            ? new FeatureValue(number, null, null)
            : new FeatureValue(null, null, $"{element.GetRawText()} is not a finite number"),
        JsonValueKind.String => element.GetString() is { } text && IsNamedNonFinite(text)
            ? new FeatureValue(null, null, $"'{text}' is not a finite number (NaN and infinities are refused; send null for a missing value)")
            : new FeatureValue(null, element.GetString(), null),
        _ => new FeatureValue(null, null, $"must be a number, a text or null, not a JSON {element.ValueKind.ToString().ToLowerInvariant()}"),
    };

    /// <summary>True for the texts .NET and JavaScript use for NaN and the infinities.</summary>
    public static bool IsNamedNonFinite(string text) =>
        text.Trim() is var t && (t.Equals("NaN", StringComparison.OrdinalIgnoreCase)
            || t.Equals("Infinity", StringComparison.OrdinalIgnoreCase) || t.Equals("-Infinity", StringComparison.OrdinalIgnoreCase)
            || t.Equals("+Infinity", StringComparison.OrdinalIgnoreCase) || t.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || t.Equals("-inf", StringComparison.OrdinalIgnoreCase));
}

/// <summary>Validation problems by field path, in the order found.</summary>
public sealed class Errors
{
    private readonly Dictionary<string, List<string>> byPath = new(StringComparer.Ordinal);

    /// <summary>Number of problems.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a problem for a field.</summary>
    public void Add(string path, string problem)
    {
        if (!byPath.TryGetValue(path, out var list))
        {
            list = [];
            byPath[path] = list;
        }

        list.Add(problem);
        Count++;
    }

    /// <summary>The problems in the shape ValidationProblemDetails wants.</summary>
    public Dictionary<string, string[]> ToDictionary() => byPath.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
