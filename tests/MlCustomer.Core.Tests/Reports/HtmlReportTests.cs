using System.Text.RegularExpressions;
using MlCustomer.Core.Tests.Data;
using MlCustomer.Training.Reports;

namespace MlCustomer.Core.Tests.Reports;

public sealed partial class HtmlReportTests
{
    private static readonly Lazy<string> FullReport = new(() => HtmlReport.Render(ReportSamples.Data()));

    private static readonly string[] SectionTitles =
    [
        "MlCustomer model report", "Summary", "Churn", "Retention offer threshold", "Lifetime value",
        "Model against baselines", "Segments", "Profit concentration", "Model card", "Feature contract",
    ];

    private static readonly string[] PlotIds =
    [
        "roc", "precision-recall", "calibration", "gains", "churn-importance",
        "deciles", "value-importance", "segment-sizes", "segment-scatter", "profit-concentration",
    ];

    [Fact]
    public void TheReportHasEverySectionTitle()
    {
        foreach (var title in SectionTitles)
        {
            Assert.Contains(title, FullReport.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryPlotIsAnInlineSvgWithTextOnItsAxes()
    {
        var html = FullReport.Value;
        foreach (var id in PlotIds)
        {
            var svg = SvgOf(html, id);
            Assert.True(svg is not null, $"no <svg> for plot '{id}'");
            Assert.Contains("<text", svg, StringComparison.Ordinal);
        }

        Assert.Contains("False positive rate", SvgOf(html, "roc"), StringComparison.Ordinal);
        Assert.Contains("Cumulative share of total profit", SvgOf(html, "profit-concentration"), StringComparison.Ordinal);
    }

    [Fact]
    public void ThePageReferencesNothingOutsideItself()
    {
        var html = FullReport.Value;
        var withoutNamespaces = XmlNamespace().Replace(html, "");

        Assert.DoesNotContain("http://", withoutNamespaces, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", withoutNamespaces, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TextFromDataIsEscapedInTablesAndPlots()
    {
        var html = FullReport.Value;

        Assert.DoesNotContain(ReportSamples.HostileSegmentName, html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", SvgOf(html, "segment-sizes"), StringComparison.Ordinal);
        Assert.DoesNotContain("<b>bold</b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void PlotIdsDoNotCollideBetweenPlots()
    {
        var ids = ElementId().Matches(FullReport.Value).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void LongCategoryListsAreTruncated()
    {
        Assert.Contains("and 29 more", FullReport.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("country 40", FullReport.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void NumbersAreFormattedInvariantly()
    {
        Assert.Contains("120,000 rows", FullReport.Value, StringComparison.Ordinal);
        Assert.Contains("2026-06-30", FullReport.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void TheReportRendersWithoutSegmentsValueModelOracleOrScatter()
    {
        var data = ReportSamples.Data();
        var bare = data with
        {
            Card = data.Card with
            {
                Segments = null,
                LifetimeValue = null,
                AsOfDate = null,
                ChurnHorizonDays = null,
                ValueHorizonDays = null,
                InputKind = "customer-table",
                Churn = data.Card.Churn with { OracleAuc = null },
            },
            CustomerProfits = [],
            SegmentScatter = null,
        };

        var html = HtmlReport.Render(bare);

        Assert.Contains("No lifetime value model", html, StringComparison.Ordinal);
        Assert.Contains("No segmentation", html, StringComparison.Ordinal);
        Assert.Contains("No oracle score", html, StringComparison.Ordinal);
        Assert.Contains("No customer profits", html, StringComparison.Ordinal);
        Assert.NotNull(SvgOf(html, "roc"));
        Assert.Null(SvgOf(html, "deciles"));
        Assert.Null(SvgOf(html, "segment-scatter"));
    }

    [Fact]
    public void SegmentsWithoutAScatterSampleStillShowTheirSizes()
    {
        var html = HtmlReport.Render(ReportSamples.Data() with { SegmentScatter = [] });

        Assert.NotNull(SvgOf(html, "segment-sizes"));
        Assert.Null(SvgOf(html, "segment-scatter"));
        Assert.Contains("No customer sample", html, StringComparison.Ordinal);
    }

    [Fact]
    public void AHoldoutWithOneClassSaysTheCurvesAreUndefined()
    {
        var data = ReportSamples.Data();
        var oneClass = Core.Evaluation.BinaryMetrics.Compute([0.1, 0.2, 0.3], [false, false, false]);
        var html = HtmlReport.Render(data with { Card = data.Card with { Churn = data.Card.Churn with { Holdout = oneClass } } });

        Assert.Contains("only one class", html, StringComparison.Ordinal);
        Assert.Null(SvgOf(html, "roc"));
    }

    [Fact]
    public void WriteCreatesTheFolderAndTheSamePage()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.PathOf("bundle"), "report.html");
        var data = ReportSamples.Data();

        HtmlReport.Write(data, path);

        Assert.Equal(HtmlReport.Render(data), File.ReadAllText(path));
    }

    /// <summary>The &lt;svg&gt; element of one plot, or null when the page does not have it.</summary>
    private static string? SvgOf(string html, string id)
    {
        var start = html.IndexOf($"id=\"plot-{id}\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var open = html.LastIndexOf("<svg", start, StringComparison.Ordinal);
        var close = html.IndexOf("</svg>", start, StringComparison.Ordinal);
        return html[open..(close + "</svg>".Length)];
    }

    [GeneratedRegex("xmlns(:\\w+)?=\"[^\"]*\"")]
    private static partial Regex XmlNamespace();

    [GeneratedRegex("\\sid=\"([^\"]+)\"")]
    private static partial Regex ElementId();
}
