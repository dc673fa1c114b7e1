using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MlCustomer.Api.Scoring;

/// <summary>
/// The customers of a <see cref="ScoreRequest"/>. Read from JSON it holds at most
/// <see cref="ScoringOptions.MaxCustomersPerRequest"/>: reading stops at the next one, where an 8 MB body of 2,700,000
/// empty objects used to become 2,700,000 objects (+214 MB, 4.6 s) only to be refused for its count.
/// </summary>
public sealed class CustomerList : Collection<CustomerInput>
{
    /// <summary>Most customers this list takes; the serializer sets it (<see cref="LimitedBy"/>).</summary>
    internal int MaxCustomers { get; init; } = int.MaxValue;

    /// <summary>Makes every <see cref="CustomerList"/> the serializer creates stop at <paramref name="maxCustomers"/>.</summary>
    internal static Action<JsonTypeInfo> LimitedBy(int maxCustomers) => typeInfo =>
    {
        if (typeInfo.Type == typeof(CustomerList))
        {
            typeInfo.CreateObject = () => new CustomerList { MaxCustomers = maxCustomers };
        }
    };

    /// <inheritdoc />
    protected override void InsertItem(int index, CustomerInput item)
    {
        if (Count >= MaxCustomers)
        {
            // Thrown while reading: the serializer adds where, and the API's handler answers 400 with it.
            throw new JsonException($"holds more customers than the {MaxCustomers:N0} a request may: send 1 to {MaxCustomers:N0} customers (reading stopped at customer {MaxCustomers + 1:N0})");
        }

        base.InsertItem(index, item);
    }
}
