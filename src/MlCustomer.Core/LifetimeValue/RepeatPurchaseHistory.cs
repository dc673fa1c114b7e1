using System.Globalization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// What the BG/NBD model knows about one customer at the end of the observation (calibration) period:
/// lifetimes' <c>frequency</c>, <c>recency</c> and <c>T</c>. All times are measured from the customer's
/// first purchase and use one unit of your choice (weeks, days: the model's "period"); prediction
/// horizons must use the same unit. Note that <see cref="TimeToLastPurchase"/> is <em>not</em> the RFM
/// recency of the rest of the product (time since the last purchase): that is
/// <see cref="Age"/> − <see cref="TimeToLastPurchase"/>.
/// </summary>
/// <param name="RepeatPurchases">x: purchases after the first one (usually distinct purchase days − 1); a whole number ≥ 0.</param>
/// <param name="TimeToLastPurchase">tₓ: time from the first to the last purchase; 0 when there are no repeat purchases.</param>
/// <param name="Age">T: time from the first purchase to the end of the observation period; at least <paramref name="TimeToLastPurchase"/>.</param>
public readonly record struct RepeatPurchaseHistory(double RepeatPurchases, double TimeToLastPurchase, double Age)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="name"/> and the field when the history is not valid.</summary>
    internal void Validate(string name, string parameterName)
    {
        if (!double.IsFinite(RepeatPurchases) || RepeatPurchases < 0 || Math.Floor(RepeatPurchases) != RepeatPurchases)
        {
            throw Invalid(name, nameof(RepeatPurchases), RepeatPurchases, "must be a whole number ≥ 0", parameterName);
        }

        if (!double.IsFinite(TimeToLastPurchase) || TimeToLastPurchase < 0)
        {
            throw Invalid(name, nameof(TimeToLastPurchase), TimeToLastPurchase, "must be a finite number ≥ 0", parameterName);
        }

        if (!double.IsFinite(Age) || Age < 0)
        {
            throw Invalid(name, nameof(Age), Age, "must be a finite number ≥ 0", parameterName);
        }

        if (TimeToLastPurchase > Age)
        {
            throw Invalid(
                name,
                nameof(TimeToLastPurchase),
                TimeToLastPurchase,
                $"is later than {nameof(Age)} = {Age.ToString(CultureInfo.InvariantCulture)}; the last purchase must fall within the observation period",
                parameterName);
        }
    }

    private static ArgumentException Invalid(string name, string field, double value, string problem, string parameterName) =>
        new($"{name}.{field} = {value.ToString(CultureInfo.InvariantCulture)} {problem}.", parameterName);
}
