using System.Globalization;
using System.Text;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Explanations;
using MlCustomer.Core.LifetimeValue;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Training.Reports;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG, no scripts, no external resources) that shows a
/// model bundle's quality with plots, because people would rather look than read. Every section copes with
/// what a bundle may lack: no segments, no value model, no oracle scores, no scatter sample.
/// </summary>
internal static class HtmlReport
{
    /// <summary>Categories listed per feature in the contract table before "… and N more".</summary>
    public const int CategoriesShown = 12;

    private const string Style = """
        body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;color:#222;margin:0;background:#f6f7f9;font-size:14px;line-height:1.45}
        main{max-width:1220px;margin:0 auto;padding:24px 28px 60px;background:#fff}
        h1{font-size:26px;margin:0 0 4px}
        h2{font-size:21px;margin:40px 0 10px;padding-top:10px;border-top:2px solid #e3e6ea}
        h3{font-size:16px;margin:22px 0 8px}
        nav{margin:8px 0 18px;font-size:13px}
        nav a{margin-right:14px;color:#1f5f99;text-decoration:none}
        .sub{color:#555;margin:0 0 14px}
        table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}
        th,td{border:1px solid #d8dce1;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f0f2f5;font-weight:600}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        table.kv th{width:170px}
        .plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:18px;margin:12px 0}
        figure{margin:0;border:1px solid #e3e6ea;border-radius:6px;padding:8px;background:#fff}
        figcaption{font-size:12.5px;color:#555;margin-top:4px}
        svg.plot{width:100%;height:auto;display:block}
        .stats{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
        .stats div{border:1px solid #e3e6ea;border-radius:6px;padding:6px 12px;min-width:92px;background:#fafbfc}
        .stats b{display:block;font-size:19px}
        .stats span{font-size:12px;color:#555}
        .grade{display:inline-block;min-width:22px;text-align:center;font-weight:700;border-radius:4px;padding:1px 6px;color:#fff;cursor:help}
        .grade-A{background:#2e7d32}.grade-B{background:#d18b00}.grade-C{background:#c62828}
        .note{color:#555;font-size:13px}
        .missing{color:#777;font-style:italic}
        .swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
        details{margin:8px 0}
        summary{cursor:pointer;color:#1f5f99}
        pre{background:#f6f7f9;padding:8px;overflow:auto;font-size:12px}
        code{font-size:12.5px}
        """;

