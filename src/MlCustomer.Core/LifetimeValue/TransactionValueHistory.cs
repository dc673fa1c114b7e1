using System.Globalization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// What the Gamma-Gamma model knows about one customer's spend (or profit) per transaction.
/// Follow lifetimes: <see cref="Transactions"/> is the repeat purchase count (the BG/NBD x) and
/// <see cref="AverageValue"/> the mean value of those repeat purchases, so that a one-off first order
/// does not count.
/// </summary>
/// <param name="Transactions">x: how many transactions <paramref name="AverageValue"/> averages; a whole number ≥ 0.</param>
/// <param name="AverageValue">mₓ: their mean value, in currency units; ignored (and may be NaN) when <paramref name="Transactions"/> is 0.</param>
public readonly record struct TransactionValueHistory(double Transactions, double AverageValue)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="name"/> and the field when the history is not valid.</summary>
    internal void Validate(string name, string parameterName)
    {
        if (!double.IsFinite(Transactions) || Transactions < 0 || Math.Floor(Transactions) != Transactions)
        {
            throw Invalid(name, nameof(Transactions), Transactions, "must be a whole number ≥ 0", parameterName);
        }

        if (Transactions > 0 && !double.IsFinite(AverageValue))
        {
            throw Invalid(name, nameof(AverageValue), AverageValue, "must be finite for a customer with transactions", parameterName);
        }
    }

    private static ArgumentException Invalid(string name, string field, double value, string problem, string parameterName) =>
        new($"{name}.{field} = {value.ToString(CultureInfo.InvariantCulture)} {problem}.", parameterName);
}
