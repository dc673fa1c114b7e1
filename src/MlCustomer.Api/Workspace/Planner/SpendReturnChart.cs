using MlCustomer.Core.Decisions;

namespace MlCustomer.Api.Workspace.Planner;

/// <summary>The spend-versus-return curve as SVG coordinates: drawing only, every number comes from the plan's <see cref="SpendReturnPoint"/>s.</summary>
public sealed class SpendReturnChart
{
    /// <summary>Drawing width in SVG units.</summary>
    public const double Width = 640;

    /// <summary>Drawing height in SVG units.</summary>
    public const double Height = 320;

    /// <summary>Left edge of the plot (room for the amounts).</summary>
    public const double Left = 84;

    private const double Right = 24, Top = 16, Bottom = 44;

    private readonly double maxSpend;
    private readonly double minReturn;
    private readonly double maxReturn;

    /// <summary>Lays out the curve; the return axis includes 0 and the largest expected saved profit.</summary>
    public SpendReturnChart(IReadOnlyList<SpendReturnPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        maxSpend = Math.Max(curve.Count == 0 ? 0 : curve.Max(p => p.Spend), 1e-9);
        maxReturn = Math.Max(curve.Count == 0 ? 0 : curve.Max(p => p.ExpectedSavedProfit), 1e-9);
        minReturn = Math.Min(0, curve.Count == 0 ? 0 : curve.Min(p => p.ExpectedReturn));
        ReturnPoints = string.Join(' ', curve.Select(p => $"{Figures.Coordinate(X(p.Spend))},{Figures.Coordinate(Y(p.ExpectedReturn))}"));
        SavedPoints = string.Join(' ', curve.Select(p => $"{Figures.Coordinate(X(p.Spend))},{Figures.Coordinate(Y(p.ExpectedSavedProfit))}"));
    }

    /// <summary>Expected return (saved profit − spend) by spend.</summary>
    public string ReturnPoints { get; }

    /// <summary>Expected saved profit by spend.</summary>
    public string SavedPoints { get; }

    /// <summary>Horizontal position of a spend.</summary>
    public double X(double spend) => Left + (spend / maxSpend * (Width - Left - Right));

    /// <summary>Vertical position of an amount.</summary>
    public double Y(double amount) => Top + ((1 - ((amount - minReturn) / (maxReturn - minReturn))) * (Height - Top - Bottom));

    /// <summary>Spend ticks: 0, ¼ … the total.</summary>
    public IEnumerable<double> SpendTicks => Enumerable.Range(0, 5).Select(i => maxSpend * i / 4);

    /// <summary>Amount ticks from the lowest to the highest.</summary>
    public IEnumerable<double> AmountTicks => Enumerable.Range(0, 5).Select(i => minReturn + ((maxReturn - minReturn) * i / 4));

    /// <summary>The plot's bottom edge.</summary>
    public static double AxisBottom => Height - Bottom;

    /// <summary>The plot's right edge.</summary>
    public static double AxisRight => Width - Right;
}
