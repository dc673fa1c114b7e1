using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http.Metadata;
using MlCustomer.Api.Models;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Segments;

namespace MlCustomer.Api.Scoring;

/// <summary>
/// <c>POST /scores/csv</c>: reads rows from the request body, scores them in chunks with the batch scorer
/// and writes each chunk as soon as it is scored, so memory stays flat however many rows come in.
/// The header and the first chunk are validated before the response starts (problems there are a 400);
/// after that a bad row becomes an output row whose <c>error</c> column says what is wrong, and the rest
/// is still scored. Ids are not checked for uniqueness across the file (that would hold every id in memory);
/// each line is scored on its own and answered in input order. A plain line (no quotes, every cell
/// acceptable as it is) is read straight from the line without a string per cell; anything else goes
/// through the general path, which finds and words every problem, so both give the same answer.
/// </summary>
public sealed class CsvScoring : IDisposable
{
    /// <summary>The output columns; the decision columns (<see cref="DecisionCsv"/>) only when decisions are asked for.</summary>
    public static string[] OutputColumns(bool decisions) =>
    [
        FeatureColumns.CustomerId, "churn_probability", "risk_band", "segment_id", "segment_name", "predicted_gross_profit",
        "predicted_revenue", "gross_profit_p10", "gross_profit_p50", "gross_profit_p90", "revenue_p10", "revenue_p50", "revenue_p90", .. PurchaseOutlook.CsvColumns(), "churn_baseline", "churn_reasons", "churn_all_other", "value_baseline", "value_reasons", "value_all_other", "revenue_baseline", "revenue_reasons", "revenue_all_other", .. decisions ? DecisionCsv.Columns : [], "warnings", "model_version", "error",
    ];

    private readonly bool withDecisions;

    // Where value_at_risk sits among the decision columns.
    private static readonly int ValueAtRiskColumn = DecisionCsv.Columns.ToList().IndexOf("value_at_risk");

    // A row without scores: every column between the id and the model version is empty.
    private readonly string emptyScoreCells;

    private readonly ModelLease lease;
    private readonly ScoringOptions options;
    private readonly CsvLines lines;
    private string[] columns = [];
    private bool[] numericColumn = [];
    private int idColumn = -1;
    private long line;
    private bool stopped;
    private List<CsvRow> firstChunk = [];

    // The plain-line path, set up from the header.
    private Range[] cells = [];
    private int[] columnOfNumeric = [];
    private int[] columnOfCategorical = [];
    private (int Column, int Segment)[] segmentOnlyColumns = [];
    private int[] segmentOfNumeric = [];
    private bool[] missingAllowed = [];
    private bool segmentsInHeader;
    private Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>>[] terms = [];
    private readonly List<string> scratchWarnings = [];

    // Table bundles: where the training file's columns are, rows numbered when there is no id column, and the
    // header's notes (ignored columns) that go on the first row scored.
    private TableLayout? tableLayout;
    private long tableRows;
    private readonly List<string> pendingTableNotes = [];

    // Rows end as a StreamWriter on this platform ended them before the body was written to the pipe directly.
    private static readonly string NewLine = Environment.NewLine;

    // Output rows formatted per parallel block; the buffers are reused for every chunk.
    private const int RowsPerFormatBlock = 512;
    private StringBuilder?[] formatted = [];

    /// <summary>Prepares to read <paramref name="body"/> with the lease's model.</summary>
    /// <param name="lease">The model generation to score with.</param>
    /// <param name="options">Scoring settings.</param>
    /// <param name="body">The request body.</param>
    /// <param name="decisions">Write the rules' decision columns (they cost about as much as the scoring itself).</param>
    public CsvScoring(ModelLease lease, ScoringOptions options, Stream body, bool decisions = true)
    {
        this.lease = lease;
        this.options = options;
        withDecisions = decisions;
        emptyScoreCells = new(',', OutputColumns(decisions).Length - 2);
        lines = new CsvLines(body, options.CsvMaxLineChars);
    }

