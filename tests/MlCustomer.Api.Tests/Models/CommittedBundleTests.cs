using Microsoft.ML;
using MlCustomer.Api.Models;
using MlCustomer.Api.Tests.Infrastructure;
using MlCustomer.Core.Bundle;

namespace MlCustomer.Api.Tests.Models;

/// <summary>A fact that is skipped, with the reason, while the repository has no committed bundle.</summary>
public sealed class CommittedBundleFactAttribute : FactAttribute
{
    public CommittedBundleFactAttribute()
    {
        if (!File.Exists(Path.Combine(Requests.RepositoryRoot(), "models", ModelBundle.CardFile)))
        {
            Skip = $"models/ has no bundle yet (no {ModelBundle.CardFile}); train and commit one with: {ModelBundle.TrainCommand}";
        }
    }
}

public sealed class CommittedBundleTests
{
    [CommittedBundleFact]
    public void TheCommittedBundleLoadsItsCardMatchesItsModelsAndItWarmsUp()
    {
        var folder = Path.Combine(Requests.RepositoryRoot(), "models");
        var ml = new MLContext(seed: 1);

        // Load checks the card against every model (schema and contribution slots).
        var bundle = ModelBundle.Load(ml, folder);
        var generation = new ModelGeneration("models", bundle, ml, DateTimeOffset.UtcNow);
        generation.WarmUp();

        Assert.Equal(bundle.Card.Segments is not null, bundle.Segments is not null);
        Assert.Equal(bundle.Card.LifetimeValue is not null, bundle.LifetimeValue is not null);
        Assert.NotEmpty(bundle.Card.FeatureContract.Features);
    }
}
