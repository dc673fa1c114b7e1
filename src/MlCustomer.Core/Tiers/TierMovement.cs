using MlCustomer.Core.Decisions;

namespace MlCustomer.Core.Tiers;

/// <summary>
/// How a customer moved between two as-of dates. Each customer present at both dates gets the first category
/// that applies, in this order (the most urgent to act on first).
/// </summary>
public enum MovementCategory
{
    /// <summary>Was new, active or at risk; now lapsed or churned.</summary>
    Sleeping,

    /// <summary>Tier C or D now, but predicted tier A or B: low now, high predicted value.</summary>
    WorthCultivating,

    /// <summary>Moved up at least one tier.</summary>
    FastGrowing,

    /// <summary>Moved down at least one tier.</summary>
    Declining,

    /// <summary>Stayed in the same tier, A or B.</summary>
    Loyal,

    /// <summary>Stayed in the same tier, C or D.</summary>
    Steady,

    /// <summary>Only at the later date.</summary>
    New,

    /// <summary>Only at the earlier date.</summary>
    Gone,
}

/// <summary>One customer's movement.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Category">The movement category.</param>
/// <param name="TierBefore">Tier at the earlier date (null for new customers).</param>
/// <param name="TierAfter">Tier at the later date (null for gone customers).</param>
/// <param name="ProfitBefore">Profit in the 365 days before the earlier date.</param>
/// <param name="ProfitAfter">Profit in the 365 days before the later date.</param>
public sealed record CustomerMovement(
    string CustomerId,
    MovementCategory Category,
    ProfitTier? TierBefore,
    ProfitTier? TierAfter,
    double? ProfitBefore,
    double? ProfitAfter)
{
    internal MovementFacts? Before { get; init; }

    internal MovementFacts? After { get; init; }

    /// <summary>Why this category, with the tiers, stages and profits (written when read: a base of millions shows a page).</summary>
    public string Reason => TierMovement.Explain(this);
}

/// <summary>What movement compares of one customer's decision in one run: kept with each run so two runs compare without their decisions.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Tier">Profit tier.</param>
/// <param name="PredictedTier">Tier of the predicted profit.</param>
/// <param name="Stage">Lifecycle stage.</param>
/// <param name="ProfitLast365Days">Profit in the trailing 365 days.</param>
/// <param name="PredictedProfit">Predicted profit in the value horizon.</param>
/// <param name="HorizonDays">The value horizon in days.</param>
public readonly record struct MovementFacts(
    string CustomerId, ProfitTier Tier, ProfitTier PredictedTier, LifecycleStage Stage, double ProfitLast365Days, double PredictedProfit, int HorizonDays)
{
    /// <summary>The facts of one decision.</summary>
    public static MovementFacts Of(CustomerDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new(decision.CustomerId, decision.Tier, decision.PredictedTier, decision.Stage, decision.ProfitLast365Days, decision.PredictedProfit, decision.HorizonDays);
    }
}

/// <summary>Customers in one movement category.</summary>
/// <param name="Category">The category.</param>
/// <param name="Customers">How many customers.</param>
/// <param name="Meaning">What the category means.</param>
public sealed record MovementCount(MovementCategory Category, int Customers, string Meaning);

/// <summary>One cell of the tier migration matrix: customers in tier <paramref name="From"/> at the earlier date and <paramref name="To"/> at the later.</summary>
/// <param name="From">Tier at the earlier date.</param>
/// <param name="To">Tier at the later date.</param>
/// <param name="Customers">Customers who moved so.</param>
/// <param name="ProfitBefore">Their profit in the 365 days before the earlier date.</param>
/// <param name="ProfitAfter">Their profit in the 365 days before the later date.</param>
public sealed record TierMigrationCell(ProfitTier From, ProfitTier To, int Customers, double ProfitBefore, double ProfitAfter);

