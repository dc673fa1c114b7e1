using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Modeling;
using MlCustomer.Core.Tiers;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace MlCustomer.Api.OpenApi;

/// <summary>
/// What generated clients need from the schemas: every property of an answer is <c>required</c> (the API writes every
/// property, null included, so a client may rely on its presence; whether it can be null stays declared by
/// <c>nullable</c>), the closed sets as enums (spelled as Core's <see cref="WireNames"/> writes them), and a server.
/// Schemas only sent in requests keep the required list their types declare.
/// </summary>
internal sealed class ApiContractDocumentFilter(IOptions<ScoringOptions> scoring) : IDocumentFilter
{
    // Property name → the values it can take, wherever an answer carries it. Actions are not here: their keys come
    // from the rules file and are an open set.
    private static readonly Dictionary<string, string[]> ClosedSets = new(StringComparer.Ordinal)
    {
        ["tier"] = Names<ProfitTier>(),
        ["predictedTier"] = Names<ProfitTier>(),
        ["riskBand"] = Names<RiskBand>(),
        ["lifecycleStage"] = Names<LifecycleStage>(),
        ["movement"] = Names<MovementCategory>(),
        ["level"] = [.. Enum.GetValues<DriftLevel>().Select(ScoreStore.DriftLevelName)],
        ["status"] = [RunStatus.Queued, RunStatus.Running, RunStatus.Succeeded, RunStatus.Failed],
        ["outcome"] = ["succeeded", "refused"],
        ["inputKind"] = ["transactional", "customer-table"],
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        swaggerDoc.Servers = [new OpenApiServer { Url = "/", Description = "This service (paths start with /api/v1)." }];
        var schemas = swaggerDoc.Components?.Schemas;
        if (schemas is null)
        {
            return;
        }

        // The request's sizes as configured (the handler refuses others with a 400 naming them).
        if (schemas.TryGetValue("ScoreRequest", out var request) && request.Properties?.TryGetValue("customers", out var customers) == true
            && customers is OpenApiSchema customerList)
        {
            customerList.MinItems = 1;
            customerList.MaxItems = scoring.Value.MaxCustomersPerRequest;
        }

        if (schemas.TryGetValue("CustomerHistory", out var history) && history.Properties?.TryGetValue("transactions", out var lines) == true
            && lines is OpenApiSchema lineList)
        {
            lineList.MinItems = 1;
            lineList.MaxItems = scoring.Value.MaxTransactionsPerCustomer;
        }

        var requestOnly = RequestSchemas(swaggerDoc, schemas);
        foreach (var (name, schema) in schemas)
        {
            if (schema is not OpenApiSchema concrete || concrete.Properties is not { Count: > 0 } properties || requestOnly.Contains(name))
            {
                continue;
            }

            // ProblemDetails' members are optional by the RFC; the API always writes type, title and status.
            if (name is "ProblemDetails" or "HttpValidationProblemDetails")
            {
                concrete.Required = new HashSet<string>(StringComparer.Ordinal) { "type", "title", "status" };
                continue;
            }

            concrete.Required = new HashSet<string>(properties.Keys, StringComparer.Ordinal);
            foreach (var (property, propertySchema) in properties)
            {
                if (ClosedSets.TryGetValue(property, out var values) && propertySchema is OpenApiSchema { Type: { } type } closed
                    && type.HasFlag(JsonSchemaType.String))
                {
                    closed.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
                    if (type.HasFlag(JsonSchemaType.Null))
                    {
                        closed.Enum.Add(null!);
                    }
                }
            }
        }
    }

    private static string[] Names<T>()
        where T : struct, Enum => [.. Enum.GetValues<T>().Select(v => WireNames.Canonical(v))];

    // The schemas a client sends (request bodies and what they reference), and not also in an answer.
    private static HashSet<string> RequestSchemas(OpenApiDocument document, IDictionary<string, IOpenApiSchema> schemas)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
        {
            foreach (var media in operation.RequestBody?.Content?.Values.AsEnumerable() ?? [])
            {
                Walk(media.Schema, schemas, sent);
            }

            foreach (var media in (operation.Responses?.Values.AsEnumerable() ?? []).SelectMany(r => r.Content?.Values.AsEnumerable() ?? []))
            {
                Walk(media.Schema, schemas, answered);
            }
        }

        sent.ExceptWith(answered);
        return sent;
    }

    private static void Walk(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> schemas, HashSet<string> seen)
    {
        if (schema is null)
        {
            return;
        }

        if (schema is OpenApiSchemaReference reference)
        {
            var id = reference.Reference.Id;
            if (id is null || !seen.Add(id) || !schemas.TryGetValue(id, out var target))
            {
                return;
            }

            schema = target;
        }

        foreach (var child in (schema.Properties?.Values.AsEnumerable() ?? []).Append(schema.Items).Append(schema.AdditionalProperties)
            .Concat(schema.AllOf ?? []).Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? []))
        {
            Walk(child, schemas, seen);
        }
    }
}
