using MlCustomer.Core.Churn;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Segments;

namespace MlCustomer.Core.Bundle;

/// <summary>Settings of one training run: named defaults, no logic.</summary>
public sealed record TrainingOptions
{
    /// <summary>The default seed.</summary>
    public const int DefaultSeed = 42;

    /// <summary>Seed of the split, the folds, the trees and KMeans.</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>Share of customers held out for every reported metric.</summary>
    public double HoldoutShare { get; init; } = Splits.DefaultHoldoutShare;

    /// <summary>Cross-validation folds on the training part.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Churn settings that cross-validation chooses from.</summary>
    public IReadOnlyList<ChurnOptions> ChurnCandidates { get; init; } = ChurnOptions.DefaultCandidates;

    /// <summary>How the churn candidates are searched (full grid for small data, successive halving for large).</summary>
    public ChurnSearchOptions ChurnSearch { get; init; } = new();

    /// <summary>
    /// After the held-out evaluation, fit every served model (churn, lifetime value and revenue, segments) again with the
    /// chosen settings on every customer (<c>train --refit</c>); the card keeps the evaluation fit's metrics and the value
    /// intervals' calibration, and says the served models saw all rows.
    /// </summary>
    public bool Refit { get; init; }

    /// <summary>Lifetime value settings.</summary>
    public LifetimeValue.LifetimeValueOptions Value { get; init; } = new();

    /// <summary>Profit tier and decision rules; the tier cut-offs are learned with them and both go into the bundle.</summary>
    public Tiers.RuleSet Rules { get; init; } = Tiers.RuleSet.Default;

    /// <summary>
    /// Segment profiles of the bundle in service: new segments take the id of the nearest old centre,
    /// so ids stay stable across retraining. Not part of the version digest (the data and settings are).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Segments.SegmentProfile>? PreviousSegments { get; init; }

    /// <summary>Segmentation settings.</summary>
    public SegmentOptions Segments { get; init; } = new();

    /// <summary>Columns the user does not want as features.</summary>
    public IReadOnlySet<string> Exclude { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// One cost for every retention offer in the card's profit-optimal churn threshold; null uses each action's own
    /// cost from the rules (customer tables, which have no actions: <see cref="DefaultTableOfferCost"/>).
    /// </summary>
    public double? OfferCost { get; init; }

    /// <summary>The offer cost of customer-table bundles when none is given.</summary>
    public const double DefaultTableOfferCost = 20;

    /// <summary>Share of targeted churners an offer keeps; null uses the rules' save rate.</summary>
    public double? SaveRate { get; init; }

    /// <summary>
    /// Value of keeping a churner, for the threshold; null means the mean profit in the value horizon
    /// of the training customers who stayed (or 100 currency units when the data has no value label).
    /// </summary>
    public double? SavedCustomerValue { get; init; }

    /// <summary>ISO 4217 code of the data's amounts, recorded in the card (<see cref="Data.Currencies"/>).</summary>
    public string Currency { get; init; } = Data.Currencies.Default;

    /// <summary>
    /// Most held-out customers permutation importance shuffles; above it, a sample stratified by the churn label (the card's
    /// split rule says so). Every held-out metric still counts every held-out customer.
    /// </summary>
    public int MaxImportanceCustomers { get; init; } = 20_000;

    /// <summary>Customers to sample for the report's segment scatter.</summary>
    public int ScatterSample { get; init; } = 3000;
}
