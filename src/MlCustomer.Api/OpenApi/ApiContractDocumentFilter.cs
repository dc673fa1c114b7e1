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
        ["outcome"] = ["succeeded", "forced", "refused-not-better", "refused"],
        ["inputKind"] = ["transactional", "customer-table"],
    };

    // Answer properties left out when they do not apply, so that adding them changed no other answer's shape
    // (CustomerScoreResult.valueAtRisk: customer-table bundles only).
    private static readonly HashSet<(string Schema, string Property)> WrittenOnlyWhenSet = [("CustomerScoreResult", "valueAtRisk")];

    // What a request must carry, as the handlers refuse it without (ScoreInputs names the missing field in a 400).
    // ReloadRequest and ScoringRunRequest have only optional members.
    private static readonly Dictionary<string, string[]> RequestRequired = new(StringComparer.Ordinal)
    {
        ["ScoreRequest"] = ["customers"],
        ["CustomerInput"] = ["customerId"],
        ["CustomerHistory"] = ["transactions"],
        ["TransactionInput"] = ["order_id", "order_date", "quantity", "revenue"],
        ["ServiceEventInput"] = ["event_date"],
    };

    private static readonly Dictionary<string, string> ProblemMembers = new(StringComparer.Ordinal)
    {
        ["type"] = "A URI that identifies the kind of problem (the HTTP status's section of its RFC).",
        ["title"] = "What went wrong, in a short sentence that is the same for every occurrence.",
        ["status"] = "The HTTP status code.",
        ["detail"] = "What went wrong this time and what to do about it.",
        ["instance"] = "The request the problem is about, when given.",
        ["errors"] = "Each problem by field: the JSON path (customers[0].features.recency_days), the query parameter or, for CSV, line[n] and line[n].column.",
    };

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Scores"] = "Score customers now: churn probability, segment, predicted profit and revenue with reasons, and the profit rules' decision.",
        ["Models"] = "The active model bundle (version, metrics, feature contract) and its safe reload.",
        ["Scoring runs"] = "Score every customer in the configured data at an as-of date in the background, store the results, check drift.",
        ["Customers"] = "What the latest succeeded scoring run stored about one customer.",
        ["Segments"] = "The active bundle's customer segments with their names and profiles.",
        ["Retention"] = "Whom to give a retention offer within a budget, from the latest succeeded scoring run.",
        ["Tiers"] = "The customer pyramid (profit tiers A–D) from the latest succeeded scoring run.",
        ["Movement"] = "How customers moved between two stored scoring runs: the tier migration matrix and the movement categories with their customers.",
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        swaggerDoc.Servers = [new OpenApiServer { Url = "/", Description = "This service (paths start with /api/v1)." }];
        swaggerDoc.Info.Contact ??= new OpenApiContact { Name = "The team that runs this MlCustomer service" };
        // The service has no public licence: its terms are the operator's, published where the service lives.
        swaggerDoc.Info.License ??= new OpenApiLicense
        {
            Name = "Proprietary: the terms of the business that runs this service",
            Url = new Uri("/", UriKind.Relative),
        };
        foreach (var tag in swaggerDoc.Tags ?? new HashSet<OpenApiTag>())
        {
            tag.Description ??= TagDescriptions.GetValueOrDefault(tag.Name ?? "");
        }

        AddHealth(swaggerDoc);
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
            // A property wrapped in allOf (to carry nullable and a description) is an object: OpenAPI 3.0 lets nullable
            // stand only beside a type, and linters and generators read it only then.
            foreach (var wrapped in (schema.Properties?.Values.AsEnumerable() ?? []).OfType<OpenApiSchema>()
                .Where(p => p.AllOf is { Count: > 0 } && ((p.Type ?? 0) & ~JsonSchemaType.Null) == 0
                    && p.AllOf.All(a => Target(a, schemas)?.Type is JsonSchemaType.Object)))
            {
                wrapped.Type = JsonSchemaType.Object | (wrapped.Type ?? 0);
            }

            if (requestOnly.Contains(name) && schema is OpenApiSchema sent && RequestRequired.TryGetValue(name, out var must))
            {
                sent.Required = new HashSet<string>(must, StringComparer.Ordinal);
            }

            if (schema is not OpenApiSchema concrete || concrete.Properties is not { Count: > 0 } properties || requestOnly.Contains(name))
            {
                continue;
            }

            // ProblemDetails' members are optional by the RFC; the API always writes type, title and status.
            if (name is "ProblemDetails" or "HttpValidationProblemDetails")
            {
                concrete.Required = new HashSet<string>(StringComparer.Ordinal) { "type", "title", "status" };
                concrete.Description ??= "A problem (RFC 9457) in the API's words; extra members such as traceId may follow.";
                foreach (var (property, propertySchema) in properties)
                {
                    if (propertySchema is OpenApiSchema member && ProblemMembers.TryGetValue(property, out var words))
                    {
                        member.Description ??= words;
                    }
                }

                continue;
            }

            concrete.Required = new HashSet<string>(properties.Keys.Where(p => !WrittenOnlyWhenSet.Contains((name, p))), StringComparer.Ordinal);
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

    // The health endpoints are mapped by the health-check middleware, which API Explorer does not see; an orchestrator
    // or a client polling readiness needs them documented as much as the API. No key is needed for either.
    private static void AddHealth(OpenApiDocument document)
    {
        OpenApiPathItem Path(string operationId, string summary, string description, bool canBeUnhealthy)
        {
            var responses = new OpenApiResponses
            {
                ["200"] = PlainText("Healthy."),
                // The only refusal a health check can meet: the web server's own, before any endpoint runs.
                ["400"] = new OpenApiResponse { Description = "A malformed HTTP request, refused by the web server before the check runs (no body)." },
            };
            if (canBeUnhealthy)
            {
                responses["503"] = PlainText("Unhealthy: <reason> (no bundle loaded yet, or the start bundle is missing or refused).");
            }

            return new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new()
                    {
                        OperationId = operationId,
                        Summary = summary,
                        Description = description,
                        Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                        Security = [],
                        Responses = responses,
                    },
                },
            };
        }

        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "Health", Description = "Liveness and readiness, without a key; never rate-limited or shed." });
        document.Paths.Add("/health/live", Path("GetLiveness", "Whether the process serves requests",
            "Answers 200 'Healthy' as soon as the process serves requests; runs no check.", canBeUnhealthy: false));
        document.Paths.Add("/health/ready", Path("GetReadiness", "Whether a model bundle is loaded and warmed up",
            "200 'Healthy' once the start bundle is loaded and warmed up; 503 with the reason until then.", canBeUnhealthy: true));
    }

    private static IOpenApiSchema? Target(IOpenApiSchema schema, IDictionary<string, IOpenApiSchema> schemas) =>
        schema is OpenApiSchemaReference { Reference.Id: { } id } ? (schemas.TryGetValue(id, out var target) ? target : null) : schema;

    private static OpenApiResponse PlainText(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType>
        {
            ["text/plain"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
        },
    };

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