/// <summary>Movement between two as-of dates: per customer, per category, and the tier migration matrix.</summary>
/// <param name="Customers">Every customer at either date, ordered by id.</param>
/// <param name="Counts">Customers per category, every category listed in the order of <see cref="MovementCategory"/>.</param>
/// <param name="Migration">The 16 cells of the migration matrix (customers at both dates), row by row from A → A to D → D.</param>
public sealed record TierMovementReport(
    IReadOnlyList<CustomerMovement> Customers,
    IReadOnlyList<MovementCount> Counts,
    IReadOnlyList<TierMigrationCell> Migration)
{
    /// <summary>Customers in one category.</summary>
    public int Count(MovementCategory category) => Counts.Single(c => c.Category == category).Customers;

    /// <summary>One cell of the migration matrix.</summary>
    public TierMigrationCell Cell(ProfitTier from, ProfitTier to) => Migration[((int)from * 4) + (int)to];
}

/// <summary>Compares the decisions at two as-of dates.</summary>
public static class TierMovement
{
    /// <summary>What each category means, for the console and the report.</summary>
    public static string Meaning(MovementCategory category) => category switch
    {
        MovementCategory.Sleeping => "was active, now lapsed or churned",
        MovementCategory.WorthCultivating => "tier C/D now, predicted tier A/B",
        MovementCategory.FastGrowing => "moved up a tier or more",
        MovementCategory.Declining => "moved down a tier or more",
        MovementCategory.Loyal => "stayed in A or B",
        MovementCategory.Steady => "stayed in C or D",
        MovementCategory.New => "customer at the later date only",
        _ => "customer at the earlier date only",
    };

