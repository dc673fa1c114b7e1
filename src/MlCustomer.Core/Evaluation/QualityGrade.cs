using System.Globalization;
using System.Text.Json.Serialization;

namespace MlCustomer.Core.Evaluation;

/// <summary>A plain quality grade for people who do not read AUCs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GradeLetter>))]
public enum GradeLetter
{
    /// <summary>Clearly better than the naive baseline and good in absolute terms: use it.</summary>
    A,

    /// <summary>Better than the baseline, but not by much: usable, improve when possible.</summary>
    B,

    /// <summary>Not better than the baseline: use the baseline rule instead.</summary>
    C,
}

/// <summary>A model's grade, with the rule that produced it and the numbers behind it, for the card and report.</summary>
/// <param name="Letter">A, B or C.</param>
/// <param name="Rule">The grading rule in words (see <see cref="ChurnGradeRule.Describe"/>, <see cref="ValueGradeRule.Describe"/>).</param>
/// <param name="Reason">Why this model got this letter, with its numbers.</param>
public sealed record QualityGrade(GradeLetter Letter, string Rule, string Reason)
{
    /// <summary>Grades a churn model against its baseline by AUC (see <see cref="ChurnGradeRule"/>).</summary>
    public static QualityGrade ForChurn(BinaryMetricsResult model, double? baselineAuc, ChurnGradeRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return (rule ?? new ChurnGradeRule()).Grade(model.Auc, baselineAuc);
    }

    /// <summary>Grades a value model against its baseline by normalized Gini and MAE (see <see cref="ValueGradeRule"/>).</summary>
    public static QualityGrade ForValue(RegressionMetricsResult model, RegressionMetricsResult baseline, ValueGradeRule? rule = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(baseline);
        return (rule ?? new ValueGradeRule()).Grade(model.NormalizedGini, baseline.NormalizedGini, model.Mae, baseline.Mae);
    }

    /// <summary>Rounding allowance at the rule edges, so an AUC of exactly baseline + 0.05 counts as reaching it
    /// and one that equals the baseline up to rounding does not count as beating it.</summary>
    internal const double EdgeTolerance = 1e-9;

    internal static string Format(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "undefined";
}

/// <summary>
/// Grading rule for churn models: A when AUC ≥ baseline AUC + <see cref="MinAucGainForA"/> and AUC ≥
/// <see cref="MinAucForA"/>; B when AUC is above the baseline's; C otherwise (including an undefined AUC).
/// </summary>
public sealed record ChurnGradeRule
{
    /// <summary>How far the model's AUC must be above the baseline's for an A.</summary>
    public double MinAucGainForA { get; init; } = 0.05;

    /// <summary>The lowest AUC that can get an A, whatever the baseline.</summary>
    public double MinAucForA { get; init; } = 0.75;

    /// <summary>The rule in words, with its numbers.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"A if AUC ≥ baseline AUC + {MinAucGainForA:0.###} and AUC ≥ {MinAucForA:0.###}; B if AUC > baseline AUC; otherwise C");

    /// <summary>Grades a model AUC against a baseline AUC; a missing baseline AUC counts as 0.5 (random ranking).</summary>
    public QualityGrade Grade(double? modelAuc, double? baselineAuc)
    {
        var rule = Describe();
        var baseline = baselineAuc ?? 0.5;
        var numbers = $"AUC {QualityGrade.Format(modelAuc)} vs baseline {QualityGrade.Format(baseline)}";
        if (modelAuc is not { } auc)
        {
            return new QualityGrade(GradeLetter.C, rule, "AUC is undefined (the evaluation data has only one class)");
        }

        if (auc >= baseline + MinAucGainForA - QualityGrade.EdgeTolerance && auc >= MinAucForA - QualityGrade.EdgeTolerance)
        {
            return new QualityGrade(GradeLetter.A, rule, numbers);
        }

        return auc > baseline + QualityGrade.EdgeTolerance
            ? new QualityGrade(GradeLetter.B, rule, $"{numbers}: better than the baseline, not enough for A")
            : new QualityGrade(GradeLetter.C, rule, $"{numbers}: not better than the baseline");
    }
}

/// <summary>
/// Grading rule for value (CLV) models: A when normalized Gini ≥ baseline Gini + <see cref="MinGiniGainForA"/>
/// and MAE is below the baseline's; B when the model beats the baseline on one of the two (higher Gini or lower
/// MAE); C otherwise. An undefined Gini (e.g. a total actual value of 0) counts as no improvement.
/// </summary>
public sealed record ValueGradeRule
{
    /// <summary>How far the model's normalized Gini must be above the baseline's for an A.</summary>
    public double MinGiniGainForA { get; init; } = 0.05;

    /// <summary>The rule in words, with its numbers.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"A if normalized Gini ≥ baseline Gini + {MinGiniGainForA:0.###} and MAE < baseline MAE; B if better than the baseline on Gini or on MAE; otherwise C");

    /// <summary>Grades a model against a baseline by normalized Gini (higher is better) and MAE (lower is better).</summary>
    public QualityGrade Grade(double? modelGini, double? baselineGini, double modelMae, double baselineMae)
    {
        var rule = Describe();
        var numbers = string.Create(
            CultureInfo.InvariantCulture,
            $"normalized Gini {QualityGrade.Format(modelGini)} vs baseline {QualityGrade.Format(baselineGini)}, MAE {modelMae:0.###} vs baseline {baselineMae:0.###}");
        var giniBetter = modelGini is { } g && baselineGini is { } b && g > b + QualityGrade.EdgeTolerance;
        var giniMuchBetter = modelGini is { } g2 && baselineGini is { } b2 && g2 >= b2 + MinGiniGainForA - QualityGrade.EdgeTolerance;
        var maeBetter = modelMae < baselineMae - QualityGrade.EdgeTolerance;
        if (giniMuchBetter && maeBetter)
        {
            return new QualityGrade(GradeLetter.A, rule, numbers);
        }

        return giniBetter || maeBetter
            ? new QualityGrade(GradeLetter.B, rule, $"{numbers}: better than the baseline on {(giniBetter && maeBetter ? "both, not enough for A" : giniBetter ? "Gini only" : "MAE only")}")
            : new QualityGrade(GradeLetter.C, rule, $"{numbers}: not better than the baseline");
    }
}
