using System.ComponentModel.DataAnnotations;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;

namespace MlCustomer.Api.Scoring;

/// <summary>How scores are computed and presented: named defaults, no logic.</summary>
public sealed class ScoringOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "MlCustomer:Scoring";

    /// <summary>Churn probability from which the risk band is "medium" (below: "low").</summary>
    [Range(0.0, 1.0)]
    public double MediumRiskFrom { get; set; } = 0.3;

    /// <summary>Churn probability from which the risk band is "high".</summary>
    [Range(0.0, 1.0)]
    public double HighRiskFrom { get; set; } = 0.6;

    /// <summary>Reasons returned per model and customer.</summary>
    [Range(0, 20)]
    public int Reasons { get; set; } = 3;

    /// <summary>Most customers in one <c>POST /scores</c>.</summary>
    [Range(1, 100_000)]
    public int MaxCustomersPerRequest { get; set; } = 1_000;

    /// <summary>Most order lines in one customer's history.</summary>
    [Range(1, 1_000_000)]
    public int MaxTransactionsPerCustomer { get; set; } = 10_000;

    /// <summary>Rows scored at a time by <c>POST /scores/csv</c> (and validated before the first byte is written).</summary>
    [Range(1, 1_000_000)]
    public int CsvChunkRows { get; set; } = 4_096;

    /// <summary>
    /// Longest line, or record whose quoted field spans lines, that <c>POST /scores/csv</c> reads (characters); a
    /// longer one (a quote never closed, a body without line breaks) stops reading with an error naming its line.
    /// </summary>
    [Range(1_024, 16 * 1024 * 1024)]
    public int CsvMaxLineChars { get; set; } = 64 * 1024;

    /// <summary>
    /// Gross margin rate used to estimate cost of goods for history lines without a cost (cost =
    /// revenue × (1 − rate)); null (the default) means a line without cost is refused.
    /// </summary>
    [Range(-10.0, 1.0)]
    public double? EstimatedMarginRate { get; set; }

    /// <summary>
    /// The margin rates that estimate cost of goods for order lines without cost scored by this bundle (raw histories
    /// in <c>/scores</c>, scoring runs): the bundle's own (<c>train --margin-rate</c>) by default, else
    /// <see cref="EstimatedMarginRate"/>; null when neither is set. The one rule: <see cref="ModelCard.CostEstimateForScoring"/>.
    /// </summary>
    /// <exception cref="ArgumentException">EstimatedMarginRate is set and differs from the bundle's rate; the message names both.</exception>
    public CostEstimate? CostEstimateFor(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return card.CostEstimateForScoring(
            EstimatedMarginRate is { } rate ? new CostEstimate { DefaultMarginRate = rate } : null,
            $"the setting {SectionName}:{nameof(EstimatedMarginRate)} ({EstimatedMarginRate?.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
    }

    /// <summary>The risk band of a churn probability.</summary>
    public string RiskBand(double churnProbability) =>
        WireNames.Of(churnProbability >= HighRiskFrom ? Core.Decisions.RiskBand.High : churnProbability >= MediumRiskFrom ? Core.Decisions.RiskBand.Medium : Core.Decisions.RiskBand.Low);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MediumRiskFrom >= HighRiskFrom)
        {
            yield return new ValidationResult(
                $"MediumRiskFrom ({MediumRiskFrom}) must be below HighRiskFrom ({HighRiskFrom}).", [nameof(MediumRiskFrom), nameof(HighRiskFrom)]);
        }
    }
}
