using MlCustomer.Api.Tiers;

namespace MlCustomer.Api.Workspace.Overview;

/// <summary>The Pareto curve as SVG coordinates: drawing only, every number comes from <see cref="ParetoResponse"/>.</summary>
public sealed class ParetoChart
{
    /// <summary>Drawing width in SVG units.</summary>
    public const double Width = 640;

    /// <summary>Drawing height in SVG units.</summary>
    public const double Height = 360;

    private const double Left = 56, Right = 28, Top = 16, Bottom = 44;

    private readonly double yMax;

    /// <summary>Lays out the curve; with loss-makers the top can bring more than 100%, so the axis grows to fit.</summary>
    public ParetoChart(ParetoResponse pareto)
    {
        ArgumentNullException.ThrowIfNull(pareto);
        var shares = pareto.Curve.Where(p => p.ProfitShare is not null).ToList();
        yMax = Math.Max(1, shares.Count == 0 ? 1 : shares.Max(p => p.ProfitShare!.Value));
        Points = string.Join(' ', shares.Select(p => $"{Figures.Coordinate(X(p.CustomerShare))},{Figures.Coordinate(Y(p.ProfitShare!.Value))}"));
        TopX = X(pareto.TopPercent / 100);
        TopY = pareto.TopProfitShare is { } top ? Y(top) : Y(0);
    }

    /// <summary>The polyline's points.</summary>
    public string Points { get; }

    /// <summary>Where the top share is marked.</summary>
    public double TopX { get; }

    /// <summary>Its share of profit, in SVG units.</summary>
    public double TopY { get; }

    /// <summary>Horizontal axis: share of customers, most profitable first.</summary>
    public static double X(double customerShare) => Left + customerShare * (Width - Left - Right);

    /// <summary>Vertical axis: share of the total profit.</summary>
    public double Y(double profitShare) => Top + (1 - profitShare / yMax) * (Height - Top - Bottom);

    /// <summary>Tick values of both axes, as fractions.</summary>
    public IEnumerable<double> YTicks => Enumerable.Range(0, (int)Math.Floor(yMax * 4) + 1).Select(i => i / 4.0);

    /// <summary>Ticks of the customer axis.</summary>
    public static IEnumerable<double> XTicks => Enumerable.Range(0, 6).Select(i => i / 5.0);

    /// <summary>The axis bottom.</summary>
    public static double AxisBottom => Height - Bottom;

    /// <summary>The axis left.</summary>
    public static double AxisLeft => Left;

    /// <summary>The axis right.</summary>
    public static double AxisRight => Width - Right;
}
