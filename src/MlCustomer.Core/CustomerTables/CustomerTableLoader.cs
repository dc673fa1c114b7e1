using MlCustomer.Core.Data;
using MlCustomer.Core.Modeling;

namespace MlCustomer.Core.CustomerTables;

/// <summary>
/// Loads a customer table (one row per customer: an id, a churn label, optionally a value label, and any
/// attribute columns) as a <see cref="ModelDataset"/>, inferring what every other column is: numeric, boolean,
/// categorical, or left out as constant, id-like, free text or a date (the rules are in
/// <see cref="ColumnInference"/>). Streams the file once through the shared CSV reader, so every problem is
/// named by file, physical line and column.
/// </summary>
public static class CustomerTableLoader
{
    private const string ExcludedByUser = "excluded by the user";

    /// <summary>
    /// Reads <paramref name="path"/>. Throws <see cref="DataFileException"/> for a problem with the whole table
    /// (a named column missing, a label without exactly two values, a positive label that cannot be told) and for
    /// the first bad row unless <see cref="CustomerTableOptions.SkipBadRows"/> is set; skipped rows are counted in
    /// the report.
    /// </summary>
    public static CustomerTable Load(string path, CustomerTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        // The options name the file's own columns, so the format's contract mapping has no part here.
        var format = new FileFormat { Delimiter = options.Format.Delimiter, DecimalSeparator = options.Format.DecimalSeparator };
        CheckOptions(options, format);
        var loadOptions = new LoadOptions { SkipBadRows = options.SkipBadRows, RowsReadProgress = options.RowsReadProgress };
        using var file = DataFileReader.Open(path, format, loadOptions, new StringPool(), 0);

        var layout = Layout.Locate(file, options);
        var rows = ReadRows(file, layout);
        if (rows.Count == 0)
        {
            file.Finish();
        }

        var analyses = AnalyzeUntilClean(file, layout, rows, format.DecimalSeparator[0], options.SkipBadRows);
        file.Report.RowsLoaded = rows.Count;
        var fileReport = file.Finish();

        var labelValues = rows
            .GroupBy(r => r.Label, StringComparer.Ordinal)
            .Select(g => new LabelValue(g.Key, g.Count(), g.First().Line))
            .OrderBy(v => v.FirstLine)
            .ToList();
        var positive = LabelValues.Positive(path, layout.Label.Name, labelValues, options.PositiveLabel);

        var profiles = Profiles(layout, rows, analyses, positive);
        var dataset = Dataset(layout, rows, analyses, profiles, positive, options.ValueColumn is not null);
        var report = new LoadReport { Files = [fileReport] };
        if (file.UnnamedColumns > 0)
        {
            report.Notes.Add($"{file.FileName}: {file.UnnamedColumns} column(s) without a header name were ignored");
        }

        return new CustomerTable(dataset, profiles, positive, report)
        {
            Encoding = Encoding(layout, rows, analyses, profiles, positive, labelValues, format),
        };
    }

    // What the card keeps of this load, so scoring reads a row of the same file exactly as training did.
    private static TableEncoding Encoding(
        Layout layout, List<RawRow> rows, ColumnAnalysis?[] analyses, List<ColumnProfile> profiles, string positive, List<LabelValue> labels, FileFormat format)
    {
        var byName = profiles.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var columns = new List<TableColumnEncoding>();
        for (var i = 0; i < layout.Attributes.Count; i++)
        {
            var name = layout.Attributes[i].Column.Name;
            var profile = byName[name];
            var column = new TableColumnEncoding { Name = name, Role = profile.Role, Reason = profile.Reason };
            if (profile.Role == ColumnRole.Boolean)
            {
                column = column with { BooleanValues = new SortedDictionary<string, double>(analyses[i]!.Numbers!.ToDictionary(), StringComparer.Ordinal) };
            }
            else if (profile.Role == ColumnRole.Categorical)
            {
                var kept = analyses[i]!.KeptCategories!;
                var grouped = Cells(rows, i)
                    .Where(c => c.Length > 0 && !kept.Contains(c))
                    .GroupBy(c => c, StringComparer.Ordinal)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => g.Key)
                    .ToList();
                column = column with
                {
                    KeptCategories = kept.Order(StringComparer.Ordinal).ToList(),
                    GroupedCategories = grouped.Take(TableEncoding.MaxGroupedValuesKept).ToList(),
                    GroupedCategoriesComplete = grouped.Count <= TableEncoding.MaxGroupedValuesKept,
                };
            }

            columns.Add(column);
        }

