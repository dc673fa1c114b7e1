using MlCustomer.Core.Bundle;
using MlCustomer.Core.Churn;
using MlCustomer.Core.Data;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Evaluation;
using MlCustomer.Core.Features;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;
using MlCustomer.Training.Reports;

namespace MlCustomer.Core.Tests.Reports;

/// <summary>
/// A complete report input built by hand: real metric records computed from a few hundred seeded customers,
/// a churn model that ranks better than its recency baseline, a value model that beats two baselines, three
/// segments (one named to test escaping) and a scatter sample.
/// </summary>
internal static class ReportSamples
{
    public const string HostileSegmentName = "<script>alert(1)</script>";

    public static ReportData Data(int customers = 600, int seed = 7)
    {
        var random = new Random(seed);
        var recency = new double[customers];
        var truth = new double[customers];
        var churned = new bool[customers];
        var predicted = new double[customers];
        var actualValue = new double[customers];
        var predictedValue = new double[customers];
        var runRate = new double[customers];
        var bgNbd = new double[customers];
        var profits = new double[customers];
        for (var i = 0; i < customers; i++)
        {
            var risk = random.NextDouble();
            recency[i] = Math.Round((risk * 300) + (random.NextDouble() * 120));
            truth[i] = 1 / (1 + Math.Exp(-((6 * risk) - 3.2)));
            churned[i] = random.NextDouble() < truth[i];
            predicted[i] = Math.Clamp(truth[i] + ((random.NextDouble() - 0.5) * 0.25), 0, 1);
            var worth = Math.Exp(3 + (2 * random.NextDouble()) + (2 * (1 - risk)));
            actualValue[i] = (worth * (0.4 + random.NextDouble())) - (random.NextDouble() < 0.06 ? 150 : 0);
            predictedValue[i] = worth * (0.7 + (0.4 * random.NextDouble()));
            runRate[i] = worth * (0.2 + (1.6 * random.NextDouble()));
            bgNbd[i] = worth * (0.4 + (1.2 * random.NextDouble()));
            profits[i] = (worth * (0.5 + random.NextDouble())) - (random.NextDouble() < 0.08 ? 200 : 0);
        }

        var holdout = BinaryMetrics.Compute(predicted, churned);
        var baseline = BinaryMetrics.BestSingleThresholdRule(recency, churned, "recency_days");
        var offer = OfferEconomics.BestThreshold(
            [.. predicted.Select((p, i) => new OfferCase(p, churned[i] ? 1 : 0, ProfitIfKept: 120, OfferCost: 10))], saveRate: 0.3, $"{predicted.Length:N0} held-out customers, observed churn");
        var value = RegressionMetrics.Compute(predictedValue, actualValue);
        var runRateMetrics = RegressionMetrics.Compute(runRate, actualValue);
        var bgNbdMetrics = RegressionMetrics.Compute(bgNbd, actualValue);
        var features = new[] { "recency_days", "purchase_days", "revenue_total", "profit_total", "tenure_days", "categories_bought", "returns_share", "support_tickets", "discount_share", "mean_basket", "country", "segment_hint", "days_between_purchases", "last_basket_value", "complaints", "a_very_long_feature_name_with_units_in_days" };
        var importance = features.Select((name, i) => new FeatureImportance(i, name, 0.12 / (i + 1), 0.004)).ToList();
        var card = new ModelCard
        {
            Version = "20261123-a1b2c3d4",
            CreatedAt = new DateTimeOffset(2026, 11, 23, 14, 7, 30, TimeSpan.Zero),
            InputKind = "transactional",
            Data = new DataSummary(
                [new DataFileSummary("transactions.csv", new string('a', 64), 120_000), new DataFileSummary("customers.csv", new string('b', 64), customers)],
                new LoadReport { Notes = { "cost of goods estimated from category margins" } },
                new FeatureReport { CustomersWithFeatures = customers },
                customers),
            AsOfDate = new DateOnly(2026, 6, 30),
            ChurnHorizonDays = 180,
            ValueHorizonDays = 365,
            FeatureContract = new FeatureContract(
            [
                new FeatureSpec { Name = "recency_days", Kind = FeatureKind.Numeric, Min = 0, Max = 420, MissingRule = "read as 0 by the model" },
                new FeatureSpec { Name = "country", Kind = FeatureKind.Categorical, Categories = Enumerable.Range(1, 40).Select(c => $"country {c}").Append("<b>bold</b>").ToList(), MissingShare = 0.02, MissingRule = "its own category" },
            ]),
            ExcludedColumns = new Dictionary<string, string> { ["customer_id"] = "id-like" },
            Seed = 42,
            PackageVersions = new Dictionary<string, string> { ["Microsoft.ML"] = "5.0.1" },
            Split = new SplitSummary(customers * 4, customers, 0.2, 5, "stratified by churn label, 20% of customers held out, seed 42"),
            Churn = new ChurnCard
            {
                Algorithm = "FastTree",
                Hyperparameters = new ChurnOptions(),
                Selection = "best cross-validated AUC of 3 candidates",
                Calibrator = new PlattCalibrator(-1.5, 0.2),
                PlattLogLoss = 0.48,
                IsotonicLogLoss = 0.49,
                CrossValidationAuc = CrossValidated.Of([0.80, 0.82, 0.81]),
                Holdout = holdout,
                Baseline = baseline,
                BaselineAuc = baseline.Auc,
                Grade = QualityGrade.ForChurn(holdout, baseline.Auc),
                OfferThreshold = offer,
                OracleAuc = BinaryMetrics.Auc(truth, churned),
                Importance = importance,
                SlotNames = features,
            },
            Segments = new SegmentCard
            {
                Criterion = "largest k whose silhouette is within 0.05 of the best, smallest segment at least 5%",
                Candidates = [new SegmentCountScore(2, 0.43, 0.9, 0.3), new SegmentCountScore(3, 0.40, 1.0, 0.12), new SegmentCountScore(4, 0.33, 1.1, 0.04)],
                Profiles =
                [
                    Profile(1, "Champions", 0.2, 0.7, 12, 9000),
                    Profile(2, "At risk", 0.35, 0.25, 160, 1500),
                    Profile(3, HostileSegmentName, 0.45, 0.05, 400, 120),
                ],
                ClusterToSegment = [0, 1, 2, 3],
                Features = SegmentFeatures.Names,
                Base = new SegmentBase
                {
                    Customers = 3000,
                    MedianRecencyDays = 90,
                    MeanRecencyDays = 150,
                    MeanPurchaseDays = 6,
                    MeanRevenue = 2400,
                    MeanProfit = 720,
                    MarginRate = 0.3,
                    ChurnRate = 0.4,
                    FeatureStandardDeviations = [1, 1, 1, 1],
                    TierMix = new TierMix(0.2, 0.3, 0.3, 0.2),
                    LifecycleMix = new LifecycleMix(0.1, 0.4, 0.2, 0.2, 0.1),
                },
                NamingRule = SegmentNames.Rule,
                MixRule = "tier mix: this run's cut-offs; lifecycle mix: this run's rules",
            },
            LifetimeValue = new ValueCard
            {
                Algorithm = "FastTree Tweedie",
                Selection = "Tweedie beat two-part on held-out MAE.",
                Target = "profit in the 365 days after the as-of date",
                Hyperparameters = new Dictionary<string, double> { ["trees"] = 300, ["learning_rate"] = 0.05 },
                CrossValidationGini = CrossValidated.Of([0.55, 0.6, 0.58]),
                Holdout = value,
                Baselines = new Dictionary<string, RegressionMetricsResult> { ["run rate"] = runRateMetrics, ["BG/NBD + Gamma-Gamma"] = bgNbdMetrics },
                BaselineDetails = new Dictionary<string, string> { ["BG/NBD + Gamma-Gamma"] = "r 0.24, alpha 4.4, a 0.79, b 2.4" },
                Grade = QualityGrade.ForValue(value, bgNbdMetrics),
                Comparison = "MAE 10% lower and Gini 0.1 higher than BG/NBD + Gamma-Gamma.",
                OracleGini = RegressionMetrics.Compute(truth.Select(t => 1 - t).ToArray(), actualValue).NormalizedGini,
                Importance = importance.Take(6).ToList(),
                SlotNames = features,
            },
        };

        var scatter = Enumerable.Range(0, 900).Select(i =>
        {
            var segment = 1 + (i % 3);
            var days = segment * segment * 30 * (0.3 + random.NextDouble());
            var revenue = (4 - segment) * (4 - segment) * 400 * (0.2 + random.NextDouble());
            return new SegmentPoint(SegmentFeatures.SignedLog(days), SegmentFeatures.SignedLog(revenue), segment);
        }).ToList();
        return new ReportData(card, profits, scatter);
    }

    private static SegmentProfile Profile(int id, string name, double shareOfCustomers, double shareOfProfit, double recencyDays, double revenue) => new()
    {
        Id = id,
        Name = name,
        NameReason = $"recency {recencyDays} days, revenue {revenue}",
        Customers = (int)(shareOfCustomers * 3000),
        ShareOfCustomers = shareOfCustomers,
        ShareOfProfit = shareOfProfit,
        MeanRecencyDays = recencyDays,
        MeanPurchaseDays = 12,
        MeanRevenue = revenue,
        MeanProfit = revenue * 0.3,
        MarginRate = 0.3,
        MeanTenureDays = 700,
        MedianRecencyDays = recencyDays * 0.8,
        ChurnRate = recencyDays / 500,
        TierMix = new TierMix(0.5, 0.3, 0.15, 0.05),
        LifecycleMix = new LifecycleMix(0.05, 0.6, 0.2, 0.1, 0.05),
        Centroid = [1, 2, 3, 4],
    };
}
