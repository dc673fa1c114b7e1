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
/// <param name="Reason">Why this category, with the tiers, stages and profits.</param>
public sealed record CustomerMovement(
    string CustomerId,
    MovementCategory Category,
    ProfitTier? TierBefore,
    ProfitTier? TierAfter,
    double? ProfitBefore,
    double? ProfitAfter,
    string Reason);

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
        var ids = before.Keys.Union(after.Keys).Order(StringComparer.Ordinal);
        var customers = new List<CustomerMovement>();
        var cells = new (int Customers, double ProfitBefore, double ProfitAfter)[16];
        foreach (var id in ids)
        {
            var was = before.GetValueOrDefault(id);
            var now = after.GetValueOrDefault(id);
            customers.Add(Categorise(id, was, now));
            if (was is not null && now is not null)
            {
                ref var cell = ref cells[((int)was.Tier * 4) + (int)now.Tier];
                cell = (cell.Customers + 1, cell.ProfitBefore + was.ProfitLast365Days, cell.ProfitAfter + now.ProfitLast365Days);
            }
        }

        var counts = Enum.GetValues<MovementCategory>()
            .Select(c => new MovementCount(c, customers.Count(m => m.Category == c), Meaning(c)))
            .ToList();
        var migration = new List<TierMigrationCell>(16);
        foreach (var from in Enum.GetValues<ProfitTier>())
        {
            foreach (var to in Enum.GetValues<ProfitTier>())
            {
                var cell = cells[((int)from * 4) + (int)to];
                migration.Add(new TierMigrationCell(from, to, cell.Customers, cell.ProfitBefore, cell.ProfitAfter));
            }
        }

        return new TierMovementReport(customers, counts, migration);
    }

    private static CustomerMovement Categorise(string id, CustomerDecision? was, CustomerDecision? now)
    {
        if (was is null)
        {
            return new(id, MovementCategory.New, null, now!.Tier, null, now.ProfitLast365Days,
                $"new: not a customer at the earlier date; now tier {now.Tier} (profit {Show.Amount(now.ProfitLast365Days)})");
        }

        if (now is null)
        {
            return new(id, MovementCategory.Gone, was.Tier, null, was.ProfitLast365Days, null,
                $"gone: tier {was.Tier} at the earlier date (profit {Show.Amount(was.ProfitLast365Days)}), not among the customers at the later date");
        }

        var tiers = $"tier {was.Tier} → {now.Tier} (profit {Show.Amount(was.ProfitLast365Days)} → {Show.Amount(now.ProfitLast365Days)})";
        var (category, reason) = true switch
        {
            _ when was.Stage is LifecycleStage.New or LifecycleStage.Active or LifecycleStage.AtRisk &&
                   now.Stage is LifecycleStage.Lapsed or LifecycleStage.Churned =>
                (MovementCategory.Sleeping, $"sleeping: was {StageText(was.Stage)}, now {StageText(now.Stage)}; {tiers}"),
            _ when now.Tier is ProfitTier.C or ProfitTier.D && now.PredictedTier is ProfitTier.A or ProfitTier.B =>
                (MovementCategory.WorthCultivating, $"{WireNames.Of(MovementCategory.WorthCultivating)}: tier {now.Tier} now but predicted tier {now.PredictedTier} (predicted profit {Show.Amount(now.PredictedProfit)} in the next {now.HorizonDays} days); {tiers}"),
            _ when now.Tier < was.Tier => (MovementCategory.FastGrowing, $"{WireNames.Of(MovementCategory.FastGrowing)}: {tiers}"),
            _ when now.Tier > was.Tier => (MovementCategory.Declining, $"declining: {tiers}"),
            _ when now.Tier is ProfitTier.A or ProfitTier.B => (MovementCategory.Loyal, $"loyal: {tiers}"),
            _ => (MovementCategory.Steady, $"steady: {tiers}"),
        };
        return new(id, category, was.Tier, now.Tier, was.ProfitLast365Days, now.ProfitLast365Days, reason);
    }

    private static string StageText(LifecycleStage stage) => WireNames.Of(stage);
}