    private InputContract Contract => lease.Generation.Inputs;

    /// <summary>Reads the header and the first chunk; returns every problem found there, or null.</summary>
    public async Task<Dictionary<string, string[]>?> StartAsync(CancellationToken cancellationToken)
    {
        var errors = new Errors();
        string[]? header;
        try
        {
            header = await ReadHeaderAsync(cancellationToken);
        }
        catch (CsvFormatException e)
        {
            errors.Add($"line[{e.Line}]", e.Message);
            return errors.ToDictionary();
        }

        if (header is null)
        {
            errors.Add("body", $"is empty: send a header line ({FeatureColumns.CustomerId} and the feature names) and rows");
            return errors.ToDictionary();
        }

        columns = header.Select(c => c.Trim()).ToArray();
        if (Contract.Table is { } table)
        {
            return await StartTableAsync(table, errors, cancellationToken);
        }

        idColumn = Array.IndexOf(columns, FeatureColumns.CustomerId);
        numericColumn = columns.Select(c => Contract.NumericSlot(c) >= 0 || Contract.SegmentOnly.Contains(c)).ToArray();
        if (idColumn < 0)
        {
            errors.Add("line[1]", $"has no {FeatureColumns.CustomerId} column");
        }

        foreach (var duplicate in columns.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"line[1].{duplicate.Key}", "appears more than once in the header");
        }

        foreach (var unknown in columns.Where(c => c != FeatureColumns.CustomerId && !Contract.IsKnown(c)))
        {
            errors.Add($"line[1].{unknown}", $"is not a feature of model {lease.Generation.Version}; it reads: {Contract.DescribeNames()}");
        }

        foreach (var missing in Contract.Numeric.Select(f => f.Name).Concat(Contract.Categorical.Select(f => f.Name)).Where(n => !columns.Contains(n)))
        {
            errors.Add($"line[1].{missing}", "is a feature the model reads, but the header has no such column (an empty cell says a value is missing)");
        }

        if (errors.Count > 0)
        {
            return errors.ToDictionary();
        }

