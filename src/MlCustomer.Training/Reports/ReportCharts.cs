using System.Globalization;
using System.Text.RegularExpressions;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.Segments;
using MlCustomer.Core.Tiers;
using ScottPlot;

namespace MlCustomer.Training.Reports;

/// <summary>
/// The report's plots, drawn with ScottPlot and returned as SVG ready to inline in the page. Each method takes
/// the metric records as the card stores them, so the plots show exactly what the card says.
/// </summary>
internal static partial class ReportCharts
{
    /// <summary>Pixel size every plot is drawn at; the page scales them to its column width.</summary>
    public const int Width = 560;

    /// <summary>Pixel height of every plot.</summary>
    public const int Height = 420;

    private const int MaxImportanceBars = 15;

    private static readonly Color ModelColor = Colors.C0;
    private static readonly Color BaselineColor = Colors.C1;
    private static readonly Color HighlightColor = Colors.C3;
    private static readonly Color ReferenceColor = Colors.DarkGray;
    private static readonly Color PerfectColor = Colors.C2.WithOpacity(0.6);
    // Reference lines are thin and grey rather than dashed: Skia's SVG canvas cannot draw a dash pattern on every
    // path (legend symbols among them) and says so on stderr, which would land in the training console.
    private static readonly double[] UnitLine = [0, 1];
    private static readonly double[] PercentLine = [0, 100];
    private static readonly double[] RecencyTicks = [0, 1, 3, 7, 14, 30, 90, 180, 365, 730, 1461, 2922];
    private static readonly double[] MoneyTicks = [0, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000, 10_000_000];