        return new TableEncoding
        {
            IdColumn = layout.Id?.Name,
            LabelColumn = layout.Label.Name,
            PositiveLabel = positive,
            NegativeLabel = labels.Select(l => l.Text).FirstOrDefault(t => t != positive),
            ValueColumn = layout.Value?.Name,
            Delimiter = format.Delimiter,
            DecimalSeparator = format.DecimalSeparator,
            MissingMarkers = ColumnInference.MissingMarkers.Order(StringComparer.Ordinal).ToList(),
            Columns = columns,
        };
    }

    private static void CheckOptions(CustomerTableOptions options, FileFormat format)
    {
        if (string.IsNullOrWhiteSpace(options.LabelColumn) || (options.IdColumn is not null && string.IsNullOrWhiteSpace(options.IdColumn)))
        {
            throw new ArgumentException("A customer table needs a label column (and an id column name, when one is given, must not be blank).", nameof(options));
        }

        var named = new[] { options.IdColumn, options.LabelColumn, options.ValueColumn }.OfType<string>().Select(n => n.Trim()).ToList();
        if (named.Distinct(StringComparer.Ordinal).Count() != named.Count)
        {
            throw new ArgumentException(
                $"The id, label and value columns must be different columns (got id '{options.IdColumn}', label '{options.LabelColumn}', value '{options.ValueColumn}').",
                nameof(options));
        }

        var problems = new List<string>();
        format.Validate("table", new HashSet<string>(), problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"The table format is not usable: {string.Join("; ", problems)}", nameof(options));
        }
    }

    private static List<RawRow> ReadRows(DataFileReader file, Layout layout)
    {
        var rows = new List<RawRow>();
        var lineById = new Dictionary<string, long>(StringComparer.Ordinal);
        while (file.ReadRow())
        {
            // Without an id column a row's number in the file is its id, which scoring the same file reproduces.
            var id = file.Report.RowsRead.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (layout.Id is { } idColumn && !file.TryText(idColumn, out id))
            {
                continue;
            }

            if (lineById.TryGetValue(id, out var firstLine))
            {
                file.Fail("duplicate id", layout.Id!.Value,
                    $"customer {CellText.Show(id)} is already on line {firstLine:N0} (a customer table has one row per customer)");
                continue;
            }

            if (!file.TryText(layout.Label, out var label))
            {
                continue;
            }

            var value = 0.0;
            if (layout.Value is { } valueColumn && !file.TryNumber(valueColumn, out value))
            {
                continue;
            }

            var cells = new string[layout.Attributes.Count];
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = file.Text(layout.Attributes[i].Column, "");
            }

            lineById.Add(id, file.Line);
            rows.Add(new RawRow(file.Line, id, label, (float)value, cells));
        }

        return rows;
    }

    /// <summary>
    /// Infers every attribute column. A numeric column with a few unparsable cells stops the load at the first
    /// such cell, or (when skipping bad rows) loses those rows; inference then runs again on the rows left, as
    /// shares and distinct counts have changed.
    /// </summary>
    private static ColumnAnalysis?[] AnalyzeUntilClean(DataFileReader file, Layout layout, List<RawRow> rows, char decimalSeparator, bool skipBadRows)
    {
        while (true)
        {
            var ids = rows.Select(r => r.Id).ToList();
            var analyses = new ColumnAnalysis?[layout.Attributes.Count];
            for (var i = 0; i < analyses.Length; i++)
            {
                if (!layout.Attributes[i].ExcludedByUser)
                {
                    analyses[i] = ColumnInference.Analyze(layout.Attributes[i].Column.Name, Cells(rows, i), ids, decimalSeparator);
                }
            }

            if (analyses.All(a => a is null || a.BadNumbers.Count == 0))
            {
                return analyses;
            }

            var kept = new List<RawRow>(rows.Count);
            foreach (var row in rows)
            {
                var bad = Enumerable.Range(0, analyses.Length)
                    .FirstOrDefault(i => analyses[i] is { BadNumbers.Count: > 0 } a && a.BadNumbers.Contains(row.Cells[i]), -1);
                if (bad < 0)
                {
                    kept.Add(row);
                    continue;
                }

                var column = layout.Attributes[bad].Column.Name;
                var good = rows.Count(r => analyses[bad]!.Numbers!.ContainsKey(r.Cells[bad]));
                var problem = BadNumberProblem(row.Cells[bad], column, good, decimalSeparator);
                if (!skipBadRows)
                {
                    throw new DataFileException(file.Path, row.Line, column, problem);
                }

                file.Report.Skip($"unparsable {column}", row.Line, column, problem);
            }

            rows.Clear();
            rows.AddRange(kept);
        }
    }

    private static string BadNumberProblem(string cell, string column, int good, char decimalSeparator)
    {
        var problem = NumberCell.TryParse(cell, decimalSeparator, out _);
        return $"{NumberCell.Describe(problem, cell, decimalSeparator)}, but the other {good:N0} filled cells of this column are numbers: " +
            $"correct the cell (empty means unknown), leave the column out with --exclude {column}, or skip such rows with --skip-bad-rows";
    }

    private static List<string> Cells(List<RawRow> rows, int attribute) => rows.Select(r => r.Cells[attribute]).ToList();

    private static List<ColumnProfile> Profiles(Layout layout, List<RawRow> rows, ColumnAnalysis?[] analyses, string positive)
    {
        var profiles = new List<ColumnProfile>();
        foreach (var (index, name) in layout.NamedColumns)
        {
            if (index == layout.Id?.Index)
            {
                profiles.Add(new ColumnProfile(name, ColumnRole.Id, "id", rows.Count, 0));
            }
            else if (index == layout.Label.Index)
            {
                profiles.Add(new ColumnProfile(name, ColumnRole.Label, $"label (churned = {CellText.Show(positive)})", rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count(), 0));
            }
            else if (index == layout.Value?.Index)
            {
                profiles.Add(new ColumnProfile(name, ColumnRole.Value, "value label (numeric)", rows.Select(r => r.Value).Distinct().Count(), 0));
            }
            else
            {
                var attribute = layout.Attributes.FindIndex(a => a.Column.Index == index);
                var missingShare = rows.Count == 0 ? 0 : (double)(analyses[attribute]?.Missing ?? rows.Count(r => r.Cells[attribute].Length == 0)) / rows.Count;
                profiles.Add(analyses[attribute] is { } analysis
                    ? new ColumnProfile(name, analysis.Role, analysis.Reason, analysis.Distinct, missingShare)
                    : new ColumnProfile(name, ColumnRole.Excluded, ExcludedByUser, Cells(rows, attribute).Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).Count(), missingShare));
            }
        }

        return profiles;
    }

    private static ModelDataset Dataset(
        Layout layout, List<RawRow> rows, ColumnAnalysis?[] analyses, List<ColumnProfile> profiles, string positive, bool hasValueLabel)
    {
        // Numeric and boolean columns share the numeric vector, in file order; categories follow in file order.
        var numeric = Enumerable.Range(0, analyses.Length).Where(i => analyses[i]?.Role is ColumnRole.Numeric or ColumnRole.Boolean).ToList();
        var categorical = Enumerable.Range(0, analyses.Length).Where(i => analyses[i]?.Role == ColumnRole.Categorical).ToList();
        var schema = new FeatureSchema(
            numeric.Select(i => layout.Attributes[i].Column.Name).ToList(),
            categorical.Select(i => layout.Attributes[i].Column.Name).ToList());
        // One term string per distinct cell, shared by every row that has it.
        var terms = categorical.Select(i => Cells(rows, i).Distinct(StringComparer.Ordinal).ToDictionary(
            cell => cell,
            cell => FeatureSchema.Term(layout.Attributes[i].Column.Name, ModelDatasets.Categorize(cell, analyses[i]!.KeptCategories!)),
            StringComparer.Ordinal)).ToArray();
        var modelRows = new List<ModelRow>(rows.Count);
        foreach (var row in rows)
        {
            var numbers = new float[numeric.Count];
            for (var n = 0; n < numbers.Length; n++)
            {
                numbers[n] = analyses[numeric[n]]!.NumberOf(row.Cells[numeric[n]]);
            }

            var categories = new string[categorical.Count];
            for (var c = 0; c < categories.Length; c++)
            {
                categories[c] = terms[c][row.Cells[categorical[c]]];
            }

            modelRows.Add(new ModelRow { CustomerId = row.Id, Numeric = numbers, Categorical = categories, Label = row.Label == positive, Value = row.Value });
        }

        var excluded = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var profile in profiles.Where(p => p.IsExcluded))
        {
            excluded[profile.Name] = profile.Reason;
        }

        return new ModelDataset(schema, modelRows, excluded, hasValueLabel);
    }

    /// <summary>One data row as read: its line, id, label text, value label and the trimmed attribute cells.</summary>
    private sealed record RawRow(long Line, string Id, string Label, float Value, string[] Cells);

    /// <summary>An attribute column (neither id nor a label) and whether the user excluded it.</summary>
    private sealed record Attribute(DataColumn Column, bool ExcludedByUser);

    /// <summary>Where the id, label and value columns are, and every other named column in file order.</summary>
    private sealed record Layout(DataColumn? Id, DataColumn Label, DataColumn? Value, List<Attribute> Attributes, List<(int Index, string Name)> NamedColumns)
    {
        public static Layout Locate(DataFileReader file, CustomerTableOptions options)
        {
            var header = file.Header;
            var missing = new List<string>();
            string? firstMissing = null;
            DataColumn? Required(string name, string what)
            {
                var column = file.Find(name.Trim());
                if (column is null)
                {
                    missing.Add($"'{name.Trim()}' (the {what}{CaseHint(header, name.Trim())})");
                    firstMissing ??= name.Trim();
                }

                return column;
            }

            var id = options.IdColumn is { } idName ? Required(idName, "id column") : null;
            var label = Required(options.LabelColumn, "label column");
            var value = options.ValueColumn is { } valueName ? Required(valueName, "value column") : null;
            if (firstMissing is not null)
            {
                throw file.MissingColumns(missing, firstMissing);
            }

            var exclude = options.Exclude.Select(e => e.Trim()).ToHashSet(StringComparer.Ordinal);
            foreach (var name in exclude.Order(StringComparer.Ordinal))
            {
                if (!header.Contains(name))
                {
                    throw new DataFileException(file.Path, 1, name,
                        $"the column '{name}' to exclude is not in the header{CaseHint(header, name)}; the header has: {string.Join(", ", header.Select(h => $"'{h}'"))}");
                }
            }

            var roles = new[] { id?.Index ?? -1, label!.Value.Index, value?.Index ?? -1 };
            var attributes = new List<Attribute>();
            var named = new List<(int, string)>();
            for (var i = 0; i < header.Count; i++)
            {
                if (header[i].Length == 0)
                {
                    continue;
                }

                named.Add((i, header[i]));
                if (roles.Contains(i))
                {
                    continue;
                }

                // Use refuses a name that occurs twice; an excluded column is never read, so its name may repeat.
                attributes.Add(exclude.Contains(header[i])
                    ? new Attribute(new DataColumn(i, header[i], header[i]), true)
                    : new Attribute(file.Use(i), false));
            }

            return new Layout(id, label.Value, value, attributes, named);
        }

        // Names are case-sensitive; a near miss deserves to be pointed out.
        private static string CaseHint(IReadOnlyList<string> header, string name) =>
            header.FirstOrDefault(h => h.Equals(name, StringComparison.OrdinalIgnoreCase) && h != name) is { } close
                ? $"; the header has '{close}', and names are case-sensitive"
                : "";
    }
}