        PreparePlainLines();
        firstChunk = await ReadChunkAsync(errors, cancellationToken);
        return errors.Count > 0 ? errors.ToDictionary() : null;
    }

    /// <summary>Writes the scores of the first chunk and of every further chunk as it is read.</summary>
    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers["X-Model-Version"] = lease.Generation.Version;
        // UTF-8 straight into Kestrel's pipe (no StreamWriter buffer in between); the encoder keeps a surrogate pair
        // that a StringBuilder chunk splits, and replaces a lone surrogate with U+FFFD as a StreamWriter would.
        var writer = new CsvBodyWriter(response.BodyWriter);
        writer.Write(new StringBuilder(string.Join(',', OutputColumns(withDecisions))).Append(NewLine));
        await writer.FlushAsync(cancellationToken);
        var chunk = firstChunk;
        firstChunk = [];
        while (chunk.Count > 0)
        {
            // The next chunk is read and parsed on another thread while this one is scored and written: at most
            // two chunks are held, and parsing (one thread) no longer waits for scoring (all cores).
            var next = Task.Run(() => ReadChunkAsync(errors: null, cancellationToken), cancellationToken);
            var written = false;
            try
            {
                await WriteChunkAsync(writer, chunk, cancellationToken);
                written = true;
            }
            finally
            {
                if (!written)
                {
                    // The request is failing; let the reader finish with the body before it is disposed.
                    await Task.WhenAny(next);
                }
            }

            chunk = await next;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lines.Dispose();
        lease.Dispose();
    }

    // With errors given (the first chunk), problems are collected there; otherwise they stay on the row.
    private async Task<List<CsvRow>> ReadChunkAsync(Errors? errors, CancellationToken cancellationToken)
    {
        var rows = new List<CsvRow>(Math.Min(options.CsvChunkRows, 4_096));
        while (!stopped && rows.Count < options.CsvChunkRows)
        {
            string[] fields;
            try
            {
                var text = await lines.ReadLineAsync(cancellationToken);
                if (text is null)
                {
                    break;
                }

                line = lines.Line;
                if (text.Length == 0)
                {
                    continue; // blank line
                }

                // PlainLine refuses a line with a quote, so such a line takes the quoted-record path as before.
                if ((tableLayout is null ? PlainLine(text) : null) is { } plain)
                {
                    rows.Add(plain);
                    continue;
                }

                if (!text.Contains('"', StringComparison.Ordinal))
                {
                    rows.Add(Parse(text.Split(','), errors));
                    continue;
                }

                fields = await ReadQuotedRecordAsync(text, cancellationToken);
            }
            catch (CsvFormatException e)
            {
                // Nothing after this point can be read reliably (a quote never closed, a line past the bound, bytes that are not UTF-8).
                stopped = true;
                var key = $"line[{e.Line}]";
                if (errors is not null)
                {
                    errors.Add(key, e.Message);
                }
                else
                {
                    rows.Add(new CsvRow(e.Line, "", null, $"{key}: {e.Message}; reading stopped here"));
                }

                break;
            }

            rows.Add(Parse(fields, errors));
        }

        return rows;
    }

    // Where each model input sits in the header, and the terms of every category a column can take.
    private void PreparePlainLines()
    {
        cells = new Range[columns.Length];
        columnOfNumeric = Contract.Numeric.Select(f => Array.IndexOf(columns, f.Name)).ToArray();
        columnOfCategorical = Contract.Categorical.Select(f => Array.IndexOf(columns, f.Name)).ToArray();
        segmentOfNumeric = Contract.Numeric.Select(f => SegmentFeatures.Names.ToList().IndexOf(f.Name)).ToArray();
        segmentOnlyColumns = SegmentFeatures.Names
            .Select((name, k) => (Column: Array.IndexOf(columns, name), Segment: k, Name: name))
            .Where(x => x.Column >= 0 && Contract.SegmentOnly.Contains(x.Name))
            .Select(x => (x.Column, x.Segment))
            .ToArray();
        segmentsInHeader = SegmentFeatures.Names.All(columns.Contains);
        missingAllowed = Enumerable.Range(0, Contract.Numeric.Count).Select(slot => Contract.MissingProblem(slot) is null).ToArray();
        terms = Contract.Categorical.Select((feature, slot) =>
        {
            // Only values that categorize without a warning; an unseen one takes the general path and its warning.
            var bySpelling = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var value in (feature.Categories ?? []).Append(ModelDatasets.MissingCategory).Append(ModelDatasets.OtherCategory).Append(""))
            {
                var warnings = new List<string>();
                var term = Contract.Categorize(slot, value.Length == 0 ? null : value, warnings);
                if (warnings.Count == 0 && value.Length <= ScoreInputs.MaxTextLength)
                {
                    bySpelling.TryAdd(value, term);
                }
            }

            return bySpelling.GetAlternateLookup<ReadOnlySpan<char>>();
        }).ToArray();
    }

    // A line without quotes whose every cell is acceptable as it is, read in place; null sends it to Parse,
    // which repeats the same checks with words for the problems. Warnings come in the order Parse gives them
    // (numeric features in model order; a category that warns always takes Parse).
    private CsvRow? PlainLine(string text)
    {
        // One pass for the commas (a search per cell cost more on cells of a few characters); a quote leaves the line
        // to the quoted-record path.
        var span = text.AsSpan();
        var count = 0;
        var start = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c == ',')
            {
                if (count == cells.Length)
                {
                    return null;
                }

                cells[count++] = new Range(start, i);
                start = i + 1;
            }
            else if (c == '"')
            {
                return null;
            }
        }

        if (count == cells.Length)
        {
            return null;
        }

        cells[count++] = new Range(start, span.Length);
        if (count != columns.Length)
        {
            return null;
        }

        var id = span[cells[idColumn]].Trim();
        if (ScoreInputs.IdProblem(id) is not null)
        {
            return null;
        }

        scratchWarnings.Clear();
        Span<double> segment = stackalloc double[SegmentFeatures.Names.Count];
        var segmentKnown = segmentsInHeader;
        var numbers = new float[columnOfNumeric.Length];
        for (var slot = 0; slot < numbers.Length; slot++)
        {
            var value = span[cells[columnOfNumeric[slot]]].Trim();
            if (value.IsEmpty)
            {
                if (!missingAllowed[slot])
                {
                    return null;
                }

                numbers[slot] = float.NaN;
                segmentKnown &= segmentOfNumeric[slot] < 0;
                continue;
            }

            if (!CsvNumbers.TryParse(value, out var number) || !double.IsFinite(number)
                || Contract.CheckNumber(slot, number, scratchWarnings) is not null)
            {
                return null;
            }

            numbers[slot] = (float)number;
            if (segmentOfNumeric[slot] >= 0)
            {
                segment[segmentOfNumeric[slot]] = number;
            }
        }

        if (!Contract.Consistent(numbers))
        {
            return null;
        }

        var categories = new string[columnOfCategorical.Length];
        for (var slot = 0; slot < categories.Length; slot++)
        {
            if (!terms[slot].TryGetValue(span[cells[columnOfCategorical[slot]]].Trim(), out var term))
            {
                return null;
            }

            categories[slot] = term;
        }

        foreach (var (column, k) in segmentOnlyColumns)
        {
            var value = span[cells[column]].Trim();
            if (value.IsEmpty)
            {
                segmentKnown = false;
                continue;
            }

            if (!CsvNumbers.TryParse(value, out var number) || !double.IsFinite(number)
                || FeatureDomains.Problem(SegmentFeatures.Names[k], number) is not null)
            {
                return null;
            }

            segment[k] = number;
        }

        float[]? vector = null;
        if (segmentKnown)
        {
            vector = new float[segment.Length];
            for (var k = 0; k < segment.Length; k++)
            {
                vector[k] = SegmentFeatures.SignedLog(segment[k]);
            }
        }

        var customerId = id.ToString();
        return new CsvRow(line, customerId, new PreparedCustomer(new ModelRow { CustomerId = customerId, Numeric = numbers, Categorical = categories }, vector, [.. scratchWarnings]), null);
    }

    // A table bundle's header: the training file's columns (its id column, or customer_id; label, value and excluded
    // columns ignored; columns training never saw ignored with one warning on the first row).
    private async Task<Dictionary<string, string[]>?> StartTableAsync(TableRowEncoder table, Errors errors, CancellationToken cancellationToken)
    {
        foreach (var duplicate in columns.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1 && g.Key.Length > 0))
        {
            errors.Add($"line[1].{duplicate.Key}", "appears more than once in the header");
        }

        var layout = table.Bind(columns, FeatureColumns.CustomerId);
        var delimiterHint = columns.Length == 1 && table.Encoding.Delimiter != ","
            ? $" (the training file was '{table.Encoding.Delimiter}'-separated; this endpoint reads commas: convert the file)"
            : "";
        foreach (var missing in layout.MissingColumns)
        {
            errors.Add($"line[1].{missing}", missing == table.Encoding.IdColumn
                ? $"is the training file's id column: the header needs it (or {FeatureColumns.CustomerId}){delimiterHint}"
                : $"is a column the model reads, but the header has no such column (an empty cell says a value is missing){delimiterHint}");
        }

        if (errors.Count > 0)
        {
            return errors.ToDictionary();
        }

        tableLayout = layout;
        idColumn = layout.IdIndex;
        pendingTableNotes.AddRange(new[] { layout.ExtraColumnsWarning(), idColumn < 0 ? TableFile.RowNumbersAsIds : null }.OfType<string>());
        firstChunk = await ReadChunkAsync(errors, cancellationToken);
        return errors.Count > 0 ? errors.ToDictionary() : null;
    }

    // A row of a customer table through the card's encoder, as training read the same row of its file.
    private CsvRow ParseTableRow(TableLayout layout, string[] fields, Errors? chunkErrors)
    {
        var path = $"line[{line}]";
        var errors = chunkErrors ?? new Errors();
        var before = errors.Count;
        tableRows++;
        var id = idColumn < 0 ? tableRows.ToString(CultureInfo.InvariantCulture) : idColumn < fields.Length ? fields[idColumn].Trim() : "";
        var idName = idColumn < 0 ? FeatureColumns.CustomerId : columns[idColumn];
        PreparedCustomer? prepared = null;
        if (fields.Length != columns.Length)
        {
            errors.Add(path, $"has {fields.Length} fields; the header has {columns.Length}");
        }
        else if (ScoreInputs.IdProblem(id) is { } idProblem)
        {
            errors.Add($"{path}.{idName}", idProblem);
            id = "";
        }
        else
        {
            var encoder = Contract.Table!;
            var cells = new Dictionary<string, TableCell>(layout.FeatureIndexes.Length, StringComparer.Ordinal);
            for (var k = 0; k < layout.FeatureIndexes.Length; k++)
            {
                cells[encoder.FeatureColumns[k]] = TableCell.OfText(fields[layout.FeatureIndexes[k]]);
            }

            prepared = ScoreInputs.FromTableCells(id, cells, Contract, encoder, path, errors, out _);
            if (prepared is not null && pendingTableNotes.Count > 0)
            {
                prepared.Warnings.InsertRange(0, pendingTableNotes);
                pendingTableNotes.Clear();
            }
        }

        if (errors.Count == before)
        {
            return new CsvRow(line, id, prepared, null);
        }

        var problems = chunkErrors is null
            ? string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}")))
            : "invalid";
        return new CsvRow(line, id, null, problems);
    }

    private CsvRow Parse(string[] fields, Errors? chunkErrors)
    {
        if (tableLayout is { } layout)
        {
            return ParseTableRow(layout, fields, chunkErrors);
        }

        var path = $"line[{line}]";
        var errors = chunkErrors ?? new Errors();
        var before = errors.Count;
        var id = idColumn < fields.Length ? fields[idColumn].Trim() : "";
        var idProblem = ScoreInputs.IdProblem(id);
        if (idProblem is not null)
        {
            id = ""; // not echoed into the answer: it may be huge or hold control characters
        }

        if (fields.Length != columns.Length)
        {
            errors.Add(path, $"has {fields.Length} fields; the header has {columns.Length}");
            return Row(id, null);
        }

        if (idProblem is not null)
        {
            errors.Add($"{path}.{FeatureColumns.CustomerId}", idProblem);
        }

        var values = new Dictionary<string, FeatureValue>(columns.Length, StringComparer.Ordinal);
        for (var c = 0; c < columns.Length; c++)
        {
            if (c != idColumn)
            {
                values[columns[c]] = Cell(fields[c], numericColumn[c]);
            }
        }

        var prepared = ScoreInputs.FromValues(id, values, Contract, path, errors);
        return Row(id, prepared);

        CsvRow Row(string customerId, PreparedCustomer? customer)
        {
            if (errors.Count == before)
            {
                return new CsvRow(line, customerId, customer, null);
            }

            // Later chunks: the row carries its own problems into the output.
            var problems = chunkErrors is null
                ? string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}")))
                : "invalid";
            return new CsvRow(line, customerId, null, problems);
        }
    }

    private static FeatureValue Cell(string text, bool numeric)
    {
        var cell = text.Trim();
        if (cell.Length == 0)
        {
            return FeatureValue.Missing;
        }

        if (!numeric)
        {
            return new FeatureValue(null, cell, null);
        }

        if (FeatureValue.IsNamedNonFinite(cell))
        {
            return new FeatureValue(null, null, $"'{cell}' is not a finite number (NaN and infinities are refused; leave the cell empty for a missing value)");
        }

        return double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? double.IsFinite(number) ? new FeatureValue(number, null, null) : new FeatureValue(null, null, $"'{cell}' is not a finite number")
            : new FeatureValue(null, cell, null);
    }

    // The chunk is formatted in parallel blocks (buffers kept from chunk to chunk) and written block by block.
    private async Task WriteChunkAsync(CsvBodyWriter writer, List<CsvRow> chunk, CancellationToken cancellationToken)
    {
        var generation = lease.Generation;
        var valid = chunk.Where(r => r.Customer is not null).ToList();
        var modelStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var scores = valid.Count == 0
            ? []
            : generation.PredictMany(valid.Select(r => r.Customer!.Row).ToList(), valid.Select(r => r.Customer!.SegmentVector).ToList(), options.Reasons);
        Observability.ApiTelemetry.Scored(Observability.ApiTelemetry.CsvPath, generation.Version, scores, System.Diagnostics.Stopwatch.GetElapsedTime(modelStarted));
        var scoreOf = new int[chunk.Count];
        for (int i = 0, next = 0; i < chunk.Count; i++)
        {
            scoreOf[i] = chunk[i].Customer is null ? -1 : next++;
        }

        var blocks = (chunk.Count + RowsPerFormatBlock - 1) / RowsPerFormatBlock;
        if (formatted.Length < blocks)
        {
            Array.Resize(ref formatted, blocks);
        }

        Parallel.For(0, blocks, block =>
        {
            var text = formatted[block] ??= new StringBuilder(RowsPerFormatBlock * 320);
            text.Clear();
            var cell = new StringBuilder(256);
            var end = Math.Min(chunk.Count, (block + 1) * RowsPerFormatBlock);
            for (var i = block * RowsPerFormatBlock; i < end; i++)
            {
                FormatRow(text, cell, chunk[i], scoreOf[i] < 0 ? null : scores[scoreOf[i]], generation.Version, withDecisions ? generation.Decisions : null, options);
                text.Append(NewLine);
            }
        });

        for (var block = 0; block < blocks; block++)
        {
            // Flushed block by block (~0.7 MB of UTF-8), so a request holds at most one block in Kestrel's pipe.
            writer.Write(formatted[block]!);
            await writer.FlushAsync(cancellationToken);
        }
    }

    private void FormatRow(StringBuilder text, StringBuilder cell, CsvRow row, CustomerScore? score, string version, BundleDecisions? decisions, ScoringOptions options)
    {
        if (row.Customer is null || score is null)
        {
            Append(text, row.CustomerId).Append(emptyScoreCells);
            Append(text, version).Append(',');
            Append(text, row.Error ?? "invalid");
            return;
        }

        Append(text, score.CustomerId).Append(',')
            .AppendFixed(score.ChurnProbability, 6).Append(',')
            .Append(options.RiskBand(score.ChurnProbability)).Append(',');
        if (score.SegmentId is { } segment)
        {
            text.Append(CultureInfo.InvariantCulture, $"{segment}");
        }

        text.Append(',');
        Append(text, score.SegmentName).Append(',');
        if (score.PredictedGrossProfit is { } profit)
        {
            text.AppendFixed(profit, 2);
        }

        text.Append(',');
        if (score.PredictedRevenue is { } revenue)
        {
            text.AppendFixed(revenue, 2);
        }

        text.Append(',');
        AppendInterval(text, score.GrossProfitInterval);
        AppendInterval(text, score.RevenueInterval);
        AppendOutlook(text, score.GrossProfitInterval);
        AppendExplanation(text, cell, score.ChurnReasons, score.ChurnTotals, 6);
        AppendExplanation(text, cell, score.ValueReasons, score.ValueTotals, 4);
        AppendExplanation(text, cell, score.RevenueReasons, score.RevenueTotals, 4);

        // The same decision columns as the console's score file and the JSON's decision (empty without tier cut-offs).
        if (decisions is not null)
        {
            if (decisions.Available && decisions.Decide(row.Customer.Row, score) is { } decision)
            {
                DecisionCsv.Append(text, decision).Append(',');
            }
            else if (lease.Generation.Card.InputKind == ModelCard.CustomerTableInput && TableScoring.ValueAtRiskOf(score) is { } valueAtRisk)
            {
                // A table bundle has no decisions, but the value at risk the console's table scores write (Core's rule).
                text.Append(',', ValueAtRiskColumn).AppendFixed(valueAtRisk, 2).Append(',', DecisionCsv.Columns.Count - ValueAtRiskColumn);
            }
            else
            {
                text.Append(',', DecisionCsv.Columns.Count);
            }
        }

        if (row.Customer.Warnings.Count > 0)
        {
            AppendJoined(text, "; ", row.Customer.Warnings);
        }

        text.Append(',');
        Append(text, version).Append(',');
    }

    // P10, P50 and P90 cells (each followed by a comma), empty without an interval: the model has none, or predates intervals.
    private static void AppendInterval(StringBuilder text, MlCustomer.Core.LifetimeValue.ValueInterval? interval)
    {
        if (interval is { } v)
        {
            text.AppendFixed(v.P10, 2).Append(',').AppendFixed(v.P50, 2).Append(',').AppendFixed(v.P90, 2).Append(',');
        }
        else
        {
            text.Append(",,,");
        }
    }

    // The purchase probability and the gross profit if buying (PurchaseOutlook.Cells' values, each followed by a comma), written
    // straight into the row like the interval: empty where not available (one-part value models).
    private static void AppendOutlook(StringBuilder text, MlCustomer.Core.LifetimeValue.ValueInterval? grossProfitInterval)
    {
        if (PurchaseOutlook.Of(grossProfitInterval) is { } o)
        {
            text.AppendFixed(o.PurchaseProbability, PurchaseOutlook.ProbabilityDecimals).Append(',')
                .AppendFixed(o.IfBuyingP10, 2).Append(',').AppendFixed(o.IfBuyingP90, 2).Append(',');
        }
        else
        {
            text.Append(",,,");
        }
    }

    // Baseline, reasons and all other (empty totals when the reasons do not add up), each followed by a comma; with
    // TreeSHAP baseline + the reasons' effects + all other = the prediction, to the decimals written.
    private static void AppendExplanation(StringBuilder text, StringBuilder cell, IReadOnlyList<Reason> reasons, ExplanationTotals? totals, int decimals)
    {
        if (totals is { } t)
        {
            text.AppendFixed(t.Baseline, decimals);
        }

        text.Append(',');
        AppendReasons(text, cell, reasons, decimals).Append(',');
        if (totals is { } u)
        {
            text.AppendFixed(u.AllOther, decimals, plusSign: true);
        }

        text.Append(',');
    }

    // "feature=value:+0.123456;…" ("feature:+0.1234" for reasons without values), quoted like any other cell when needed.
    private static StringBuilder AppendReasons(StringBuilder text, StringBuilder cell, IReadOnlyList<Reason> reasons, int decimals)
    {
        cell.Clear();
        for (var k = 0; k < reasons.Count; k++)
        {
            if (k > 0)
            {
                cell.Append(';');
            }

            // Reason.Value's text, written without a string for it.
            var reason = reasons[k];
            cell.Append(reason.Feature);
            if (reason.Level is { } level)
            {
                cell.Append('=').Append(level);
            }
            else if (reason.Number is { } number)
            {
                BundleExplainer.AppendValue(cell.Append('='), number);
            }

            cell.Append(':').AppendFixed(reason.Contribution, reason.Level is null && reason.Number is null ? 4 : decimals, plusSign: true);
        }

        var needsQuotes = false;
        foreach (var part in cell.GetChunks())
        {
            needsQuotes |= part.Span.IndexOfAny(",\"\r\n") >= 0;
        }

        return needsQuotes ? Append(text, cell.ToString()) : text.Append(cell);
    }

    // Append(text, string.Join(separator, parts)) without the joined string (the separator needs no quotes).
    private static void AppendJoined(StringBuilder text, string separator, List<string> parts)
    {
        var quoted = false;
        foreach (var part in parts)
        {
            quoted |= part.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        }

        if (quoted)
        {
            Append(text, string.Join(separator, parts));
            return;
        }

        for (var k = 0; k < parts.Count; k++)
        {
            (k > 0 ? text.Append(separator) : text).Append(parts[k]);
        }
    }

    private static StringBuilder Append(StringBuilder text, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return text;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return text.Append(value);
        }

        return text.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    // The header record (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks).
    private async Task<string[]?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var first = await lines.ReadLineAsync(cancellationToken);
        if (first is null)
        {
            return null;
        }

        line = lines.Line;
        if (first.AsSpan().TrimStart() is [ '{' or '[', ..])
        {
            throw new CsvFormatException(line,
                $"looks like JSON: this endpoint reads CSV (a header line of {FeatureColumns.CustomerId} and the feature names, then one line per customer); send JSON to POST /api/v1/scores");
        }

        return await ReadQuotedRecordAsync(first, cancellationToken);
    }

    // The rest of a record whose first line has been read (and counted). Quotes are counted once per line and the
    // record is bounded, so a quote that is never closed costs one pass over at most the bound, not a pass per line.
    private async Task<string[]> ReadQuotedRecordAsync(string first, CancellationToken cancellationToken)
    {
        var startLine = line;
        var quotes = CountQuotes(first);
        if (quotes % 2 == 0)
        {
            return Split(first, startLine);
        }

        var record = new StringBuilder(first);
        while (quotes % 2 == 1)
        {
            var more = await lines.ReadLineAsync(cancellationToken)
                ?? throw new CsvFormatException(startLine, "opens a quoted field that is never closed");
            line = lines.Line;
            if (record.Length + 1 + more.Length > options.CsvMaxLineChars)
            {
                throw new CsvFormatException(startLine,
                    $"opens a quoted field that is not closed within {options.CsvMaxLineChars:N0} characters (the most a line or a quoted field may hold)");
            }

            quotes += CountQuotes(more);
            record.Append('\n').Append(more);
        }

        return Split(record.ToString(), startLine);
    }

    private static int CountQuotes(string text) => text.AsSpan().Count('"');

    private static string[] Split(string record, long lineNumber)
    {
        if (!record.Contains('"', StringComparison.Ordinal))
        {
            return record.Split(',');
        }

        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < record.Length; i++)
        {
            var c = record[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < record.Length && record[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == '"')
            {
                throw new CsvFormatException(lineNumber, "has a quote inside an unquoted field (quote the whole field and double the quotes inside it)");
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields.ToArray();
    }

    private sealed record CsvRow(long Line, string CustomerId, PreparedCustomer? Customer, string? Error);
}

/// <summary>Text encoded as UTF-8 (no byte order mark) into a response's pipe, flushed chunk by chunk.</summary>
internal sealed class CsvBodyWriter(System.IO.Pipelines.PipeWriter pipe)
{
    private readonly Encoder encoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();

    public void Write(StringBuilder text)
    {
        foreach (var part in text.GetChunks())
        {
            var chars = part.Span;
            while (!chars.IsEmpty)
            {
                // At most 3 bytes a UTF-16 unit; a span of at least 4 bytes always takes one character.
                var bytes = pipe.GetSpan(Math.Min(chars.Length * 3 + 4, 64 * 1024));
                encoder.Convert(chars, bytes, flush: false, out var used, out var written, out _);
                pipe.Advance(written);
                chars = chars[used..];
            }
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        // A completed pipe is a client that stopped reading: stop scoring for it, as a failed stream write did.
        if ((await pipe.FlushAsync(cancellationToken)).IsCompleted)
        {
            throw new OperationCanceledException("The client stopped reading the answer.");
        }
    }
}

/// <summary>The streamed CSV answer; declares itself to OpenAPI as 200 text/csv.</summary>
public sealed class CsvScoresResult(CsvScoring scoring) : IResult, IEndpointMetadataProvider
{
    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        using (scoring)
        {
            await scoring.WriteAsync(httpContext.Response, httpContext.RequestAborted);
        }
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/csv"]));
    }
}