    /// <summary>A sans-serif family the machine has, so ticks are measured with the font the page asks for;
    /// ScottPlot's own default here is a serif.</summary>
    private static readonly Lazy<string> FontFamily = new(() =>
        new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" }.FirstOrDefault(Installed) ?? Fonts.Default);

    private static bool Installed(string family) =>
        string.Equals(Fonts.GetTypeface(family, bold: false, italic: false)?.FamilyName, family, StringComparison.OrdinalIgnoreCase);

    /// <summary>The colour of the segment at position <paramref name="index"/> of the profile list, shared by
    /// the size bars, the scatter and the profile table's swatches.</summary>
    public static Color SegmentColor(int index) => new ScottPlot.Palettes.Category10().GetColor(index);

    /// <summary>ROC curve of the model, the random diagonal and the baseline rule's operating point.</summary>
    public static string Roc(BinaryMetricsResult holdout, SingleThresholdRule baseline, double? baselineAuc)
    {
        var plot = NewPlot("ROC curve", "False positive rate (share of stayers flagged)", "True positive rate (share of churners flagged)");
        Reference(plot, UnitLine, UnitLine, "Random");
        var curve = plot.Add.ScatterLine(holdout.Roc.Select(p => p.FalsePositiveRate).ToArray(), holdout.Roc.Select(p => p.TruePositiveRate).ToArray(), ModelColor);
        curve.LineWidth = 2.5f;
        curve.LegendText = $"Model (AUC {Show(holdout.Auc)})";
        var point = plot.Add.Marker(baseline.FalsePositiveRate, baseline.TruePositiveRate, MarkerShape.FilledDiamond, 12, BaselineColor);
        point.LegendText = $"Baseline rule: {baseline.Description} (AUC {Show(baselineAuc ?? baseline.Auc)})";
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.ShowLegend(Alignment.LowerRight);
        return ToSvg(plot, "roc");
    }

    /// <summary>Precision–recall curve with the churn rate (what random targeting achieves) and the baseline rule's point.</summary>
    public static string PrecisionRecall(BinaryMetricsResult holdout, SingleThresholdRule baseline)
    {
        var plot = NewPlot("Precision–recall curve", "Recall (share of churners flagged)", "Precision (share of flagged who churn)");
        Reference(plot, UnitLine, [holdout.PositiveRate, holdout.PositiveRate], $"Random (churn rate {Percent(holdout.PositiveRate)})");
        var curve = plot.Add.ScatterLine(holdout.PrecisionRecall.Select(p => p.Recall).ToArray(), holdout.PrecisionRecall.Select(p => p.Precision).ToArray(), ModelColor);
        curve.LineWidth = 2.5f;
        curve.LegendText = $"Model (average precision {Show(holdout.PrAuc)})";
        var positives = baseline.TruePositiveRate * holdout.Positives;
        var flagged = positives + (baseline.FalsePositiveRate * (holdout.Count - holdout.Positives));
        if (flagged > 0)
        {
            var point = plot.Add.Marker(baseline.TruePositiveRate, positives / flagged, MarkerShape.FilledDiamond, 12, BaselineColor);
            point.LegendText = $"Baseline rule: {baseline.Description}";
        }

        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.ShowLegend(Alignment.LowerLeft);
        return ToSvg(plot, "precision-recall");
    }

    /// <summary>Mean predicted probability against the observed churn rate per bin, dot area by customers, with the diagonal.</summary>
    public static string Calibration(BinaryMetricsResult holdout)
    {
        var plot = NewPlot("Calibration", "Mean predicted churn probability in the bin", "Observed churn rate in the bin");
        Reference(plot, UnitLine, UnitLine, "Perfect calibration");
        var bins = holdout.CalibrationTable.Where(b => b is { Count: > 0, MeanPredicted: not null, ObservedRate: not null }).ToList();
        var line = plot.Add.ScatterLine(bins.Select(b => b.MeanPredicted!.Value).ToArray(), bins.Select(b => b.ObservedRate!.Value).ToArray(), ModelColor);
        line.LineWidth = 2;
        line.LegendText = "Model (bins of 0.1; dot size = customers)";
        var largest = bins.Count > 0 ? bins.Max(b => b.Count) : 1;
        foreach (var bin in bins)
        {
            var size = 5 + (13 * (float)Math.Sqrt((double)bin.Count / largest));
            plot.Add.Marker(bin.MeanPredicted!.Value, bin.ObservedRate!.Value, MarkerShape.FilledCircle, size, ModelColor);
        }

        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.ShowLegend(Alignment.UpperLeft);
        return ToSvg(plot, "calibration");
    }

    /// <summary>
    /// Cumulative gains: share of churners caught against share of customers targeted, highest scores first.
    /// Derived exactly from the ROC points: targeting everyone at or above a cut flags
    /// rate·TPR + (1 − rate)·FPR of the customers and catches TPR of the churners.
    /// </summary>
    public static string Gains(BinaryMetricsResult holdout, SingleThresholdRule baseline)
    {
        var rate = holdout.PositiveRate;
        var plot = NewPlot("Cumulative gains (lift)", "Customers targeted, highest churn score first (%)", "Churners caught (%)");
        Reference(plot, PercentLine, PercentLine, "Random targeting");
        var perfect = plot.Add.ScatterLine(new[] { 0, 100 * rate, 100 }, new[] { 0.0, 100, 100 }, PerfectColor);
        perfect.LineWidth = 1.5f;
        perfect.LegendText = "Perfect ranking";
        var curve = plot.Add.ScatterLine(
            holdout.Roc.Select(p => 100 * ((rate * p.TruePositiveRate) + ((1 - rate) * p.FalsePositiveRate))).ToArray(),
            holdout.Roc.Select(p => 100 * p.TruePositiveRate).ToArray(),
            ModelColor);
        curve.LineWidth = 2.5f;
        curve.LegendText = "Model";
        var lifts = new[] { holdout.LiftAt10Percent, holdout.LiftAt20Percent }.Where(l => l.Capture is not null).ToList();
        if (lifts.Count > 0)
        {
            var markers = plot.Add.Markers(
                lifts.Select(l => 100.0 * l.Targeted / holdout.Count).ToArray(),
                lifts.Select(l => 100 * l.Capture!.Value).ToArray(),
                MarkerShape.FilledCircle,
                9,
                ModelColor);
            markers.LegendText = string.Join("; ", lifts.Select(l => $"top {Percent(l.TopFraction, "0")}: {Percent(l.Capture!.Value, "0")} caught, lift {Show(l.Lift, "0.0")}×"));
        }

        var baselinePoint = plot.Add.Marker(
            100 * ((rate * baseline.TruePositiveRate) + ((1 - rate) * baseline.FalsePositiveRate)),
            100 * baseline.TruePositiveRate,
            MarkerShape.FilledDiamond,
            12,
            BaselineColor);
        baselinePoint.LegendText = $"Baseline rule: {baseline.Description}";
        plot.Axes.SetLimits(0, 100, 0, 102);

        // Below the plot: inside, seven entries would cover the curve where it matters.
        plot.ShowLegend(Edge.Bottom);
        return ToSvg(plot, "gains", Width, 520);
    }

    /// <summary>The most important features as horizontal bars (largest on top), with the spread over shuffles as error bars.</summary>
    public static string Importance(string id, IReadOnlyList<FeatureImportance> importance, string title, string valueLabel)
    {
        var top = importance.OrderByDescending(f => f.MeanDrop).Take(MaxImportanceBars).ToList();
        var plot = NewPlot(title, valueLabel, "");
        var bars = top.Select((f, i) => new Bar
        {
            Position = top.Count - 1 - i,
            Value = f.MeanDrop,
            Error = f.StandardDeviation,
            FillColor = ModelColor,
            Size = 0.7,
        }).ToList();
        var plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plot.Axes.Left.SetTicks(bars.Select(b => b.Position).ToArray(), top.Select(f => f.Name).ToArray());
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Grid.YAxisStyle.IsVisible = false;
        plot.Add.VerticalLine(0, 1, Colors.Black);
        return ToSvg(plot, id, Width, Math.Max(220, 60 + (24 * top.Count)));
    }

    /// <summary>Mean |TreeSHAP effect| per feature (top 15), horizontal bars.</summary>
    public static string MeanEffects(string id, IReadOnlyList<MeanEffect> effects, string title, string valueLabel)
    {
        var top = effects.Take(MaxImportanceBars).ToList();
        var plot = NewPlot(title, valueLabel, "");
        var bars = top.Select((f, i) => new Bar { Position = top.Count - 1 - i, Value = f.MeanAbsoluteEffect, FillColor = ModelColor, Size = 0.7 }).ToList();
        var plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plot.Axes.Left.SetTicks(bars.Select(b => b.Position).ToArray(), top.Select(f => f.Feature).ToArray());
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Grid.YAxisStyle.IsVisible = false;
        plot.Add.VerticalLine(0, 1, Colors.Black);
        return ToSvg(plot, id, Width, Math.Max(220, 60 + (24 * top.Count)));
    }

    /// <summary>Mean predicted and mean actual value per decile of the prediction, side by side.</summary>
    public static string Deciles(RegressionMetricsResult holdout)
    {
        var plot = NewPlot("Value by decile of the prediction", "Decile by predicted value (1 = highest)", "Mean per customer");
        var rows = holdout.Deciles.Where(d => d is { Count: > 0, MeanPredicted: not null, MeanActual: not null }).ToList();
        AddBarSeries(plot, rows.Select(d => d.Decile - 0.2).ToArray(), rows.Select(d => d.MeanPredicted!.Value).ToArray(), 0.38, ModelColor, "Predicted");
        AddBarSeries(plot, rows.Select(d => d.Decile + 0.2).ToArray(), rows.Select(d => d.MeanActual!.Value).ToArray(), 0.38, BaselineColor, "Actual");
        plot.Axes.Bottom.SetTicks(
            rows.Select(d => (double)d.Decile).ToArray(),
            rows.Select(d => d.Decile.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Grid.XAxisStyle.IsVisible = false;
        plot.Add.HorizontalLine(0, 1, Colors.Black);
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        return ToSvg(plot, "deciles");
    }

    /// <summary>Each segment's share of customers next to its share of profit.</summary>
    public static string SegmentSizes(IReadOnlyList<SegmentProfile> profiles)
    {
        var plot = NewPlot("Segment sizes", "Share (%)", "");
        var n = profiles.Count;
        AddBarSeries(plot, profiles.Select((_, i) => n - 1 - i + 0.2).ToArray(), profiles.Select(p => 100 * p.ShareOfCustomers).ToArray(), 0.38, ModelColor, "Share of customers", horizontal: true);
        AddBarSeries(plot, profiles.Select((_, i) => n - 1 - i - 0.2).ToArray(), profiles.Select(p => 100 * p.ShareOfProfit).ToArray(), 0.38, BaselineColor, "Share of profit", horizontal: true);
        plot.Axes.Left.SetTicks(profiles.Select((_, i) => (double)(n - 1 - i)).ToArray(), profiles.Select(p => p.Name).ToArray());
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Grid.YAxisStyle.IsVisible = false;
        plot.Add.VerticalLine(0, 1, Colors.Black);
        plot.ShowLegend(Edge.Bottom);
        return ToSvg(plot, "segment-sizes", Width, Math.Max(300, 130 + (50 * n)));
    }

    /// <summary>The sampled customers by recency and revenue (both on the segmentation's log scale, ticks in
    /// real units), coloured by segment.</summary>
    public static string SegmentScatter(IReadOnlyList<SegmentPoint> points, IReadOnlyList<SegmentProfile> profiles)
    {
        var plot = NewPlot("Customers by segment (sample)", "Days since last purchase (log scale)", "Net revenue (log scale)");
        var order = profiles.Select((p, i) => (p.Id, i)).ToDictionary(x => x.Id, x => x.i);
        foreach (var group in points.GroupBy(p => p.SegmentId).OrderBy(g => order.GetValueOrDefault(g.Key, int.MaxValue)).ThenBy(g => g.Key))
        {
            var index = order.TryGetValue(group.Key, out var i) ? i : order.Count + group.Key;
            var markers = plot.Add.Markers(
                group.Select(p => p.LogRecencyDays).ToArray(),
                group.Select(p => p.LogRevenue).ToArray(),
                MarkerShape.FilledCircle,
                4,
                SegmentColor(index).WithOpacity(0.55));
            var name = index < profiles.Count ? profiles[index].Name : $"segment {group.Key.ToString(CultureInfo.InvariantCulture)}";

            // The points are drawn small and faded so dense regions show; the legend gets full-size, solid dots.
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = $"{name} ({group.Count().ToString("#,##0", CultureInfo.InvariantCulture)})",
                MarkerShape = MarkerShape.FilledCircle,
                MarkerSize = 10,
                MarkerFillColor = SegmentColor(index),
                MarkerLineColor = SegmentColor(index),
                LineWidth = 0,
            });
        }

        LogTicks(plot.Axes.Bottom, RecencyTicks, points.Select(p => p.LogRecencyDays), v => v.ToString("0", CultureInfo.InvariantCulture));
        LogTicks(plot.Axes.Left, MoneyTicks, points.Select(p => p.LogRevenue), ShortMoney);
        plot.ShowLegend(Edge.Bottom);
        return ToSvg(plot, "segment-scatter", Width, 500);
    }

    /// <summary>The Pareto curve, the equal-share line and the top-share point.</summary>
    public static string ProfitConcentration(ProfitConcentration curve)
    {
        var plot = NewPlot("Profit concentration", "Customers ranked by profit, most profitable first (%)", "Cumulative share of total profit (%)");
        Reference(plot, PercentLine, PercentLine, "Equal shares");
        var shares = curve.Curve.Select(p => 100 * (p.ProfitShare ?? 0)).ToArray();
        var line = plot.Add.ScatterLine(curve.Curve.Select(p => 100 * p.CustomerShare).ToArray(), shares, ModelColor);
        line.LineWidth = 2.5f;
        line.LegendText = "Customers";
        var topShare = curve.TopPercent / 100;
        var topShareOfProfit = curve.TopProfitShare ?? 0;
        var x = 100.0 * curve.TopCustomers / curve.Customers;
        var y = 100 * topShareOfProfit;
        var (bottom, top) = (Math.Min(0, shares.Min()), Math.Max(100, shares.Max()) * 1.04);
        var cut = plot.Add.ScatterLine(new[] { x, x }, new[] { bottom, top }, HighlightColor);
        cut.LineWidth = 1;
        var point = plot.Add.Marker(x, y, MarkerShape.FilledCircle, 11, HighlightColor);
        point.LegendText = $"Top {Percent(topShare, "0")} bring {Percent(topShareOfProfit, "0")} of profit";
        Label(plot, $"top {Percent(topShare, "0")} → {Percent(topShareOfProfit, "0")}", x + 2, y - 3, Alignment.UpperLeft);
        plot.Axes.SetLimits(0, 100, bottom, top);
        plot.ShowLegend(Alignment.LowerRight);
        return ToSvg(plot, "profit-concentration");
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title, 16);
        plot.XLabel(xLabel, 13);
        plot.YLabel(yLabel, 13);
        return plot;
    }

