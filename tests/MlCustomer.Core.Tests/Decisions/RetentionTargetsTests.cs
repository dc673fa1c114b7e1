using FsCheck;
using FsCheck.Fluent;
using MlCustomer.Core.Decisions;
using static MlCustomer.Core.Tests.Decisions.DecisionSamples;

namespace MlCustomer.Core.Tests.Decisions;

public sealed class RetentionTargetsTests
{
    // Save rate 0.3: expected return = p × 0.3 × predicted profit − cost.
    private static readonly CustomerDecision[] Hand =
    [
        Decision("vip", churnProbability: 0.8, predictedProfit: 1_000, offerCost: 50),  // 240 − 50 = 190
        Decision("disc", churnProbability: 0.6, predictedProfit: 500, offerCost: 20),   //  90 − 20 =  70
        Decision("small", churnProbability: 0.5, predictedProfit: 200, offerCost: 20),  //  30 − 20 =  10
        Decision("neg", churnProbability: 0.2, predictedProfit: 100, offerCost: 20),    //   6 − 20 = −14
        Decision("d", churnProbability: 0.9, predictedProfit: 5_000, paidOffer: false), // no paid offer
        Decision("cheap", churnProbability: 0.4, predictedProfit: 100, offerCost: 2),   //  12 −  2 =  10
    ];

    [Fact]
    public void HandExampleChoosesWithinTheBudgetAndReportsSpendReturnAndRoi()
    {
        var list = RetentionTargets.Choose(Hand, new TargetOptions { Budget = 80, SaveRate = 0.3 });

        Assert.Equal(["vip", "disc", "cheap"], list.Targets.Select(t => t.Customer.CustomerId));
        Assert.Equal(72, list.Spend, 10);
        Assert.Equal(342, list.ExpectedSavedProfit, 10);
        Assert.Equal(270, list.ExpectedReturn, 10);
        Assert.Equal(3.75, list.Roi!.Value, 10);
        Assert.Equal((6, 1, 1, 1, 0), (list.Considered, list.WithoutPaidOffer, list.WithoutPositiveReturn, list.LeftOutByBudget, list.LeftOutByLimit));
    }

    [Fact]
    public void EachTargetCarriesItsArithmeticAndBreakEvenProbability()
    {
        var vip = RetentionTargets.Choose(Hand, new TargetOptions { Budget = 80, SaveRate = 0.3 }).Targets[0];

        Assert.Equal(50.0 / 300, vip.BreakEvenProbability, 10);
        Assert.Equal(
            "expected return 190.00 = churn probability 0.80 × save rate 0.30 × predicted profit 1,000.00 − offer cost 50.00 (targeted discount offer); pays above churn probability 0.17",
            vip.Reason);
    }

    [Fact]
    public void ProfitOptimalThresholdTargetsEveryPaidOfferCustomerAboveItBudgetAside()
    {
        var threshold = RetentionTargets.Choose(Hand, new TargetOptions { Budget = 80, SaveRate = 0.3 }).Threshold;

        // Cumulative by probability: 0.8 → 190, 0.6 → 260, 0.5 → 270, 0.4 → 280, 0.2 → 266.
        Assert.Equal(0.4, threshold.ChurnProbability);
        Assert.Equal((4, 92.0, 280.0), (threshold.Customers, threshold.Spend, threshold.ExpectedReturn));
    }

    [Fact]
    public void NoThresholdWhenNoOfferPays()
    {
        var list = RetentionTargets.Choose([Decision("a", churnProbability: 0.1, predictedProfit: 10)], new TargetOptions { Budget = 1_000 });

        Assert.Empty(list.Targets);
        Assert.Null(list.Threshold.ChurnProbability);
        Assert.Null(list.Roi);
    }

    [Fact]
    public void OneOfferCostOverridesEachActionsCost()
    {
        var list = RetentionTargets.Choose(Hand, new TargetOptions { Budget = 1_000, SaveRate = 0.3, OfferCost = 20 });

        // cheap: 12 − 20 < 0 is now not worth an offer; vip: 240 − 20 = 220.
        Assert.Equal(["vip", "disc", "small"], list.Targets.Select(t => t.Customer.CustomerId));
        Assert.Equal(220, list.Targets[0].ExpectedReturn, 10);
        Assert.Equal(60, list.Spend, 10);
    }

