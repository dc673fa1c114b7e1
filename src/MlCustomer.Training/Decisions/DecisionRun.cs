using Microsoft.ML;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Features;
using MlCustomer.Core.Scoring;
using MlCustomer.Core.Tiers;
using MlCustomer.Training.Cli;

namespace MlCustomer.Training.Decisions;

/// <summary>One customer's model scores and what the rules make of them.</summary>
internal sealed record ScoredCustomer(CustomerScore Score, CustomerDecision Decision);

/// <summary>
/// A bundle, its rules and a data set, ready to score and decide customers at any as-of date. Customers are
/// scored in chunks, so that the scores and decisions in memory at once do not grow with the data set.
/// </summary>
internal sealed class DecisionRun
{
    /// <summary>Customers scored at a time: large enough that ML.NET's per-call cost vanishes, small enough to be nothing in memory.</summary>
    public const int DefaultChunkSize = 8_192;

    private readonly BundleScorer scorer;
    private readonly BundleDecisions decisions;

    /// <summary>Prepares scoring of <paramref name="data"/>; call <see cref="Check"/> on the bundle and rules first.</summary>
    public DecisionRun(MLContext ml, ModelBundle bundle, RuleSet rules, CustomerDataSet data, DateOnly asOfDate)
    {
        scorer = new BundleScorer(ml, bundle);
        decisions = new BundleDecisions(bundle, rules);
        Bundle = bundle;
        Rules = rules;
        Cutoffs = bundle.Card.Tiers!;
        ChurnHorizonDays = bundle.Card.ChurnHorizonDays!.Value;
        ValueHorizonDays = bundle.Card.ValueHorizonDays ?? FeatureOptions.DefaultValueHorizonDays;
        Data = data;
        AsOfDate = asOfDate;
    }

    public ModelBundle Bundle { get; }

    public RuleSet Rules { get; }

    /// <summary>The cut-offs learned at training time: the same at every as-of date, so tiers compare over time.</summary>
    public TierCutoffs Cutoffs { get; }

    public int ChurnHorizonDays { get; }

    /// <summary>The horizon the predicted profit covers.</summary>
    public int ValueHorizonDays { get; }

    public CustomerDataSet Data { get; }

    /// <summary>The as-of date asked for (default the last order date: scoring is about now).</summary>
    public DateOnly AsOfDate { get; }

    /// <summary>Throws when the bundle cannot make decisions or the rules do not fit its cut-offs.</summary>
    /// <param name="bundle">The loaded bundle.</param>
    /// <param name="rules">The rules to decide with.</param>
    /// <param name="rulesSource">Where the rules came from, for the message.</param>
    public static void Check(ModelBundle bundle, RuleSet rules, string rulesSource)
    {
        var card = bundle.Card;
        if (card.Tiers is null || card.ChurnHorizonDays is null)
        {
            throw new ModelBundleException(
                $"Bundle {card.Version} has no profit-tier cut-offs (it was trained on a customer table, or before tiers were learned); " +
                $"score, targets and tiers need a bundle trained on transactions. Train one with: {ModelBundle.TrainCommand}");
        }

        if (bundle.LifetimeValue is null)
        {
            throw new ModelBundleException(
                $"Bundle {card.Version} has no lifetime value model, and the decisions need predicted profit. Retrain with: {ModelBundle.TrainCommand}");
        }

        if (card.Tiers.Mismatch(rules) is { } mismatch)
        {
            throw new ArgumentException($"{rulesSource} does not fit bundle {card.Version}: {mismatch}");
        }
    }

    /// <summary>Point-in-time features at <paramref name="asOf"/>, without labels: the future is not looked at.</summary>
    public FeatureTable Features(DateOnly asOf)
    {
        var options = new FeatureOptions
        {
            AsOfDate = asOf,
            ChurnHorizonDays = ChurnHorizonDays,
            ValueHorizonDays = ValueHorizonDays,
            IncludeLabels = false,
            // As the bundle was trained: a bundle that opted in to the customers file's totals reads them at any date.
            SnapshotAttributesBeforeExport = Bundle.Card.SnapshotAttributesBeforeExport,
        };
        var table = CliOutput.Step($"Computing features at {CsvText.Date(asOf)}", _ => FeatureBuilder.Build(Data, options));
        CliOutput.Info(table.Report.ToText());
        return table;
    }

    /// <summary>Scores and decides the customers of <paramref name="table"/>, one chunk at a time, in table order.</summary>
    public IEnumerable<IReadOnlyList<ScoredCustomer>> Decide(FeatureTable table, int reasons = BundleScorer.DefaultReasons, int chunkSize = DefaultChunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        var rows = table.Rows;
        for (var start = 0; start < rows.Count; start += chunkSize)
        {
            var chunk = new List<CustomerFeatures>(Math.Min(chunkSize, rows.Count - start));
            for (var i = start; i < rows.Count && i < start + chunkSize; i++)
            {
                chunk.Add(rows[i]);
            }

            var scores = scorer.Score(chunk, table.AttributeNames, reasons);
            var decided = new List<ScoredCustomer>(chunk.Count);
            for (var i = 0; i < chunk.Count; i++)
            {
                var score = scores[i];
                decided.Add(new ScoredCustomer(score, decisions.Decide(chunk[i], score)!));
            }

            yield return decided;
        }
    }

    /// <summary>
    /// Every customer's decision, for the views that need them all at once (pyramid, movement, target list).
    /// <paramref name="keep"/> may drop what the view does not need (e.g. the reasons), to hold less.
    /// </summary>
    public List<CustomerDecision> DecideAll(FeatureTable table, Func<CustomerDecision, CustomerDecision> keep) =>
        DecideAllScored(table, c => keep(c.Decision));

    /// <summary><see cref="DecideAll"/> with the score at hand (its value interval, for a conservative plan).</summary>
    public List<CustomerDecision> DecideAllScored(FeatureTable table, Func<ScoredCustomer, CustomerDecision> keep)
    {
        var total = table.Rows.Count;
        return CliOutput.Step($"Scoring and deciding {total:N0} customers at {CsvText.Date(table.AsOfDate)}", status =>
        {
            var decisions = new List<CustomerDecision>(total);
            foreach (var chunk in Decide(table, reasons: 0))
            {
                decisions.AddRange(chunk.Select(keep));
                status($"{decisions.Count:N0} of {total:N0}");
            }

            return decisions;
        });
    }
}
