using MlCustomer.Core.Tiers;

namespace MlCustomer.Core.Decisions;

/// <summary>Churn risk in three bands, for the action matrix and for people.</summary>
public enum RiskBand
{
    /// <summary>Churn probability below <see cref="RiskBandRules.MediumFrom"/>.</summary>
    Low,

    /// <summary>Churn probability from <see cref="RiskBandRules.MediumFrom"/> to below <see cref="RiskBandRules.HighFrom"/>.</summary>
    Medium,

    /// <summary>Churn probability of at least <see cref="RiskBandRules.HighFrom"/>.</summary>
    High,
}

/// <summary>Risk bands: low &lt; <see cref="MediumFrom"/> ≤ medium &lt; <see cref="HighFrom"/> ≤ high.</summary>
public sealed record RiskBandRules
{
    /// <summary>Lowest churn probability of the medium band (default 0.3).</summary>
    public double MediumFrom { get; init; } = 0.3;

    /// <summary>Lowest churn probability of the high band (default 0.6).</summary>
    public double HighFrom { get; init; } = 0.6;

    /// <summary>The rule in words.</summary>
    public string Describe() => $"risk low if churn probability < {Show.Probability(MediumFrom)}, medium if < {Show.Probability(HighFrom)}, otherwise high";

    /// <summary>The band of a churn probability, with the reason.</summary>
    public (RiskBand Band, string Reason) Classify(double churnProbability)
    {
        var band = BandOf(churnProbability);
        var p = Show.Probability(churnProbability);
        return (band, band switch
        {
            RiskBand.High => $"risk high: churn probability {p} ≥ {Show.Probability(HighFrom)}",
            RiskBand.Medium => $"risk medium: churn probability {p} between {Show.Probability(MediumFrom)} and {Show.Probability(HighFrom)}",
            _ => $"risk low: churn probability {p} < {Show.Probability(MediumFrom)}",
        });
    }

    /// <summary>The band of a churn probability, without the words (what a scoring run decides on; <see cref="Classify"/> says why).</summary>
    public RiskBand BandOf(double churnProbability) =>
        churnProbability >= HighFrom ? RiskBand.High : churnProbability >= MediumFrom ? RiskBand.Medium : RiskBand.Low;

    internal void Validate(string path, List<RuleProblem> problems)
    {
        var mediumOk = MediumFrom is >= 0 and <= 1;
        var highOk = HighFrom is >= 0 and <= 1;
        if (!mediumOk)
        {
            problems.Add(new($"{path}.mediumFrom", $"must be a probability between 0 and 1, not {RuleProblem.Show(MediumFrom)}"));
        }

        if (!highOk)
        {
            problems.Add(new($"{path}.highFrom", $"must be a probability between 0 and 1, not {RuleProblem.Show(HighFrom)}"));
        }

        if (mediumOk && highOk && MediumFrom >= HighFrom)
        {
            problems.Add(new(path, $"mediumFrom ({RuleProblem.Show(MediumFrom)}) must be below highFrom ({RuleProblem.Show(HighFrom)})"));
        }
    }
}