    [Fact]
    public void AnActionsOwnAskedCostReplacesItsCostAndLeavesTheOtherActionsAlone()
    {
        var customers = new[]
        {
            Decision("vip", churnProbability: 0.8, predictedProfit: 1_000, offerCost: 50) with { Action = "vip-retention" },
            Decision("disc", churnProbability: 0.6, predictedProfit: 500, offerCost: 20) with { Action = "targeted-discount" },
        };

        var list = RetentionTargets.Choose(customers, new TargetOptions
        {
            Budget = 1_000, SaveRate = 0.3, OfferCostByAction = new Dictionary<string, double> { ["vip-retention"] = 100 },
        });

        Assert.Equal([("vip", 100.0), ("disc", 20.0)], list.Targets.Select(t => (t.Customer.CustomerId, t.OfferCost)));
        Assert.Equal(140, list.Targets[0].ExpectedReturn, 10);
        Assert.Contains("offer cost 100.00 for vip-retention", list.Threshold.Basis, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RetentionTargets.Choose(customers, new TargetOptions
        {
            Budget = 1, OfferCostByAction = new Dictionary<string, double> { ["vip-retention"] = 0 },
        }));
    }

    [Fact]
    public void TheSpendReturnCurveRisesDownTheListAndEndsAtItsTotals()
    {
        var list = RetentionTargets.Choose(Hand, new TargetOptions { Budget = 80, SaveRate = 0.3 });

        var curve = RetentionTargets.SpendReturnCurve(list);
        Assert.Equal([0, 1, 2, 3], curve.Select(p => p.Customers));
        Assert.Equal([0, 50, 70, 72], curve.Select(p => p.Spend));
        Assert.Equal((list.Spend, list.ExpectedSavedProfit, list.ExpectedReturn), (curve[^1].Spend, curve[^1].ExpectedSavedProfit, curve[^1].ExpectedReturn));
        var sampled = RetentionTargets.SpendReturnCurve(list, maxPoints: 2);
        Assert.Equal([0, 2, 3], sampled.Select(p => p.Customers));
    }

    [Fact]
    public void ALimitKeepsTheCustomersWithTheLargestReturnNotTheCheapest()
    {
        var list = RetentionTargets.Choose(Hand, new TargetOptions { Budget = 1_000, SaveRate = 0.3, Limit = 1 });

        Assert.Equal(["vip"], list.Targets.Select(t => t.Customer.CustomerId));
        Assert.Equal(3, list.LeftOutByLimit);
    }

    [Fact]
    public void WhenMoneyIsTheConstraintCheapOffersWithBetterReturnPerCostWin()
    {
        // One VIP offer (cost 50, return 60) or two discounts (cost 25 each, return 40 each) for a budget of 50.
        CustomerDecision[] customers =
        [
            Decision("vip", churnProbability: 1, predictedProfit: 110.0 / 0.3, offerCost: 50),
            Decision("d1", churnProbability: 1, predictedProfit: 65.0 / 0.3, offerCost: 25),
            Decision("d2", churnProbability: 1, predictedProfit: 65.0 / 0.3, offerCost: 25),
        ];

        var list = RetentionTargets.Choose(customers, new TargetOptions { Budget = 50, SaveRate = 0.3 });

        Assert.Equal(["d1", "d2"], list.Targets.Select(t => t.Customer.CustomerId));
        Assert.Equal(80, list.ExpectedReturn, 8);
    }

    [Fact]
    public void ABigOfferThatPaysMoreBeatsACheapOneWithBetterReturnPerCostWhenBothDoNotFit()
    {
        // cheap: cost 2, return 4 (2 per unit); big: cost 100, return 100 (1 per unit); budget 100 fits one.
        CustomerDecision[] customers =
        [
            Decision("cheap", churnProbability: 1, predictedProfit: 6.0 / 0.3, offerCost: 2),
            Decision("big", churnProbability: 1, predictedProfit: 200.0 / 0.3, offerCost: 100),
        ];

        var list = RetentionTargets.Choose(customers, new TargetOptions { Budget = 100, SaveRate = 0.3 });

        Assert.Equal(["big"], list.Targets.Select(t => t.Customer.CustomerId));
    }

    [Theory]
    [InlineData(-1, null, 0.3, null)]
    [InlineData(100, 0.0, 0.3, null)]
    [InlineData(100, null, 1.5, null)]
    [InlineData(100, null, 0.3, -1)]
    public void InvalidOptionsAreRefused(double budget, double? offerCost, double saveRate, int? limit)
    {
        Assert.Throws<ArgumentException>(() => RetentionTargets.Choose(Hand, new TargetOptions { Budget = budget, OfferCost = offerCost, SaveRate = saveRate, Limit = limit }));
    }

    [Fact]
    public void OptionsFromRulesTakeTheirSaveRate()
    {
        var rules = Core.Tiers.RuleSet.Default with { SaveRate = 0.45 };

        Assert.Equal(0.45, TargetOptions.From(rules, 500).SaveRate);
    }

