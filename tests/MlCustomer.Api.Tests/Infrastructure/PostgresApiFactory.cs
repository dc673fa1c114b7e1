namespace MlCustomer.Api.Tests.Infrastructure;

/// <summary>
/// The API as <see cref="ApiFactory"/> runs it, but storing its scores in PostgreSQL (<c>MlCustomer:Storage:PostgreSql</c>)
/// in a schema of its own on the test server, so the storage tests run unchanged against both engines. Without a test
/// server the store stays SQLite; the tests call <see cref="StoreProvider.Require"/> first and skip (or fail under CI=true).
/// </summary>
public sealed class PostgresApiFactory : ApiFactory
{
    /// <summary>The factory xunit creates for class fixtures: a fresh schema.</summary>
    public PostgresApiFactory()
        : this(null)
    {
    }

    private PostgresApiFactory(IReadOnlyDictionary<string, string?>? settings)
        : base(WithStore(settings), withBundle: true, "Testing", withKeys: true, services: null)
    {
    }

    /// <summary>A fresh factory (its own schema) with <paramref name="settings"/> over the test defaults.</summary>
    public static PostgresApiFactory WithSettings(IReadOnlyDictionary<string, string?>? settings = null) => new(settings);

    private static Dictionary<string, string?> WithStore(IReadOnlyDictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (TestPostgres.NewStoreSchema() is { } store)
        {
            all["MlCustomer:Storage:PostgreSql"] = store;
        }

        return all;
    }
}

/// <summary>Which store a parameterized storage test runs against.</summary>
public enum StoreProvider
{
    /// <summary>The SQLite file (the default).</summary>
    Sqlite,

    /// <summary>A PostgreSQL schema on the test server.</summary>
    PostgreSql,
}

/// <summary>Fresh factories for a provider.</summary>
public static class StoreProviders
{
    /// <summary>Skips (or under CI=true fails) a PostgreSQL test when there is no test server; nothing for SQLite.</summary>
    public static void Require(this StoreProvider provider)
    {
        if (provider == StoreProvider.PostgreSql)
        {
            TestPostgres.ConnectionString();
        }
    }

    /// <summary>A fresh factory on <paramref name="provider"/>'s store with <paramref name="settings"/> over the defaults.</summary>
    public static ApiFactory Fresh(this StoreProvider provider, IReadOnlyDictionary<string, string?>? settings = null) =>
        provider == StoreProvider.PostgreSql ? PostgresApiFactory.WithSettings(settings) : ApiFactory.With(settings);
}

/// <summary>
/// The storage tests on PostgreSQL run one class after another (beside the SQLite ones): each API host keeps a pool of
/// connections, and the throw-away server allows a hundred.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresStores
{
    /// <summary>The collection's name.</summary>
    public const string Name = "PostgreSQL stores";
}
