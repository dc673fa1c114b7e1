using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlCustomer.Api.Models;

/// <summary>
/// Creates prediction engines for one model of one generation. The engines do not own the shared,
/// thread-safe transformer; each engine is used by one request at a time and returned to the pool.
/// </summary>
internal sealed class PredictionEnginePolicy<TInput, TOutput>(MLContext ml, ITransformer model, SchemaDefinition? inputSchema)
    : PooledObjectPolicy<PredictionEngine<TInput, TOutput>>
    where TInput : class
    where TOutput : class, new()
{
    public override PredictionEngine<TInput, TOutput> Create() =>
        ml.Model.CreatePredictionEngine<TInput, TOutput>(model, new PredictionEngineOptions
        {
            OwnsTransformer = false,
            InputSchemaDefinition = inputSchema,
        });

    public override bool Return(PredictionEngine<TInput, TOutput> obj) => true;
}