    [Fact]
    public void AListFromStoredCandidatesReadsOnlyTheDecisionsOfTheTargetsLookedAt()
    {
        // ~1,000 customers worth an offer, every one affordable: the list is all of them, its totals and curve known
        // from the candidates; reading the seventh page of 50 reads its one block of neighbours (256–511), not the thousand.
        var customers = Enumerable.Range(0, 1_000)
            .Select(i => Decision($"c{i:D4}", churnProbability: 0.2 + (i % 70 / 100.0), predictedProfit: 300 + i, offerCost: 20))
            .ToArray();
        var byId = customers.ToDictionary(d => d.CustomerId);
        var asked = new List<int>();
        var options = new TargetOptions { Budget = 1_000_000, SaveRate = 0.3 };

        var list = RetentionTargets.Choose(TargetCandidates.From(customers), options, ids =>
        {
            asked.Add(ids.Count);
            return [.. ids.Select(id => byId[id])];
        });
        var curve = RetentionTargets.SpendReturnCurve(list);
        var page = list.Targets.Skip(300).Take(50).ToList();

        var expected = RetentionTargets.Choose(customers, options);
        Assert.Equal(expected.Targets.Count, list.Targets.Count);
        Assert.True(list.Targets.Count > 900);
        Assert.Equal((expected.Spend, expected.ExpectedSavedProfit), (list.Spend, list.ExpectedSavedProfit));
        Assert.Equal(RetentionTargets.SpendReturnCurve(expected), curve);
        Assert.Equal(expected.Targets.Skip(300).Take(50).Select(t => (t.Customer.CustomerId, t.ExpectedReturn, t.Reason)),
            page.Select(t => (t.Customer.CustomerId, t.ExpectedReturn, t.Reason)));
        Assert.Equal([256], asked);
    }

    // ---- properties ----

    private static Gen<CustomerDecision[]> Customers(int maxCount) =>
        from n in Gen.Choose(0, maxCount)
        from customers in Gen.ArrayOf(
            from churn in Gen.Choose(0, 100)
            from predicted in Gen.Choose(-200, 2_000)
            from cost in Gen.Elements(2.0, 5.0, 20.0, 50.0)
            from paid in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
            select (churn, predicted, cost, paid),
            n)
        select customers.Select((c, i) => Decision($"c{i:D3}", churnProbability: c.churn / 100.0, predictedProfit: c.predicted, offerCost: c.cost, paidOffer: c.paid)).ToArray();