    /// <summary>The whole page.</summary>
    public static string Render(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var card = data.Card;
        var page = new StringBuilder(256 * 1024);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>MlCustomer model report ").Append(Html.Text(card.Version)).Append("</title>\n")
            .Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n");
        Header(page, card);
        Summary(page, card);
        var currency = card.Currency;
        Churn(page, card.Churn, currency);
        LifetimeValue(page, card.LifetimeValue, currency);
        Revenue(page, card.Revenue, currency);
        Segments(page, card.Segments, data.SegmentScatter, currency);
        ProfitConcentrationSection(page, data.CustomerProfits, currency);
        TiersSection(page, card, data.Tiers, data.Movement);
        ModelCardSection(page, card);
        page.Append("</main>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>Renders the page and writes it as UTF-8, creating the folder if needed.</summary>
    public static void Write(ReportData data, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var html = Render(data);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    private static void Header(StringBuilder page, ModelCard card)
    {
        page.Append("<h1>MlCustomer model report</h1>\n<p class=\"sub\">Bundle <code>").Append(Html.Text(card.Version))
            .Append("</code> · created ").Append(Html.Text(card.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)))
            .Append(" · ").Append(Html.Text(card.InputKind)).Append(" input</p>\n");
        page.Append("<nav><a href=\"#summary\">Summary</a><a href=\"#churn\">Churn</a><a href=\"#lifetime-value\">Lifetime value</a>")
            .Append("<a href=\"#segments\">Segments</a><a href=\"#profit-concentration\">Profit concentration</a><a href=\"#model-card\">Model card</a></nav>\n");

        page.Append("<table class=\"kv\">\n");
        Row(page, "Currency", card.Currency is { } code ? $"every amount is in {Html.Text(code)}" : Html.Text($"not recorded ({Currencies.Unknown})"));
        if (card.NotAvailable() is { } missing)
        {
            Row(page, "Not available", Html.Text(missing.Reason));
        }

        if (card.Data.Load.CostEstimate is { } costEstimate)
        {
            Row(page, "Cost of goods", Html.Text($"estimated at {costEstimate.Describe()} (the transactions had no cost column); scoring applies the same rate"));
        }

        Row(page, "As-of date", card.AsOfDate is { } asOf ? Html.Text(asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) : "not applicable (customer table)");
        var horizons = new List<string>();
        if (card.ChurnHorizonDays is { } churnDays)
        {
            horizons.Add($"churn {Html.Count(churnDays)} days");
        }

        if (card.ValueHorizonDays is { } valueDays)
        {
            horizons.Add($"value {Html.Count(valueDays)} days");
        }

        Row(page, "Horizons", horizons.Count > 0 ? string.Join(", ", horizons) + " after the as-of date" : "not applicable");
        var split = card.Split;
        Row(page, "Customers", $"{Html.Count(card.Data.Customers)} ({Html.Count(split.TrainCustomers)} for training, {Html.Count(split.HoldoutCustomers)} held out, {Html.Count(split.Folds)}-fold cross-validation on the training part)");
        Row(page, "Split rule", Html.Text(split.Rule));
        Row(page, "Seed", Html.Count(card.Seed));
        var files = new StringBuilder();
        if (card.Data.Files.Count == 0)
        {
            files.Append("<span class=\"missing\">none recorded</span>");
        }

        foreach (var file in card.Data.Files)
        {
            files.Append("<div><code>").Append(Html.Text(file.Name)).Append("</code>: ").Append(Html.Count(file.Rows))
                .Append(" rows <span class=\"note\" title=\"SHA-256 ").Append(Html.Text(file.Sha256)).Append("\">sha256 ")
                .Append(Html.Text(file.Sha256.Length > 12 ? file.Sha256[..12] + "…" : file.Sha256)).Append("</span></div>");
        }

        Row(page, "Data files", files.ToString());
        var load = card.Data.Load;
        var details = (load.ToText() + Environment.NewLine + (card.Data.Features?.ToText() ?? "")).Trim();
        if (details.Length > 0)
        {
            Row(page, "Loading", $"{Html.Count(load.RowsSkipped)} rows skipped<details><summary>load and feature report</summary><pre>{Html.Text(details)}</pre></details>");
        }

        page.Append("</table>\n");
    }

    private static void Summary(StringBuilder page, ModelCard card)
    {
        var currency = card.Currency;
        page.Append("<h2 id=\"summary\">Summary</h2>\n<table>\n<tr><th>Model</th><th>Algorithm</th><th class=\"num\">Held-out customers</th><th>Key metrics</th><th>Baseline</th><th>Grade</th></tr>\n");
        var churn = card.Churn;
        page.Append("<tr><td>Churn</td><td>").Append(Html.Text(churn.Algorithm)).Append("</td><td class=\"num\">").Append(Html.Count(churn.Holdout.Count))
            .Append("</td><td>AUC ").Append(Html.Number(churn.Holdout.Auc))
            .Append(" (CV ").Append(Html.Number(churn.CrossValidationAuc.Mean)).Append(" ± ").Append(Html.Number(churn.CrossValidationAuc.StandardDeviation))
            .Append(") · PR-AUC ").Append(Html.Number(churn.Holdout.PrAuc))
            .Append(" · log loss ").Append(Html.Number(churn.Holdout.LogLoss))
            .Append(" · Brier ").Append(Html.Number(churn.Holdout.Brier))
            .Append(" · lift at 10% ").Append(Html.Number(churn.Holdout.LiftAt10Percent.Lift, "0.00")).Append("×</td><td>")
            .Append(Html.Text(churn.Baseline.Description)).Append(": AUC ").Append(Html.Number(churn.BaselineAuc ?? churn.Baseline.Auc))
            .Append("</td><td>").Append(Grade(churn.Grade)).Append("</td></tr>\n");

        if (card.LifetimeValue is { } value)
        {
            var h = value.Holdout;
            page.Append("<tr><td>Lifetime value</td><td>").Append(Html.Text(value.Algorithm)).Append("</td><td class=\"num\">").Append(Html.Count(h.Count))
                .Append("</td><td>normalized Gini ").Append(Html.Number(h.NormalizedGini))
                .Append(" · MAE ").Append(Html.Money(h.Mae, currency))
                .Append(" · RMSE ").Append(Html.Money(h.Rmse, currency))
                .Append(" · Spearman ").Append(Html.Number(h.Spearman))
                .Append(" · top-decile capture ").Append(Html.Percent(h.TopDecileCapture)).Append("</td><td>")
                .Append(string.Join("<br>", value.Baselines.Select(b => $"{Html.Text(b.Key)}: Gini {Html.Number(b.Value.NormalizedGini)}, MAE {Html.Money(b.Value.Mae, currency)}")))
                .Append("</td><td>").Append(Grade(value.Grade)).Append("</td></tr>\n");
        }
        else
        {
            page.Append("<tr><td>Lifetime value</td><td colspan=\"5\" class=\"missing\">not in this bundle</td></tr>\n");
        }

        if (card.Segments is { } segments)
        {
            page.Append("<tr><td>Segments</td><td>KMeans</td><td class=\"num\">").Append(Html.Count(segments.Profiles.Sum(p => p.Customers)))
                .Append(" (training)</td><td>").Append(Html.Count(segments.Profiles.Count)).Append(" segments: ")
                .Append(Html.Text(string.Join(", ", segments.Profiles.Select(p => p.Name))))
                .Append("<div class=\"note\">").Append(Html.Text(segments.Criterion)).Append("</div></td><td>—</td><td>—</td></tr>\n");
        }
        else
        {
            page.Append("<tr><td>Segments</td><td colspan=\"5\" class=\"missing\">not in this bundle (segments need transactional input)</td></tr>\n");
        }

        page.Append("</table>\n<p class=\"note\">Grades compare each model with its baseline on the same held-out customers. ")
            .Append("Churn: ").Append(Html.Text(churn.Grade.Rule)).Append(" — here: ").Append(Html.Text(churn.Grade.Reason)).Append('.');
        if (card.LifetimeValue is { } v)
        {
            page.Append("<br>Lifetime value: ").Append(Html.Text(v.Grade.Rule)).Append(" — here: ").Append(Html.Text(v.Grade.Reason)).Append('.');
        }

        page.Append("</p>\n");
    }

    private static void Churn(StringBuilder page, ChurnCard churn, string? currency)
    {
        var h = churn.Holdout;
        page.Append("<h2 id=\"churn\">Churn</h2>\n<p>").Append(Html.Text(churn.Algorithm)).Append(" on ").Append(Html.Count(h.Count))
            .Append(" held-out customers, of whom ").Append(Html.Count(h.Positives)).Append(" (").Append(Html.Percent(h.PositiveRate)).Append(") churned. ")
            .Append("Probabilities calibrated by ").Append(Html.Text(churn.Calibrator.Method)).Append(" (out-of-fold log loss: Platt ")
            .Append(Html.Number(churn.PlattLogLoss)).Append(", isotonic ").Append(Html.Number(churn.IsotonicLogLoss)).Append(").</p>\n");
        Stats(
            page,
            ("AUC", Html.Number(h.Auc)),
            ("baseline AUC", Html.Number(churn.BaselineAuc ?? churn.Baseline.Auc)),
            ("oracle AUC", Html.Number(churn.OracleAuc)),
            ("CV AUC", $"{Html.Number(churn.CrossValidationAuc.Mean)} ± {Html.Number(churn.CrossValidationAuc.StandardDeviation)}"),
            ("PR-AUC", Html.Number(h.PrAuc)),
            ("log loss", Html.Number(h.LogLoss)),
            ("Brier", Html.Number(h.Brier)),
            ("lift at 10%", Html.Number(h.LiftAt10Percent.Lift, "0.00") + "×"),
            ("caught in top 20%", Html.Percent(h.LiftAt20Percent.Capture)));

        page.Append("<div class=\"plots\">\n");
        if (h.Roc.Count > 1)
        {
            Figure(page, ReportCharts.Roc(h, churn.Baseline, churn.BaselineAuc), "Higher and further left is better; the diagonal is random ranking. The diamond is where the baseline rule operates.");
            Figure(page, ReportCharts.Gains(h, churn.Baseline), "Contacting the customers with the highest churn scores first: how many of the churners each share of contacts reaches.");
        }
        else
        {
            page.Append("<p class=\"missing\">ROC and gains curves are undefined: the held-out customers contain only one class.</p>\n");
        }

        if (h.PrecisionRecall.Count > 1)
        {
            Figure(page, ReportCharts.PrecisionRecall(h, churn.Baseline), "How many of the flagged customers really churn, for each share of churners flagged.");
        }

        if (h.CalibrationTable.Any(b => b.Count > 0))
        {
            Figure(page, ReportCharts.Calibration(h), "Dots on the diagonal mean a predicted 30% really is a 30% churn rate.");
        }

        page.Append("</div>\n");
        Importance(page, "churn-importance", churn.Importance, "What drives the churn score", "Drop in AUC when the feature is shuffled");
        if (churn.MeanEffects is { Count: > 0 } churnEffects)
        {
            page.Append("<div class=\"plots\">\n");
            Figure(page, ReportCharts.MeanEffects("churn-shap", churnEffects, "How much each feature moves churn probability", "Mean |effect| (probability)"), "Mean size of each feature's TreeSHAP effect on the held-out customers' churn probability: the reasons' global view (top 15). Permutation importance above says how much ranking needs the feature; this says how far it moves individual predictions.");
            page.Append("</div>\n");
        }

        page.Append("<h3>Retention offer threshold</h3>\n<p>");
        page.Append(churn.OfferThreshold is { } offer
            ? Html.Text(char.ToUpperInvariant(offer.Description[0]) + offer.Description[1..]) + ". This is measured on held-out customers whose future is known; <code>targets</code> applies the same rule to today's customers with their predicted churn, so its threshold answers a different question."
            : "No offer threshold was computed for this bundle.");
        page.Append("</p>\n");

        page.Append("<p>");
        page.Append(churn.OracleAuc is { } oracle
            ? $"Oracle AUC (the data generator's true churn probability on the same customers, the best achievable): <b>{Html.Number(oracle)}</b>; the model's gap to it is {Html.Number(oracle - (h.Auc ?? double.NaN))}."
            : "<span class=\"missing\">No oracle score (only sample data carries the true churn probability).</span>");
        page.Append("</p>\n");
    }

    // The held-out coverage of the 80% intervals per decile of predicted value, and the chosen model against its parts
    // with bootstrap intervals; nothing for cards trained before either was recorded.
    private static void IntervalsAndErrors(StringBuilder page, ValueCard value, string? currency)
    {
        if (value.ErrorComparison is { } errors)
        {
            page.Append("<h3>Chosen model, trees alone and BG/NBD (held-out, bootstrap 95% intervals)</h3>\n<table>\n<tr><th></th><th class=\"num\">MAE</th><th class=\"num\">RMSE</th><th class=\"num\">Normalized Gini</th></tr>\n");
            foreach (var m in errors.Models)
            {
                page.Append("<tr><td>").Append(Html.Text(m.Model)).Append("</td><td class=\"num\">").Append(Html.Text(m.Mae.Describe()))
                    .Append("</td><td class=\"num\">").Append(Html.Text(m.Rmse.Describe())).Append("</td><td class=\"num\">")
                    .Append(Html.Text(m.Gini?.Describe("0.000") ?? "—")).Append("</td></tr>\n");
            }

            page.Append("</table>\n<p>").Append(Html.Text(char.ToUpperInvariant(errors.Sampling[0]) + errors.Sampling[1..] + ".")).Append(" Chosen by ").Append(Html.Text(value.SelectionMetric ?? "gini")).Append(" over cross-validation. ");
            foreach (var d in errors.ChosenVersusBgNbd)
            {
                page.Append(Html.Text($"{d.Metric}, chosen − BG/NBD: {d.Describe()} ({d.VerdictText}). "));
            }

            page.Append("</p>\n");
        }

        if (value.Intervals?.HeldOut is not { } coverage)
        {
            return;
        }

        page.Append("<h3>80% value intervals (held-out coverage)</h3>\n<p>").Append(Html.Text(value.Intervals.Method)).Append(". ")
            .Append(Html.Text(coverage.Verdict)).Append(" Mean width ").Append(Html.Money(coverage.MeanWidth, currency)).Append(".</p>\n")
            .Append("<p>The intervals are deterministic: one customer always gets the same interval. Any such interval that holds 0 ")
            .Append("covers at least the share of a decile's customers who bought nothing, so a decile that is 85% or more zeros cannot sit at ")
            .Append("80% ± 5 points and is over-covered by construction; the coverage of those who bought shows whether the buyers are held too.</p>\n");
        var twoPart = value.Intervals.TwoPart is not null;
        var before = value.Intervals.SinglePartHeldOut;
        if (twoPart)
        {
            page.Append("<p>Two-part intervals: each customer's own chance of buying (P(buy)) and the 80% range of the amount if they buy, combined. ")
                .Append("Where P(buy) is under 20%, the honest interval is [0, 0], which covers 1 − P(buy) of such customers: the column \"model expects\" ")
                .Append("is the coverage those intervals have by the model itself, the least a deterministic interval holding each customer's likeliest ")
                .Append("outcome can reach in the decile. The amount-if-buying interval is served beside the value's and is what to read for a customer who may buy")
                .Append(coverage.AmountCoverage is { } amount ? $" (it covers {Html.Percent(amount)} of all held-out buyers)" : "").Append(".</p>\n");
        }

        var other = value.Intervals.OtherFormHeldOut;
        if (coverage.Form is { } servedForm)
        {
            var servedName = ValueIntervals.FormName(servedForm);
            page.Append("<p><b>Served: the ").Append(servedName).Append(" form</b> (<code>train --value-intervals ").Append(servedName).Append("</code>): ")
                .Append(Html.Text(ValueIntervals.FormPromise(servedForm))).Append('.');
            if (other is { Form: { } otherForm })
            {
                var otherName = ValueIntervals.FormName(otherForm);
                page.Append(" Not served: the ").Append(otherName).Append(" form (<code>train --value-intervals ").Append(otherName).Append("</code>): ")
                    .Append(Html.Text(ValueIntervals.FormPromise(otherForm))).Append(". On the same held-out customers it covers ").Append(Html.Percent(other.Coverage))
                    .Append(" (served: ").Append(Html.Percent(coverage.Coverage)).Append("), mean width ").Append(Html.Money(other.MeanWidth, currency))
                    .Append(" (served: ").Append(Html.Money(coverage.MeanWidth, currency)).Append("), and ").Append(other.MeetsBars ? "meets" : "misses")
                    .Append(" the bars (").Append(coverage.MeetsBars ? "the served form meets them" : "the served form misses them").Append(").");
            }

            page.Append("</p>\n");
        }

        if (before is not null)
        {
            page.Append("<p>Before: the one-part intervals (by bin of predicted value) on the same customers cover ").Append(Html.Percent(before.Coverage))
                .Append(", mean width ").Append(Html.Money(before.MeanWidth, currency)).Append(".</p>\n");
        }

        page.Append("<table>\n<tr><th>Decile</th><th class=\"num\">Customers</th><th class=\"num\">Predicted</th><th class=\"num\">Buy nothing</th><th class=\"num\">Coverage</th><th class=\"num\">Coverage of buyers</th><th class=\"num\">Mean width</th>")
            .Append(twoPart ? "<th class=\"num\">Mean P(buy)</th><th class=\"num\">Model expects</th><th class=\"num\">Amount if buying: buyers covered</th>" : "")
            .Append(coverage.Form is not null ? "<th class=\"num\">Without 0</th>" : "")
            .Append(other?.Form is { } otherColumns
                ? $"<th class=\"num\">{ValueIntervals.FormName(otherColumns)} form (not served): coverage</th><th class=\"num\">its buyers</th><th class=\"num\">its mean width</th><th class=\"num\">its without 0</th>"
                : "")
            .Append(before is not null ? "<th class=\"num\">Before: coverage</th><th class=\"num\">Before: buyers</th>" : "")
            .Append("</tr>\n");
        static string Percent(double? share) => share is { } v ? Html.Percent(v) : "–";
        foreach (var d in coverage.Deciles)
        {
            page.Append("<tr><td>").Append(d.Decile).Append("</td><td class=\"num\">").Append(d.Customers.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
                .Append("</td><td class=\"num\">").Append(Html.Number(d.LowestPredicted, "0.00")).Append(" – ").Append(Html.Number(d.HighestPredicted, "0.00"))
                .Append("</td><td class=\"num\">").Append(Html.Percent(d.ZeroShare)).Append("</td><td class=\"num\">").Append(Html.Percent(d.Coverage))
                .Append("</td><td class=\"num\">").Append(Percent(d.BuyerCoverage))
                .Append("</td><td class=\"num\">").Append(Html.Money(d.MeanWidth, currency)).Append("</td>");
            if (twoPart)
            {
                page.Append("<td class=\"num\">").Append(Percent(d.MeanPurchaseProbability)).Append("</td><td class=\"num\">").Append(Percent(d.ModelCoverage))
                    .Append("</td><td class=\"num\">").Append(Percent(d.AmountCoverage)).Append("</td>");
            }

            if (coverage.Form is not null)
            {
                page.Append("<td class=\"num\">").Append(Percent(d.WithoutZeroShare)).Append("</td>");
            }

            if (other?.Deciles.FirstOrDefault(o => o.Decile == d.Decile) is { } o)
            {
                page.Append("<td class=\"num\">").Append(Html.Percent(o.Coverage)).Append("</td><td class=\"num\">").Append(Percent(o.BuyerCoverage))
                    .Append("</td><td class=\"num\">").Append(Html.Money(o.MeanWidth, currency)).Append("</td><td class=\"num\">").Append(Percent(o.WithoutZeroShare)).Append("</td>");
            }

            if (before?.Deciles.FirstOrDefault(b => b.Decile == d.Decile) is { } b)
            {
                page.Append("<td class=\"num\">").Append(Html.Percent(b.Coverage)).Append("</td><td class=\"num\">").Append(Percent(b.BuyerCoverage)).Append("</td>");
            }

            page.Append("</tr>\n");
        }

        page.Append("</table>\n");
    }

    private static void LifetimeValue(StringBuilder page, ValueCard? value, string? currency)
    {
        page.Append("<h2 id=\"lifetime-value\">Lifetime value</h2>\n");
        if (value is null)
        {
            page.Append("<p class=\"missing\">No lifetime value model in this bundle.</p>\n");
            return;
        }

        var h = value.Holdout;
        page.Append("<p>Predicts ").Append(Html.Text(value.Target)).Append(" with ").Append(Html.Text(value.Algorithm)).Append(". ")
            .Append(Html.Text(value.Selection)).Append("</p>\n");
        Stats(
            page,
            ("normalized Gini", Html.Number(h.NormalizedGini)),
            ("oracle Gini", Html.Number(value.OracleGini)),
            ("CV Gini", $"{Html.Number(value.CrossValidationGini.Mean)} ± {Html.Number(value.CrossValidationGini.StandardDeviation)}"),
            ("MAE", Html.Money(h.Mae, currency)),
            ("RMSE", Html.Money(h.Rmse, currency)),
            ("Spearman", Html.Number(h.Spearman)),
            ("top-decile capture", Html.Percent(h.TopDecileCapture)),
            ("R²", Html.Number(h.RSquared)));

        page.Append("<div class=\"plots\">\n");
        if (h.Deciles.Any(d => d.Count > 0))
        {
            Figure(page, ReportCharts.Deciles(h), "Customers split into tenths by predicted value. Good ranking: actual bars fall from left to right; good level: each pair is about equal.");
        }

        if (value.Importance.Count > 0)
        {
            Figure(page, ReportCharts.Importance("value-importance", value.Importance, "What drives the value prediction", "Drop in normalized Gini when the feature is shuffled"), "Permutation importance on held-out customers; error bars show the spread over shuffles.");
        }

        if (value.MeanEffects is { Count: > 0 } valueEffects)
        {
            Figure(page, ReportCharts.MeanEffects("value-shap", valueEffects, "How much each feature moves predicted profit", $"Mean |effect| ({currency})"), "Mean size of each feature's TreeSHAP effect on the held-out customers' predicted profit (top 15); the BG/NBD + Gamma-Gamma term of the blend counts as one feature.");
        }

        page.Append("</div>\n<h3>Model against baselines (held-out customers)</h3>\n<table>\n<tr><th></th><th class=\"num\">MAE</th><th class=\"num\">RMSE</th><th class=\"num\">Normalized Gini</th><th class=\"num\">Spearman</th><th class=\"num\">Top-decile capture</th><th class=\"num\">Mean predicted</th></tr>\n");
        ValueRow(page, $"<b>Model: {Html.Text(value.Algorithm)}</b>", h, currency);
        foreach (var (name, baseline) in value.Baselines)
        {
            ValueRow(page, Html.Text(name), baseline, currency);
        }

        if (value.OracleGini is { } oracle)
        {
            page.Append("<tr><td>Oracle (true expected value)</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">").Append(Html.Number(oracle))
                .Append("</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td></tr>\n");
        }

        page.Append("</table>\n<p>").Append(Html.Text(value.Comparison)).Append("</p>\n");
        IntervalsAndErrors(page, value, currency);
        if (value.OracleGini is null)
        {
            page.Append("<p class=\"missing\">No oracle score (only sample data carries the true expected profit).</p>\n");
        }

        if (value.BaselineDetails.Count > 0)
        {
            page.Append("<ul class=\"note\">");
            foreach (var (name, detail) in value.BaselineDetails)
            {
                page.Append("<li>").Append(Html.Text(name)).Append(": ").Append(Html.Text(detail)).Append("</li>");
            }

            page.Append("</ul>\n");
        }

        page.Append("<details><summary>Decile table</summary><table>\n<tr><th class=\"num\">Decile</th><th class=\"num\">Customers</th><th class=\"num\">Mean predicted</th><th class=\"num\">Mean actual</th><th class=\"num\">Share of actual</th></tr>\n");
        foreach (var d in h.Deciles)
        {
            page.Append("<tr><td class=\"num\">").Append(Html.Count(d.Decile)).Append("</td><td class=\"num\">").Append(Html.Count(d.Count))
                .Append("</td><td class=\"num\">").Append(Html.Money(d.MeanPredicted, currency)).Append("</td><td class=\"num\">").Append(Html.Money(d.MeanActual, currency))
                .Append("</td><td class=\"num\">").Append(Html.Percent(d.ShareOfActual)).Append("</td></tr>\n");
        }

        page.Append("</table></details>\n");
    }

    // Revenue is trained like profit; the page shows its quality against the same kind of baselines, not its own charts.
    private static void Revenue(StringBuilder page, ValueCard? revenue, string? currency)
    {
        if (revenue is null)
        {
            return;
        }

        page.Append("<h2 id=\"revenue\">Lifetime revenue</h2>\n<p>Predicts ").Append(Html.Text(revenue.Target)).Append(" with ")
            .Append(Html.Text(revenue.Algorithm)).Append(" (grade ").Append(revenue.Grade.Letter).Append(": ").Append(Html.Text(revenue.Grade.Reason)).Append(").</p>\n")
            .Append("<table>\n<tr><th></th><th class=\"num\">MAE</th><th class=\"num\">RMSE</th><th class=\"num\">Normalized Gini</th><th class=\"num\">Spearman</th><th class=\"num\">Top-decile capture</th><th class=\"num\">Mean predicted</th></tr>\n");
        ValueRow(page, $"<b>Model: {Html.Text(revenue.Algorithm)}</b>", revenue.Holdout, currency);
        foreach (var (name, baseline) in revenue.Baselines)
        {
            ValueRow(page, Html.Text(name), baseline, currency);
        }

        page.Append("</table>\n<p>").Append(Html.Text(revenue.Comparison)).Append("</p>\n<details><summary>How the algorithm was chosen</summary><p>")
            .Append(Html.Text(revenue.Selection)).Append("</p></details>\n");
    }

    private static void ValueRow(StringBuilder page, string label, RegressionMetricsResult m, string? currency) =>
        page.Append("<tr><td>").Append(label).Append("</td><td class=\"num\">").Append(Html.Money(m.Mae, currency))
            .Append("</td><td class=\"num\">").Append(Html.Money(m.Rmse, currency))
            .Append("</td><td class=\"num\">").Append(Html.Number(m.NormalizedGini))
            .Append("</td><td class=\"num\">").Append(Html.Number(m.Spearman))
            .Append("</td><td class=\"num\">").Append(Html.Percent(m.TopDecileCapture))
            .Append("</td><td class=\"num\">").Append(Html.Money(m.MeanPredicted, currency)).Append("</td></tr>\n");

    private static void Segments(StringBuilder page, SegmentCard? segments, IReadOnlyList<SegmentPoint>? scatter, string? currency)
    {
        page.Append("<h2 id=\"segments\">Segments</h2>\n");
        if (segments is null || segments.Profiles.Count == 0)
        {
            page.Append("<p class=\"missing\">No segmentation in this bundle (segments need transactional input).</p>\n");
            return;
        }

        var profiles = segments.Profiles;
        page.Append("<p>").Append(Html.Count(profiles.Count)).Append(" segments by KMeans on ").Append(Html.Text(string.Join(", ", segments.Features)))
            .Append(". Number of segments: ").Append(Html.Text(segments.Criterion)).Append("</p>\n<div class=\"plots\">\n");
        Figure(page, ReportCharts.SegmentSizes(profiles), "A segment whose profit bar is longer than its customer bar is worth more than its size suggests.");
        if (scatter is { Count: > 0 })
        {
            Figure(page, ReportCharts.SegmentScatter(scatter, profiles), $"A sample of {Html.Count(scatter.Count)} customers; both axes on the log scale the segmentation uses.");
        }
        else
        {
            page.Append("<p class=\"missing\">No customer sample for the scatter plot.</p>\n");
        }

        page.Append("</div>\n");
        if (segments.NamingRule is { } rule)
        {
            page.Append("<p>How segments are named: ").Append(Html.Text(rule)).Append("</p>\n");
        }

        page.Append("<table>\n<tr><th class=\"num\">Id</th><th>Segment, and the rule that named it</th><th class=\"num\">Customers</th><th class=\"num\">Share of customers</th><th class=\"num\">Share of profit</th>")
            .Append("<th class=\"num\">Median recency (days)</th><th class=\"num\">Mean recency (days)</th><th class=\"num\">Mean purchase days</th><th class=\"num\">Mean revenue</th><th class=\"num\">Mean profit</th><th class=\"num\">Margin</th><th class=\"num\">Churned (label)</th><th class=\"num\">Mean tenure (days)</th></tr>\n");
        for (var i = 0; i < profiles.Count; i++)
        {
            var p = profiles[i];
            page.Append("<tr><td class=\"num\">").Append(Html.Count(p.Id)).Append("</td><td title=\"").Append(Html.Text(p.NameReason)).Append("\"><span class=\"swatch\" style=\"background:")
                .Append(ReportCharts.SegmentColor(i).ToHex()[..7]).Append("\"></span>").Append(Html.Text(p.Name))
                .Append("<div class=\"note\">").Append(Html.Text(p.NameReason)).Append("</div></td><td class=\"num\">").Append(Html.Count(p.Customers))
                .Append("</td><td class=\"num\">").Append(Html.Percent(p.ShareOfCustomers))
                .Append("</td><td class=\"num\">").Append(Html.Percent(p.ShareOfProfit))
                .Append("</td><td class=\"num\">").Append(Html.Number(p.MedianRecencyDays, "0"))
                .Append("</td><td class=\"num\">").Append(Html.Number(p.MeanRecencyDays, "0"))
                .Append("</td><td class=\"num\">").Append(Html.Number(p.MeanPurchaseDays, "0.0"))
                .Append("</td><td class=\"num\">").Append(Html.Money(p.MeanRevenue, currency))
                .Append("</td><td class=\"num\">").Append(Html.Money(p.MeanProfit, currency))
                .Append("</td><td class=\"num\">").Append(Html.Percent(p.MarginRate))
                .Append("</td><td class=\"num\">").Append(Html.Percent(p.ChurnRate))
                .Append("</td><td class=\"num\">").Append(Html.Number(p.MeanTenureDays, "0")).Append("</td></tr>\n");
        }

        if (segments.Base is { } all)
        {
            page.Append("<tr style=\"font-weight:700\"><td></td><td>All customers (the base names compare with)</td><td class=\"num\">").Append(Html.Count(all.Customers))
                .Append("</td><td class=\"num\">").Append(Html.Percent(1)).Append("</td><td class=\"num\">").Append(Html.Percent(1))
                .Append("</td><td class=\"num\">").Append(Html.Number(all.MedianRecencyDays, "0"))
                .Append("</td><td class=\"num\">").Append(Html.Number(all.MeanRecencyDays, "0"))
                .Append("</td><td class=\"num\">").Append(Html.Number(all.MeanPurchaseDays, "0.0"))
                .Append("</td><td class=\"num\">").Append(Html.Money(all.MeanRevenue))
                .Append("</td><td class=\"num\">").Append(Html.Money(all.MeanProfit))
                .Append("</td><td class=\"num\">").Append(Html.Percent(all.MarginRate))
                .Append("</td><td class=\"num\">").Append(Html.Percent(all.ChurnRate))
                .Append("</td><td></td></tr>\n");
        }

        page.Append("</table>\n");
        MixTable(page, segments);
        if (segments.Candidates.Count > 0)
        {
            page.Append("<details><summary>Numbers of segments tried</summary><table>\n<tr><th class=\"num\">Segments</th><th class=\"num\">Silhouette</th><th class=\"num\">Davies–Bouldin</th><th class=\"num\">Smallest segment</th></tr>\n");
            foreach (var c in segments.Candidates)
            {
                var chosen = c.Segments == profiles.Count;
                page.Append(chosen ? "<tr style=\"font-weight:700\">" : "<tr>").Append("<td class=\"num\">").Append(Html.Count(c.Segments)).Append(chosen ? " (chosen)" : "")
                    .Append("</td><td class=\"num\">").Append(Html.Number(c.Silhouette)).Append("</td><td class=\"num\">").Append(Html.Number(c.DaviesBouldin))
                    .Append("</td><td class=\"num\">").Append(Html.Percent(c.SmallestShare)).Append("</td></tr>\n");
            }

            page.Append("</table></details>\n");
        }
    }

    private static void MixTable(StringBuilder page, SegmentCard segments)
    {
        var rows = segments.Profiles.Select(p => (Label: $"{p.Id} {p.Name}", Bold: false, p.TierMix, p.LifecycleMix)).ToList();
        if (segments.Base is { } all)
        {
            rows.Add(("All customers", true, all.TierMix, all.LifecycleMix));
        }

        if (rows.All(r => r.TierMix is null && r.LifecycleMix is null))
        {
            page.Append("<p class=\"missing\">Tier and lifecycle mix not measured in this bundle (trained before they were).</p>\n");
            return;
        }

        page.Append("<h3>Tier and lifecycle mix per segment</h3>\n");
        if (segments.MixRule is { } rule)
        {
            page.Append("<p class=\"note\">").Append(Html.Text(rule)).Append("</p>\n");
        }

        page.Append("<table>\n<tr><th>Segment</th><th class=\"num\">Tier A</th><th class=\"num\">B</th><th class=\"num\">C</th><th class=\"num\">D</th>")
            .Append("<th class=\"num\">New</th><th class=\"num\">Active</th><th class=\"num\">At risk</th><th class=\"num\">Lapsed</th><th class=\"num\">Churned (lifecycle)</th></tr>\n");
        foreach (var (label, bold, tiers, stages) in rows)
        {
            page.Append(bold ? "<tr style=\"font-weight:700\">" : "<tr>").Append("<td>").Append(Html.Text(label)).Append("</td>");
            foreach (var share in new double?[] { tiers?.A, tiers?.B, tiers?.C, tiers?.D, stages?.New, stages?.Active, stages?.AtRisk, stages?.Lapsed, stages?.Churned })
            {
                page.Append("<td class=\"num\">").Append(Html.Percent(share)).Append("</td>");
            }

            page.Append("</tr>\n");
        }

        page.Append("</table>\n");
    }

    private static void ProfitConcentrationSection(StringBuilder page, IReadOnlyList<double> profits, string? currency)
    {
        page.Append("<h2 id=\"profit-concentration\">Profit concentration</h2>\n");
        var curve = profits is { Count: > 0 } ? ProfitConcentration.Compute(profits) : null;
        if (curve?.TopProfitShare is not { } topShareOfProfit)
        {
            page.Append("<p class=\"missing\">")
                .Append(profits is { Count: > 0 } ? "The customers' total profit is not positive, so shares of it mean nothing." : "No customer profits were given.")
                .Append("</p>\n");
            return;
        }

        var lossMakers = profits!.Count(p => p < 0);
        page.Append("<p>The top ").Append(Html.Percent(curve.TopPercent / 100, "0")).Append(" of customers (").Append(Html.Count(curve.TopCustomers)).Append(" of ")
            .Append(Html.Count(curve.Customers)).Append(") bring <b>").Append(Html.Percent(topShareOfProfit)).Append("</b> of the total profit of ")
            .Append(Html.Money(curve.TotalProfit, currency)).Append(". ").Append(Html.Count(lossMakers)).Append(" customers lose money")
            .Append(lossMakers > 0 ? ", which is why the curve rises above 100% before it comes back down." : ".").Append("</p>\n<div class=\"plots\">\n");
        Figure(page, ReportCharts.ProfitConcentration(curve), "The further the curve bows above the diagonal, the more profit depends on a few customers.");
        page.Append("</div>\n");
    }

    private static void TiersSection(StringBuilder page, ModelCard card, TierPicture? tiers, TierMovementPicture? movement)
    {
        var currency = card.Currency;
        page.Append("<h2 id=\"profit-tiers\">Profit tiers</h2>\n");
        if (card.Tiers is { } cutoffs)
        {
            page.Append("<p class=\"note\">").Append(Html.Text(cutoffs.Describe())).Append("</p>\n");
        }

        if (tiers is null)
        {
            page.Append("<p class=\"missing\">No pyramid: this bundle has no profit tiers (customer-table input).</p>\n");
            return;
        }

        var c = tiers.Concentration;
        var inCurrency = Html.Text(card.Currency is { } code ? $" ({code})" : "");
        page.Append("<h3>The customer pyramid at ").Append(tiers.AsOfDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Append("</h3>\n<table>\n<tr><th>Tier</th><th class=\"num\">Customers</th><th class=\"num\">Revenue").Append(inCurrency).Append("</th><th class=\"num\">Profit").Append(inCurrency).Append("</th>")
            .Append("<th class=\"num\">Share of profit</th><th class=\"num\">Mean churn probability</th><th class=\"num\">Loss-making</th><th class=\"num\">False big</th></tr>\n");
        foreach (var tier in c.Tiers)
        {
            page.Append("<tr><td>").Append(Html.Text(WireNames.Of(tier.Tier))).Append("</td><td class=\"num\">").Append(Html.Count(tier.Customers))
                .Append("</td><td class=\"num\">").Append(Html.Text(tier.Revenue.ToString("N2", CultureInfo.InvariantCulture)))
                .Append("</td><td class=\"num\">").Append(Html.Text(tier.Profit.ToString("N2", CultureInfo.InvariantCulture)))
                .Append("</td><td class=\"num\">").Append(Html.Text(tier.ProfitShare is { } share ? share.ToString("P1", CultureInfo.InvariantCulture) : "–"))
                .Append("</td><td class=\"num\">").Append(Html.Text(tier.MeanChurnProbability is { } churn ? churn.ToString("0.000", CultureInfo.InvariantCulture) : "–"))
                .Append("</td><td class=\"num\">").Append(Html.Count(tier.LossMaking))
                .Append("</td><td class=\"num\">").Append(Html.Count(tier.FalseBigCustomers)).Append("</td></tr>\n");
        }

        page.Append("</table>\n");
        if (card.TierForecast is { } forecast)
        {
            TierForecastTable(page, forecast, card.ValueHorizonDays);
        }

        if (movement is null)
        {
            page.Append("<p class=\"missing\">No tier movement: half a churn horizon before the as-of date is before the first order in the data.</p>\n");
            return;
        }

        var m = movement.Report;
        page.Append("<h3>Movement from ").Append(movement.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(" to ")
            .Append(movement.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append("</h3>\n<table>\n<tr><th>Category</th><th class=\"num\">Customers</th><th>Meaning</th></tr>\n");
        foreach (var count in m.Counts)
        {
            page.Append("<tr><td>").Append(Html.Text(WireNames.Of(count.Category))).Append("</td><td class=\"num\">").Append(Html.Count(count.Customers))
                .Append("</td><td>").Append(Html.Text(count.Meaning)).Append("</td></tr>\n");
        }

        page.Append("</table>\n<h3>Tier migration matrix</h3>\n<p class=\"note\">Rows: tier at the earlier date; columns: tier at the as-of date. Customers, and profit before → after").Append(inCurrency).Append(".</p>\n<table>\n<tr><th>from \\ to</th>");
        var tiersInOrder = new[] { ProfitTier.A, ProfitTier.B, ProfitTier.C, ProfitTier.D };
        foreach (var to in tiersInOrder)
        {
            page.Append("<th class=\"num\">").Append(Html.Text(WireNames.Of(to))).Append("</th>");
        }

        page.Append("</tr>\n");
        foreach (var from in tiersInOrder)
        {
            page.Append("<tr><th>").Append(Html.Text(WireNames.Of(from))).Append("</th>");
            foreach (var to in tiersInOrder)
            {
                var cell = m.Cell(from, to);
                page.Append("<td class=\"num\">").Append(Html.Count(cell.Customers)).Append("<br><span class=\"note\">")
                    .Append(Html.Text(cell.ProfitBefore.ToString("N0", CultureInfo.InvariantCulture))).Append(" → ")
                    .Append(Html.Text(cell.ProfitAfter.ToString("N0", CultureInfo.InvariantCulture))).Append("</span></td>");
            }

            page.Append("</tr>\n");
        }

        page.Append("</table>\n");
    }

    private static void TierForecastTable(StringBuilder page, TierForecast forecast, int? horizonDays)
    {
        page.Append("<h3>Tier today against predicted tier</h3>\n<p class=\"note\">Rows: tier by profit in the last 365 days; columns: tier of the predicted profit in the next ")
            .Append(horizonDays?.ToString(CultureInfo.InvariantCulture) ?? "365").Append(" days (scaled to 365). Both are profit after cost-to-serve; ")
            .Append(Html.Text(forecast.Basis)).Append(". Loss-making: ").Append(Html.Count(forecast.LossMaking)).Append(" now, ")
            .Append(Html.Count(forecast.PredictedLossMaking)).Append(" predicted.</p>\n<table>\n<tr><th>today \\ predicted</th>");
        var tiers = Enum.GetValues<ProfitTier>();
        foreach (var predicted in tiers)
        {
            page.Append("<th class=\"num\">").Append(Html.Text(predicted.ToString())).Append("</th>");
        }

        page.Append("<th class=\"num\">all</th></tr>\n");
        foreach (var today in tiers)
        {
            page.Append("<tr><th>").Append(Html.Text(today.ToString())).Append("</th>");
            foreach (var predicted in tiers)
            {
                page.Append("<td class=\"num\">").Append(Html.Count(forecast.Count(today, predicted))).Append("</td>");
            }

            page.Append("<td class=\"num\">").Append(Html.Count(tiers.Sum(p => forecast.Count(today, p)))).Append("</td></tr>\n");
        }

        page.Append("<tr><th>all</th>");
        foreach (var predicted in tiers)
        {
            page.Append("<td class=\"num\">").Append(Html.Count(forecast.PredictedIn(predicted))).Append("</td>");
        }

        page.Append("<td class=\"num\">").Append(Html.Count(forecast.Customers)).Append("</td></tr>\n</table>\n");
    }

    private static void ModelCardSection(StringBuilder page, ModelCard card)
    {
        page.Append("<h2 id=\"model-card\">Model card</h2>\n<h3>Feature contract</h3>\n<p class=\"note\">What the API checks every request against: each feature as the models were trained on it.</p>\n");
        // Most features share one of two missing-value rules; numbering them keeps a long sentence from repeating on every row.
        var rules = card.FeatureContract.Features.Select(f => f.MissingRule).Distinct(StringComparer.Ordinal).ToList();
        page.Append("<table>\n<tr><th>Feature</th><th>Kind</th><th>Training range or categories</th><th class=\"num\">Missing in training</th><th>Missing value rule</th></tr>\n");
        foreach (var f in card.FeatureContract.Features)
        {
            var range = f.Kind == FeatureKind.Categorical
                ? Html.Text(Html.Truncated(f.Categories ?? [], CategoriesShown)) + $" <span class=\"note\">({Html.Count(f.Categories?.Count ?? 0)} categories)</span>"
                : $"{Html.Number(f.Min, "#,##0.###")} … {Html.Number(f.Max, "#,##0.###")}";
            page.Append("<tr><td><code>").Append(Html.Text(f.Name)).Append("</code></td><td>").Append(f.Kind == FeatureKind.Categorical ? "categorical" : "numeric")
                .Append("</td><td>").Append(range).Append("</td><td class=\"num\">").Append(Html.Percent(f.MissingShare))
                .Append("</td><td>rule ").Append(Html.Count(rules.IndexOf(f.MissingRule) + 1)).Append("</td></tr>\n");
        }

        page.Append("</table>\n<p class=\"note\">Missing value rules:</p><ol class=\"note\">");
        foreach (var rule in rules)
        {
            page.Append("<li>").Append(Html.Text(rule)).Append("</li>");
        }

        page.Append("</ol>\n");
        if (card.ExcludedColumns.Count > 0)
        {
            page.Append("<h3>Columns not used as features</h3>\n<table>\n<tr><th>Column</th><th>Why</th></tr>\n");
            foreach (var (column, why) in card.ExcludedColumns.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                page.Append("<tr><td><code>").Append(Html.Text(column)).Append("</code></td><td>").Append(Html.Text(why)).Append("</td></tr>\n");
            }

            page.Append("</table>\n");
        }

        page.Append("<h3>Training</h3>\n<table class=\"kv\">\n");
        Row(page, "Churn model", $"{Html.Text(card.Churn.Algorithm)}: {Html.Text(card.Churn.Hyperparameters.Describe())}<div class=\"note\">{Html.Text(card.Churn.Selection)}</div>");
        Row(page, "Churn calibration", Html.Text(card.Churn.Calibrator.ToString()));
        if (card.Refit is { } refit)
        {
            Row(page, "Served models", $"{Html.Text(string.Join(", ", refit.Models))} refitted on all {Html.Count(refit.Customers)} customers<div class=\"note\">{Html.Text(refit.Rule)}</div>");
        }

        if (card.LifetimeValue is { } value)
        {
            var settings = string.Join(", ", value.Hyperparameters.Select(p => $"{p.Key} {p.Value.ToString("0.####", CultureInfo.InvariantCulture)}"));
            Row(page, "Value model", $"{Html.Text(value.Algorithm)}: {Html.Text(settings)}");
        }

        Row(page, "Seed", Html.Count(card.Seed));
        Row(page, "Packages", Html.Text(string.Join(", ", card.PackageVersions.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))));
        Row(page, "Card format", Html.Count(card.Format));
        page.Append("</table>\n");
        ChurnSearch(page, card.Churn);
    }

    // Every candidate of the churn search with its cross-validated AUC in each round, as the card stores it.
    private static void ChurnSearch(StringBuilder page, ChurnCard churn)
    {
        if (churn.Candidates is not { Count: > 0 } candidates)
        {
            return;
        }

        page.Append("<h3>Churn model search</h3>\n");
        if (churn.Search is { } rule)
        {
            page.Append("<p class=\"note\">").Append(Html.Text(rule)).Append("</p>\n");
        }

        page.Append("<table>\n<tr><th>Round</th><th>Customers</th><th>Candidate</th><th>CV AUC</th><th>Outcome</th></tr>\n");
        foreach (var candidate in candidates)
        {
            page.Append("<tr><td>").Append(Html.Count(candidate.Round)).Append("</td><td>").Append(Html.Count(candidate.Customers))
                .Append("</td><td>").Append(Html.Text($"{candidate.Options.AlgorithmShortName}: {candidate.Options.Describe()}"))
                .Append("</td><td>").Append(Html.Number(candidate.Auc.Mean)).Append(" ± ").Append(Html.Number(candidate.Auc.StandardDeviation))
                .Append("</td><td>").Append(Html.Text(candidate.Outcome)).Append("</td></tr>\n");
        }

        page.Append("</table>\n");
    }

    private static void Importance(StringBuilder page, string id, IReadOnlyList<FeatureImportance> importance, string title, string valueLabel)
    {
        if (importance.Count == 0)
        {
            return;
        }

        page.Append("<div class=\"plots\">\n");
        Figure(page, ReportCharts.Importance(id, importance, title, valueLabel), "Permutation importance on held-out customers: how much worse the model ranks when one feature is shuffled (top 15; error bars show the spread over shuffles).");
        page.Append("</div>\n");
    }

    private static void Figure(StringBuilder page, string svg, string caption) =>
        page.Append("<figure>\n").Append(svg).Append("\n<figcaption>").Append(Html.Text(caption)).Append("</figcaption>\n</figure>\n");

    private static void Stats(StringBuilder page, params (string Label, string Value)[] stats)
    {
        page.Append("<div class=\"stats\">");
        foreach (var (label, value) in stats.Where(s => s.Value != Html.Missing))
        {
            page.Append("<div><b>").Append(value).Append("</b><span>").Append(Html.Text(label)).Append("</span></div>");
        }

        page.Append("</div>\n");
    }

    private static string Grade(QualityGrade grade) =>
        $"<span class=\"grade grade-{grade.Letter}\" title=\"{Html.Text(grade.Rule)}. {Html.Text(grade.Reason)}\">{grade.Letter}</span>";

    /// <summary>A key–value row; <paramref name="valueHtml"/> is already escaped.</summary>
    private static void Row(StringBuilder page, string key, string valueHtml) =>
        page.Append("<tr><th>").Append(Html.Text(key)).Append("</th><td>").Append(valueHtml).Append("</td></tr>\n");
}
