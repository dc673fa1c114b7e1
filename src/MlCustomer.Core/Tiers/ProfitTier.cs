namespace MlCustomer.Core.Tiers;

/// <summary>A customer's place in the profit pyramid; A is the most profitable.</summary>
public enum ProfitTier
{
    /// <summary>Top of the pyramid (by default the top 20% by profit): tailored service, personal contact, VIP retention.</summary>
    A,

    /// <summary>Next (by default 30%): regular contact, targeted offers.</summary>
    B,

    /// <summary>Next (by default 30%): automated, low-cost marketing.</summary>
    C,

    /// <summary>Bottom (by default 20%): lowest cost-to-serve, no paid retention.</summary>
    D,
}

/// <summary>How profit tiers are cut.</summary>
public enum TierMode
{
    /// <summary>By shares of customers ranked by profit (A = top 20%, …), learned from the customers at training time.</summary>
    Percentile,

    /// <summary>By fixed profit thresholds given in the rules.</summary>
    Absolute,
}