    private static readonly Gen<TargetOptions> OptionsGen =
        from budget in Gen.Choose(0, 400)
        from saveRate in Gen.Choose(0, 100)
        from limit in Gen.Elements<int?>(null, null, 0, 1, 3, 10)
        from overrideCost in Gen.Elements<double?>(null, null, 10.0, 20.0)
        select new TargetOptions { Budget = budget, SaveRate = saveRate / 100.0, Limit = limit, OfferCost = overrideCost };

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property TheListNeverExceedsTheBudgetHasOnlyPositiveReturnsAndPaidOffersAndIsOrderedByReturn()
    {
        var gen = from customers in Customers(60) from options in OptionsGen select (customers, options);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var list = RetentionTargets.Choose(c.customers, c.options);
            var returns = list.Targets.Select(t => t.ExpectedReturn).ToList();
            return list.Spend <= c.options.Budget &&
                list.Targets.Sum(t => t.OfferCost) <= c.options.Budget &&
                list.Targets.All(t => t.ExpectedReturn > 0 && t.Customer.PaidOffer) &&
                returns.Zip(returns.Skip(1)).All(p => p.First >= p.Second) &&
                (c.options.Limit is not { } limit || list.Targets.Count <= limit) &&
                list.Targets.Select(t => t.Customer.CustomerId).Distinct().Count() == list.Targets.Count;
        });
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property WithOneOfferCostTheListIsOptimal()
    {
        var gen =
            from customers in Customers(12)
            from options in OptionsGen
            from cost in Gen.Elements(5.0, 20.0, 50.0)
            select (customers, options: options with { OfferCost = cost });
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var list = RetentionTargets.Choose(c.customers, c.options);
            return Math.Abs(list.ExpectedReturn - BestPossible(c.customers, c.options)) < 1e-6;
        });
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property WithDifferentCostsAndNoLimitTheListIsWithinOneCustomerAndHalfOfTheOptimum()
    {
        var gen = from customers in Customers(12) from options in OptionsGen select (customers, options: options with { OfferCost = null, Limit = null });
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var list = RetentionTargets.Choose(c.customers, c.options);
            var best = BestPossible(c.customers, c.options);
            var largestReturn = Worthwhile(c.customers, c.options).Select(x => x.Return).DefaultIfEmpty(0).Max();
            return list.ExpectedReturn >= best - largestReturn - 1e-6 && list.ExpectedReturn >= (best / 2) - 1e-6;
        });
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property FromStoredCandidatesTheListCountsAndThresholdAreThoseFromTheDecisions()
    {
        // Coarse probabilities and profits make ties in value at risk and expected return common; several actions,
        // segments, tiers and stages, and costs that differ within an action, exercise the merge and the filters.
        var gen =
            from customers in Customers(80)
            from labels in Gen.ArrayOf(
                from action in Gen.Elements("vip", "discount", "call")
                from segment in Gen.Elements<string?>(null, "Champions", "At risk")
                from tier in Gen.Elements(Core.Tiers.ProfitTier.A, Core.Tiers.ProfitTier.B, Core.Tiers.ProfitTier.C)
                from stage in Gen.Elements(LifecycleStage.Active, LifecycleStage.AtRisk)
                select (action, segment, tier, stage),
                80)
            from options in OptionsGen
            from costs in Gen.Elements<IReadOnlyDictionary<string, double>?>(
                null, new Dictionary<string, double> { ["discount"] = 7 }, new Dictionary<string, double> { ["vip"] = 3, ["call"] = 50 })
            from filter in Gen.Elements<TargetFilter?>(
                null, new TargetFilter { Tier = Core.Tiers.ProfitTier.A }, new TargetFilter { Action = "discount" },
                new TargetFilter { Segment = "Champions", Stage = LifecycleStage.AtRisk }, new TargetFilter { Action = "nobody" })
            select (customers: customers.Select((c, i) => c with
            {
                Action = labels[i].action, Segment = labels[i].segment, Tier = labels[i].tier, Stage = labels[i].stage,
            }).ToArray(), options: options with { Filter = filter, OfferCostByAction = costs });
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var expected = RetentionTargets.Choose(c.customers, c.options);
            var byId = c.customers.ToDictionary(d => d.CustomerId);
            var candidates = TargetCandidates.From(c.customers.Reverse());
            var actual = RetentionTargets.Choose(candidates, c.options, ids => [.. ids.Select(id => byId[id])]);
            return expected.Targets.Select(t => (t.Customer.CustomerId, t.OfferCost, t.ExpectedReturn, t.Reason))
                    .SequenceEqual(actual.Targets.Select(t => (t.Customer.CustomerId, t.OfferCost, t.ExpectedReturn, t.Reason))) &&
                (expected.Spend, expected.ExpectedSavedProfit, expected.Considered, expected.WithoutPaidOffer, expected.WithoutPositiveReturn,
                    expected.LeftOutByBudget, expected.LeftOutByLimit) ==
                (actual.Spend, actual.ExpectedSavedProfit, actual.Considered, actual.WithoutPaidOffer, actual.WithoutPositiveReturn,
                    actual.LeftOutByBudget, actual.LeftOutByLimit) &&
                // The threshold's sums run over equal probabilities in another order (Core's sort is not stable): equal but for
                // rounding, which can also move a half cent in the description (these amounts are often exact half cents).
                (expected.Threshold.ChurnProbability, expected.Threshold.Customers, expected.Threshold.Basis) ==
                    (actual.Threshold.ChurnProbability, actual.Threshold.Customers, actual.Threshold.Basis) &&
                Math.Abs(expected.Threshold.ExpectedReturn - actual.Threshold.ExpectedReturn) <= 1e-9 * Math.Max(1, Math.Abs(expected.Threshold.ExpectedReturn)) &&
                Math.Abs(expected.Threshold.Spend - actual.Threshold.Spend) <= 1e-9 * Math.Max(1, expected.Threshold.Spend);
        });
    }

    private static List<(double Cost, double Return)> Worthwhile(CustomerDecision[] customers, TargetOptions options) =>
        [.. customers
            .Where(d => d.PaidOffer)
            .Select(d =>
            {
                var cost = options.OfferCost ?? d.OfferCost;
                return (Cost: cost, Return: (d.ChurnProbability * options.SaveRate * Math.Max(d.PredictedProfit, 0)) - cost);
            })
            .Where(x => x.Return > 0)];

    /// <summary>The best total expected return of any affordable set within the limit, by trying every subset.</summary>
    private static double BestPossible(CustomerDecision[] customers, TargetOptions options)
    {
        var items = Worthwhile(customers, options);
        var best = 0.0;
        for (var mask = 0; mask < 1 << items.Count; mask++)
        {
            var (cost, value, count) = (0.0, 0.0, 0);
            for (var i = 0; i < items.Count; i++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    (cost, value, count) = (cost + items[i].Cost, value + items[i].Return, count + 1);
                }
            }

            if (cost <= options.Budget && (options.Limit is not { } limit || count <= limit))
            {
                best = Math.Max(best, value);
            }
        }

        return best;
    }
}
