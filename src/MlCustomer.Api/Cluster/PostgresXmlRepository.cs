using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace MlCustomer.Api.Cluster;

/// <summary>
/// The Data Protection key ring kept in the coordination database, so that every replica protects and unprotects
/// workspace cookies (session, antiforgery) with the same keys and a restart keeps them. The framework decides when keys
/// are created, rotated and revoked; this only stores and returns the XML elements it hands over.
/// </summary>
internal sealed class PostgresXmlRepository(ClusterDatabase database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        database.EnsureSchema();
        using var connection = database.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("SELECT xml FROM mlcustomer_data_protection_keys ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        database.EnsureSchema();
        using var connection = database.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("INSERT INTO mlcustomer_data_protection_keys (friendly_name, xml) VALUES ($1, $2)", connection);
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