    /// <summary>
    /// Categorises every customer of either date and builds the migration matrix. Tiers are compared as the
    /// decisions give them: decisions made with the same cut-offs show movement in profit; decisions made with
    /// cut-offs learned at each date show movement in rank.
    /// </summary>
    /// <param name="before">Decisions at the earlier as-of date, by customer id.</param>
    /// <param name="after">Decisions at the later as-of date, by customer id.</param>
    public static TierMovementReport Compare(IReadOnlyDictionary<string, CustomerDecision> before, IReadOnlyDictionary<string, CustomerDecision> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return Compare(Facts(before.Values), Facts(after.Values));

        static MovementFacts[] Facts(IEnumerable<CustomerDecision> decisions) =>
            [.. decisions.Select(MovementFacts.Of).OrderBy(f => f.CustomerId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The same from each run's <see cref="MovementFacts"/> in ordinal customer-id order (as a scoring run stores them): one
    /// merge of the two lists, no decisions rebuilt, so a million customers compare in about a second.
    /// </summary>
    /// <exception cref="ArgumentException">A list is not in ordinal id order or names a customer twice.</exception>
    public static TierMovementReport Compare(IReadOnlyList<MovementFacts> before, IReadOnlyList<MovementFacts> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        CheckOrder(before, nameof(before));
        CheckOrder(after, nameof(after));
        var customers = new List<CustomerMovement>(Math.Max(before.Count, after.Count));
        var cells = new (int Customers, double ProfitBefore, double ProfitAfter)[16];
        var counts = new int[Enum.GetValues<MovementCategory>().Length];
        var (i, j) = (0, 0);
        while (i < before.Count || j < after.Count)
        {
            var order = i == before.Count ? 1 : j == after.Count ? -1 : string.CompareOrdinal(before[i].CustomerId, after[j].CustomerId);
            MovementFacts? was = order <= 0 ? before[i++] : null;
            MovementFacts? now = order >= 0 ? after[j++] : null;
            var movement = Categorise(was, now);
            customers.Add(movement);
            counts[(int)movement.Category]++;
            if (was is { } w && now is { } n)
            {
                ref var cell = ref cells[((int)w.Tier * 4) + (int)n.Tier];
                cell = (cell.Customers + 1, cell.ProfitBefore + w.ProfitLast365Days, cell.ProfitAfter + n.ProfitLast365Days);
            }
        }

        var migration = new List<TierMigrationCell>(16);
        foreach (var from in Enum.GetValues<ProfitTier>())
        {
            foreach (var to in Enum.GetValues<ProfitTier>())
            {
                var cell = cells[((int)from * 4) + (int)to];
                migration.Add(new TierMigrationCell(from, to, cell.Customers, cell.ProfitBefore, cell.ProfitAfter));
            }
        }

        return new TierMovementReport(customers, [.. Enum.GetValues<MovementCategory>().Select(c => new MovementCount(c, counts[(int)c], Meaning(c)))], migration);
    }

    private static void CheckOrder(IReadOnlyList<MovementFacts> facts, string name)
    {
        for (var k = 1; k < facts.Count; k++)
        {
            if (string.CompareOrdinal(facts[k - 1].CustomerId, facts[k].CustomerId) >= 0)
            {
                throw new ArgumentException($"Movement facts must be in ordinal customer-id order, each customer once: '{facts[k - 1].CustomerId}' comes before '{facts[k].CustomerId}'.", name);
            }
        }
    }

    private static CustomerMovement Categorise(MovementFacts? before, MovementFacts? after)
    {
        if (before is not { } was)
        {
            var n = after!.Value;
            return new(n.CustomerId, MovementCategory.New, null, n.Tier, null, n.ProfitLast365Days) { After = n };
        }

        if (after is not { } now)
        {
            return new(was.CustomerId, MovementCategory.Gone, was.Tier, null, was.ProfitLast365Days, null) { Before = was };
        }

        var category = true switch
        {
            _ when was.Stage is LifecycleStage.New or LifecycleStage.Active or LifecycleStage.AtRisk &&
                   now.Stage is LifecycleStage.Lapsed or LifecycleStage.Churned => MovementCategory.Sleeping,
            _ when now.Tier is ProfitTier.C or ProfitTier.D && now.PredictedTier is ProfitTier.A or ProfitTier.B => MovementCategory.WorthCultivating,
            _ when now.Tier < was.Tier => MovementCategory.FastGrowing,
            _ when now.Tier > was.Tier => MovementCategory.Declining,
            _ when now.Tier is ProfitTier.A or ProfitTier.B => MovementCategory.Loyal,
            _ => MovementCategory.Steady,
        };
        return new(was.CustomerId, category, was.Tier, now.Tier, was.ProfitLast365Days, now.ProfitLast365Days) { Before = was, After = now };
    }

    internal static string Explain(CustomerMovement movement)
    {
        if (movement.Before is not { } was)
        {
            var now = movement.After!.Value;
            return $"new: not a customer at the earlier date; now tier {now.Tier} (profit {Show.Amount(now.ProfitLast365Days)})";
        }

        if (movement.After is not { } after)
        {
            return $"gone: tier {was.Tier} at the earlier date (profit {Show.Amount(was.ProfitLast365Days)}), not among the customers at the later date";
        }

        var tiers = $"tier {was.Tier} → {after.Tier} (profit {Show.Amount(was.ProfitLast365Days)} → {Show.Amount(after.ProfitLast365Days)})";
        return movement.Category switch
        {
            MovementCategory.Sleeping => $"sleeping: was {StageText(was.Stage)}, now {StageText(after.Stage)}; {tiers}",
            MovementCategory.WorthCultivating => $"{WireNames.Of(MovementCategory.WorthCultivating)}: tier {after.Tier} now but predicted tier {after.PredictedTier} (predicted profit {Show.Amount(after.PredictedProfit)} in the next {after.HorizonDays} days); {tiers}",
            MovementCategory.FastGrowing => $"{WireNames.Of(MovementCategory.FastGrowing)}: {tiers}",
            MovementCategory.Declining => $"declining: {tiers}",
            MovementCategory.Loyal => $"loyal: {tiers}",
            _ => $"steady: {tiers}",
        };
    }

    private static string StageText(LifecycleStage stage) => WireNames.Of(stage);
}