    private static void Reference(Plot plot, double[] xs, double[] ys, string legend)
    {
        var line = plot.Add.ScatterLine(xs, ys, ReferenceColor);
        line.LineWidth = 1.5f;
        line.LegendText = legend;
    }

    private static void Label(Plot plot, string text, double x, double y, Alignment alignment)
    {
        var label = plot.Add.Text(text, x, y);
        label.Alignment = alignment;
        label.LabelFontSize = 12;
        label.LabelFontColor = Colors.Black;
        label.LabelFontName = FontFamily.Value;
    }

    private static void AddBarSeries(Plot plot, double[] positions, double[] values, double size, Color color, string legend, bool horizontal = false)
    {
        var bars = plot.Add.Bars(positions.Zip(values, (p, v) => new Bar { Position = p, Value = v, Size = size, FillColor = color }).ToList());
        bars.Horizontal = horizontal;
        bars.LegendText = legend;
    }

    /// <summary>Ticks at round real values on an axis whose data are sign(x)·ln(1 + |x|).</summary>
    private static void LogTicks(IAxis axis, double[] candidates, IEnumerable<double> data, Func<double, string> format)
    {
        var values = data.ToList();
        if (values.Count == 0)
        {
            return;
        }

        var (min, max) = (values.Min(), values.Max());
        var ticks = candidates.Where(v => v > 0).Select(v => -v).Concat(candidates)
            .Distinct()
            .Select(v => (Position: SegmentFeatures.SignedLog(v), Value: v))
            .Where(t => t.Position >= min - 0.5 && t.Position <= max + 0.5)
            .OrderBy(t => t.Position)
            .ToList();
        axis.SetTicks(ticks.Select(t => (double)t.Position).ToArray(), ticks.Select(t => format(t.Value)).ToArray());
    }

