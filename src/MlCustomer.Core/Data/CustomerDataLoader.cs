using System.Globalization;

namespace MlCustomer.Core.Data;

/// <summary>
/// Loads and validates the input data contract: the transactions file and the optional customers file,
/// through a <see cref="DataMapping"/>, streaming, with every problem named by file, physical line and
/// column. <c>.gz</c> files are read as they are.
/// </summary>
/// <remarks>
/// Not built on <c>DataFrame.LoadCsv</c>: it cannot say on which line and in which column a value is bad,
/// and it was slower and larger on the Online Retail export than this reader.
/// </remarks>
public static class CustomerDataLoader
{
    private const string None = "(none)";

    /// <summary>
    /// Reads <paramref name="transactionsPath"/> and, when given, <paramref name="customersPath"/> and
    /// <paramref name="serviceEventsPath"/>.
    /// Throws <see cref="DataFileException"/> for a problem with a whole file, and for the first bad row
    /// unless <see cref="LoadOptions.SkipBadRows"/> is set; skipped rows are counted in the report.
    /// </summary>
    public static CustomerDataSet Load(string transactionsPath, string? customersPath, LoadOptions options, string? serviceEventsPath = null)
    {
        ArgumentNullException.ThrowIfNull(transactionsPath);
        ArgumentNullException.ThrowIfNull(options);
        // A mapping read with DataMapping.Load is valid already; one built in code may not be.
        var mappingProblems = options.Mapping.Validate();
        if (mappingProblems.Count > 0)
        {
            throw new ArgumentException($"The mapping is not usable: {string.Join("; ", mappingProblems)}", nameof(options));
        }

        var report = new LoadReport();
        var strings = new StringPool();
        var numbering = new CustomerNumbering();
        CustomersFile? customers = null;
        if (customersPath is not null)
        {
            customers = LoadCustomers(customersPath, options, strings, report, numbering);
        }

        var (transactions, costIsEstimated) = LoadTransactions(transactionsPath, options, strings, report, customers, numbering);
        (List<ServiceEvent> Rows, HashSet<string> Measures)? events = serviceEventsPath is null ? null : LoadServiceEvents(serviceEventsPath, options, strings, report, customers, numbering);
        return new CustomerDataSet(
            transactions,
            customers?.Rows,
            customers?.AttributeNames ?? [],
            costIsEstimated,
            report)
        {
            ServiceEvents = events?.Rows,
            ServiceEventMeasures = events?.Measures ?? new HashSet<string>(StringComparer.Ordinal),
            CustomersExportDate = options.Mapping.CustomersExportDate,
            Numbering = numbering,
        };
    }

    private static (List<ServiceEvent> Rows, HashSet<string> Measures) LoadServiceEvents(
        string path, LoadOptions options, StringPool strings, LoadReport report, CustomersFile? customers, CustomerNumbering numbering)
    {
        var format = options.Mapping.ServiceEvents;
        using var file = DataFileReader.Open(path, format, options, strings, 0);
        var idColumn = file.Find(ServiceEventColumns.CustomerId);
        var dateColumn = file.Find(ServiceEventColumns.EventDate);
        var missing = new[] { (idColumn, ServiceEventColumns.CustomerId), (dateColumn, ServiceEventColumns.EventDate) }
            .Where(c => c.Item1 is null).Select(c => c.Item2).ToList();
        if (missing.Count > 0)
        {
            throw file.MissingColumns(missing.Select(file.Describe).ToList(), format.SourceName(missing[0]));
        }

        var ticketsColumn = file.Find(ServiceEventColumns.SupportTickets);
        var complaintsColumn = file.Find(ServiceEventColumns.Complaints);
        var costColumn = file.Find(ServiceEventColumns.ServiceCost);
        var satisfactionColumn = file.Find(ServiceEventColumns.Satisfaction);
        var measures = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (column, name) in new[]
        {
            (ticketsColumn, ServiceEventColumns.SupportTickets), (complaintsColumn, ServiceEventColumns.Complaints),
            (costColumn, ServiceEventColumns.ServiceCost), (satisfactionColumn, ServiceEventColumns.Satisfaction),
        })
        {
            if (column is not null)
            {
                measures.Add(name);
            }
        }

        if (measures.Count == 0)
        {
            throw file.MissingColumns(
                [string.Join(", ", ServiceEventColumns.Measures.Take(3).Select(file.Describe)) + " or " + file.Describe(ServiceEventColumns.Satisfaction)],
                format.SourceName(ServiceEventColumns.SupportTickets));
        }