    private static string ShortMoney(double value)
    {
        var magnitude = Math.Abs(value);
        var text = magnitude >= 1_000_000 ? $"{magnitude / 1_000_000:0.#}M" : magnitude >= 1_000 ? $"{magnitude / 1_000:0.#}k" : $"{magnitude:0}";
        return value < 0 ? "−" + text : text;
    }

    private static string Show(double? value, string format = "0.000") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string Percent(double value, string format = "0.0") => (100 * value).ToString(format, CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// Renders to SVG fit for inlining in HTML: no XML declaration; a viewBox so CSS can scale it; ids renumbered
    /// under the plot's id (ScottPlot numbers clip paths with a process-wide counter, so two plots on a page could
    /// share one and the same report would differ between runs); fallbacks after the font family for viewers
    /// without it.
    /// </summary>
    private static string ToSvg(Plot plot, string id, int width = Width, int height = Height)
    {
        var family = FontFamily.Value;
        plot.Font.Set(family);
        var svg = plot.GetSvgXml(width, height);
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        svg = start > 0 ? svg[start..] : svg;
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var match in SvgId().Matches(svg).Cast<Match>())
        {
            renamed.TryAdd(match.Groups[1].Value, $"{id}-{renamed.Count + 1}");
        }

        svg = SvgIdReference().Replace(svg, m => renamed.TryGetValue(m.Groups[2].Value, out var name) ? m.Groups[1].Value + name + m.Groups[3].Value : m.Value);

        // Skia writes coordinates to 1e-5 px, every dot as an ellipse and every glyph's position; at 0.01 px, as
        // circles and with only where each text starts, the page shrinks by a fifth with no visible change, and a
        // viewer whose fallback font is narrower than DejaVu gets evenly spaced letters instead of gaps.
        // Only attributes are rewritten, never the text between tags.
        svg = SvgTag().Replace(svg, tag => GlyphPositions().Replace(LongDecimal().Replace(tag.Value, "$1"), "$1=\"$2\""));
        svg = RoundEllipse().Replace(svg, "<circle $1r=\"$2\"/>");
        return svg
            .Replace($"font-family=\"{family}\"", $"font-family=\"{family}, Verdana, Arial, sans-serif\"", StringComparison.Ordinal)
            .Insert("<svg".Length, string.Create(CultureInfo.InvariantCulture, $" class=\"plot\" id=\"plot-{id}\" viewBox=\"0 0 {width} {height}\""))
            .Trim();
    }

    /// <summary>An element's tag with its attributes, not the text between tags (labels must keep their digits).</summary>
    [GeneratedRegex("<[^>]+>")]
    private static partial Regex SvgTag();

    /// <summary>x="a, b, c, " (one position per glyph): group 1 is the attribute, group 2 the first position.</summary>
    [GeneratedRegex("\\b([xy])=\"(-?[\\d.]+),[^\"]*\"")]
    private static partial Regex GlyphPositions();

    [GeneratedRegex("(\\d\\.\\d\\d)\\d+")]
    private static partial Regex LongDecimal();

    [GeneratedRegex("<ellipse ([^>]*?)rx=\"([\\d.]+)\" ry=\"\\2\"/>")]
    private static partial Regex RoundEllipse();

    [GeneratedRegex("\\sid=\"([^\"]+)\"")]
    private static partial Regex SvgId();

    /// <summary>An id where it is declared or referenced: id="x", url(#x), href="#x".</summary>
    [GeneratedRegex("(\\sid=\"|url\\(#|href=\"#)([^\")]+)(\"|\\))")]
    private static partial Regex SvgIdReference();
}