        var rows = new List<ServiceEvent>();
        var numbers = new List<int>();
        while (file.ReadRow())
        {
            if (!file.TryText(idColumn!.Value, out var customerId)
                || !file.TryDate(dateColumn, required: true, out var eventDate)
                || !TryCount(file, ticketsColumn, out var tickets)
                || !TryCount(file, complaintsColumn, out var complaints)
                || !TryServiceCost(file, costColumn, out var cost)
                || !TrySatisfaction(file, satisfactionColumn, out var satisfaction))
            {
                continue;
            }

            int number;
            if (customers is null)
            {
                number = numbering.Number(customerId);
            }
            else if (!numbering.TryNumber(customerId, out number))
            {
                file.Fail("unknown customer", idColumn, $"customer '{customerId}' is not in {customers.FileName}");
                continue;
            }

            rows.Add(new ServiceEvent(customerId, eventDate!.Value, tickets, complaints, cost, satisfaction));
            numbers.Add(number);
            file.Loaded();
        }

        (numbering.ServiceEventCustomers, numbering.NumberedServiceEvents) = ([.. numbers], rows);

        report.Files.Add(file.Finish());
        NoteUnusedColumns(file, report);
        return (rows, measures);
    }

    private static (List<Transaction> Rows, bool CostIsEstimated) LoadTransactions(
        string path, LoadOptions options, StringPool strings, LoadReport report, CustomersFile? customers, CustomerNumbering numbering)
    {
        var format = options.Mapping.Transactions;
        using var file = DataFileReader.Open(path, format, options, strings, customers?.RowsRead ?? 0);

        var customerIdColumn = file.Find(TransactionColumns.CustomerId);
        var orderIdColumn = file.Find(TransactionColumns.OrderId);
        var orderDateColumn = file.Find(TransactionColumns.OrderDate);
        var quantityColumn = file.Find(TransactionColumns.Quantity);
        var revenueColumn = file.Find(TransactionColumns.Revenue);
        // With revenue present, unit_price is redundant and stays unread (it shows among the unused columns).
        var unitPriceColumn = revenueColumn is null ? file.Find(TransactionColumns.UnitPrice) : null;
        var missing = new List<string>();
        string? firstMissing = null;
        foreach (var (column, contractName) in new[]
        {
            (customerIdColumn, TransactionColumns.CustomerId),
            (orderIdColumn, TransactionColumns.OrderId),
            (orderDateColumn, TransactionColumns.OrderDate),
            (quantityColumn, TransactionColumns.Quantity),
        })
        {
            if (column is null)
            {
                missing.Add(file.Describe(contractName));
                firstMissing ??= format.SourceName(contractName);
            }
        }

        if (revenueColumn is null && unitPriceColumn is null)
        {
            missing.Add($"{file.Describe(TransactionColumns.Revenue)} or {file.Describe(TransactionColumns.UnitPrice)}");
            firstMissing ??= format.SourceName(TransactionColumns.Revenue);
        }

        if (firstMissing is not null)
        {
            throw file.MissingColumns(missing, firstMissing);
        }

        var (customerIds, orderIds, quantities) = (customerIdColumn!.Value, orderIdColumn!.Value, quantityColumn!.Value);
        var categoryColumn = file.Find(TransactionColumns.Category);
        var costColumn = file.Find(TransactionColumns.Cost);
        var discountColumn = file.Find(TransactionColumns.Discount);
        var channelColumn = file.Find(TransactionColumns.Channel);

        var costEstimate = options.Mapping.CostEstimate;
        if (costColumn is null && costEstimate.DefaultMarginRate is null && costEstimate.MarginRateByCategory.Count == 0)
        {
            throw new DataFileException(path, 1, null,
                $"the file has no cost column ({file.Describe(TransactionColumns.Cost)}) and no margin rate is configured to estimate cost of goods: " +
                "add costEstimate.defaultMarginRate (e.g. 0.25 for a 25% gross margin) to the mapping (or give the console --margin-rate 0.25), or a cost column to the file");
        }

        var rows = new List<Transaction>();
        var numbers = new List<int>();
        // An order's lines come one after the other: the same customer as the line before needs no lookup.
        var (previous, previousNumber) = ((string?)null, 0);
        var (first, last) = (DateOnly.MaxValue, DateOnly.MinValue);
        while (file.ReadRow())
        {
            if (!file.TryText(customerIds, out var customerId)
                || !file.TryText(orderIds, out var orderId)
                || !file.TryDate(orderDateColumn, required: true, out var orderDate)
                || !file.TryNumber(quantities, out var quantity)
                || !TryRevenue(file, quantity, revenueColumn, unitPriceColumn, out var revenue)
                || !file.TryOptionalNumber(discountColumn, out var discount))
            {
                continue;
            }

            // Only a revenue column can contradict the quantity: quantity × a non-negative unit price cannot.
            if (revenueColumn is { } revenueCell && Transaction.SignProblem(quantity, revenue) is { } signProblem)
            {
                file.Fail("quantity and revenue of opposite signs", revenueCell,
                    $"{CellText.Show(file.Cell(quantities))} units for {CellText.Show(file.Cell(revenueCell))}: {signProblem}");
                continue;
            }

            var category = file.Text(categoryColumn, None);
            var channel = file.Text(channelColumn, None);
            double cost;
            if (costColumn is { } c)
            {
                if (!file.TryNumber(c, out cost))
                {
                    continue;
                }
            }
            else
            {
                cost = costEstimate.CostOfGoods(revenue, category) ?? throw new DataFileException(path, file.Line, categoryColumn?.Name,
                    $"no margin rate is configured for category '{category}' and the file has no cost column: add " +
                    $"costEstimate.defaultMarginRate to the mapping (or a rate for '{category}' in costEstimate.marginRateByCategory)");
            }

            int number;
            if (ReferenceEquals(customerId, previous))
            {
                // Interned by the reader: the same id is the same string.
                number = previousNumber;
            }
            else if (customers is null)
            {
                number = numbering.Number(customerId);
            }
            else if (!numbering.TryNumber(customerId, out number))
            {
                file.Fail("unknown customer", customerIds, $"customer '{customerId}' is not in {customers.FileName}");
                continue;
            }

            (previous, previousNumber) = (customerId, number);
            rows.Add(new Transaction(customerId, orderId, orderDate!.Value, category, quantity, revenue, cost, discount ?? 0, channel));
            numbers.Add(number);
            (first, last) = (orderDate.Value < first ? orderDate.Value : first, orderDate.Value > last ? orderDate.Value : last);
            file.Loaded();
        }

        (numbering.TransactionCustomers, numbering.NumberedTransactions) = ([.. numbers], rows);
        numbering.OrderDates = (first, last);

        report.Files.Add(file.Finish());
        NoteUnusedColumns(file, report);
        if (revenueColumn is null)
        {
            report.Notes.Add($"{file.FileName}: no revenue column: revenue is quantity × unit price, rounded to cents");
        }

        if (costColumn is null)
        {
            report.Notes.Add(CostEstimateNote(costEstimate));
            report.CostEstimate = costEstimate;
        }

        return (rows, costColumn is null);
    }

    // Revenue from the revenue column, or quantity × unit_price rounded to cents. A negative unit price is
    // refused: returns are negative quantities, and a negative price is an accounting adjustment, not a sale.
    private static bool TryRevenue(DataFileReader file, double quantity, DataColumn? revenueColumn, DataColumn? unitPriceColumn, out double revenue)
    {
        if (revenueColumn is { } r)
        {
            return file.TryNumber(r, out revenue);
        }

        revenue = 0;
        var p = unitPriceColumn!.Value;
        if (!file.TryNumber(p, out var unitPrice))
        {
            return false;
        }

        if (unitPrice < 0)
        {
            return file.Fail($"negative {TransactionColumns.UnitPrice}", p,
                $"{CellText.Show(file.Cell(p))} is a negative price (returns are negative quantities with the normal price)");
        }

        revenue = Math.Round(quantity * unitPrice, 2, MidpointRounding.AwayFromZero);
        return Math.Abs(revenue) <= NumberCell.MaxMagnitude
            || file.Fail($"implausible {TransactionColumns.Revenue}", p,
                $"quantity × unit price = {revenue.ToString("G6", CultureInfo.InvariantCulture)} is implausibly large (magnitude above 1e12)");
    }

    private static CustomersFile LoadCustomers(string path, LoadOptions options, StringPool strings, LoadReport report, CustomerNumbering numbering)
    {
        var format = options.Mapping.Customers;
        using var file = DataFileReader.Open(path, format, options, strings, 0);

        var idColumn = file.Find(CustomerColumns.CustomerId)
            ?? throw file.MissingColumns([file.Describe(CustomerColumns.CustomerId)], format.SourceName(CustomerColumns.CustomerId));
        var signupColumn = file.Find(CustomerColumns.SignupDate);
        var ticketsColumn = file.Find(CustomerColumns.SupportTickets);
        var complaintsColumn = file.Find(CustomerColumns.Complaints);
        var serviceCostColumn = file.Find(CustomerColumns.ServiceCost);
        var satisfactionColumn = file.Find(CustomerColumns.Satisfaction);

        var known = CustomerColumns.Known.Select(format.SourceName).ToHashSet(StringComparer.Ordinal);
        var attributeColumns = file.Header
            .Select((name, index) => (name, index))
            .Where(h => h.name.Length > 0 && !known.Contains(h.name))
            .Select(h => file.Use(h.index))
            .ToArray();

        var rows = new List<Customer>();
        var lineById = new Dictionary<string, long>(StringComparer.Ordinal);
        while (file.ReadRow())
        {
            if (!file.TryText(idColumn, out var id))
            {
                continue;
            }

            if (lineById.TryGetValue(id, out var firstLine))
            {
                file.Fail("duplicate customer_id", idColumn,
                    $"customer id '{id}' appears on line {firstLine:N0} and again on line {file.Line:N0}");
                continue;
            }

            if (!file.TryDate(signupColumn, required: false, out var signupDate)
                || !TryCount(file, ticketsColumn, out var tickets)
                || !TryCount(file, complaintsColumn, out var complaints)
                || !TryServiceCost(file, serviceCostColumn, out var serviceCost)
                || !TrySatisfaction(file, satisfactionColumn, out var satisfaction))
            {
                continue;
            }

            var attributes = new string[attributeColumns.Length];
            for (var i = 0; i < attributes.Length; i++)
            {
                attributes[i] = file.Text(attributeColumns[i], "");
            }

            lineById.Add(id, file.Line);
            numbering.Number(id);
            rows.Add(new Customer(id, signupDate, attributes, tickets, complaints, serviceCost, satisfaction));
            file.Loaded();
        }

        report.Files.Add(file.Finish());
        NoteUnusedColumns(file, report);
        return new CustomersFile(
            file.FileName,
            rows,
            attributeColumns.Select(c => c.Name).ToList(),
            file.Report.RowsRead);
    }

    private static bool TryCount(DataFileReader file, DataColumn? column, out double? count)
    {
        if (!file.TryOptionalNumber(column, out count))
        {
            return false;
        }

        return count is not { } n || (n >= 0 && n == Math.Floor(n))
            || file.Fail($"invalid {column!.Value.ContractName}", column,
                $"{CellText.Show(file.Cell(column.Value))} is not a count (a whole number, 0 or more)");
    }

    private static bool TryServiceCost(DataFileReader file, DataColumn? column, out double? serviceCost)
    {
        if (!file.TryOptionalNumber(column, out serviceCost))
        {
            return false;
        }

        return serviceCost is not < 0
            || file.Fail($"invalid {column!.Value.ContractName}", column,
                $"{CellText.Show(file.Cell(column!.Value))} is negative (a cost to serve is 0 or more)");
    }

    private static bool TrySatisfaction(DataFileReader file, DataColumn? column, out double? satisfaction)
    {
        if (!file.TryOptionalNumber(column, out satisfaction))
        {
            return false;
        }

        return satisfaction is not { } s || s is >= 1 and <= 5
            || file.Fail($"invalid {column!.Value.ContractName}", column,
                $"{CellText.Show(file.Cell(column!.Value))} is outside the satisfaction scale 1–5");
    }

    private static void NoteUnusedColumns(DataFileReader file, LoadReport report)
    {
        var unused = file.UnusedColumns();
        if (unused.Count > 0)
        {
            report.Notes.Add($"{file.FileName}: columns not used: {string.Join(", ", unused)}");
        }

        if (file.UnnamedColumns > 0)
        {
            report.Notes.Add($"{file.FileName}: {file.UnnamedColumns} column(s) without a header name ignored");
        }
    }

    private static string CostEstimateNote(CostEstimate estimate)
    {
        var defaultRate = estimate.DefaultMarginRate is { } rate
            ? $"default {(rate * 100).ToString("0.##", CultureInfo.InvariantCulture)}%"
            : "no default";
        var categories = estimate.MarginRateByCategory.Count;
        return $"cost column absent: cost of goods estimated from margin rates ({defaultRate}, " +
            $"{categories} categor{(categories == 1 ? "y" : "ies")} configured)";
    }

    private sealed record CustomersFile(
        string FileName,
        List<Customer> Rows,
        List<string> AttributeNames,
        long RowsRead);
}
