using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using MlCustomer.Api.Extensions;
using MlCustomer.Api.Security;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace MlCustomer.Api.OpenApi;

/// <summary>
/// Declares what the pipeline answers around every operation, read from the endpoint's metadata rather than written
/// per handler: 401 with WWW-Authenticate, 403 only where a role can be refused (and the roles as
/// <c>x-required-roles</c>), 429 and 503 with Retry-After, 413 where a body limit applies, 415 and 400 where there is a
/// body or a parameter to refuse, 504 where a request timeout applies, Location on 202; CSV as a binary stream.
/// A new endpoint gets all of it from the metadata it already needs to work (authorization, limits, timeouts).
/// </summary>
internal sealed class ApiContractOperationFilter(IOptions<AuthorizationOptions> authorization) : IOperationFilter
{
    // Every role an API key can have, in the order the document lists them.
    private static readonly string[] ApiKeyRoles = [ApiRoles.Scorer, ApiRoles.Admin, ApiRoles.Marketing];

    private const string ProblemJson = "application/problem+json";
    private const string Csv = "text/csv";

    // The query and route parameters in words, with the ranges the handlers enforce (a 400 outside them).
    private static readonly Dictionary<string, (string Description, bool Required, string? Minimum, string? Maximum, bool ExclusiveMinimum)> Parameters =
        new(StringComparer.Ordinal)
        {
            ["GetCustomer.id"] = ("The customer's id, as in the data files (1–200 characters).", true, null, null, false),
            ["SearchCustomers.prefix"] = ("The start of the customer id, case-sensitive (at most 200 characters); empty or left out lists every customer.", false, null, null, false),
            ["SearchCustomers.page"] = ("The page, from 1 (default 1).", false, "1", null, false),
            ["SearchCustomers.pageSize"] = ("Customers per page, 1–100 (default 20).", false, "1", "100", false),
            ["GetMovement.from"] = ("The earlier scoring run's id; left out, the latest succeeded run before the later one.", false, null, null, false),
            ["GetMovement.to"] = ("The later scoring run's id; left out, the current run.", false, null, null, false),
            ["GetMovementCustomers.from"] = ("The earlier scoring run's id; left out, the latest succeeded run before the later one.", false, null, null, false),
            ["GetMovementCustomers.to"] = ("The later scoring run's id; left out, the current run.", false, null, null, false),
            ["GetMovementCustomers.category"] = ("The movement category to list: sleeping, worthCultivating, fastGrowing, declining, loyal, steady, new or gone (or give fromTier and toTier instead).", false, null, null, false),
            ["GetMovementCustomers.fromTier"] = ("With toTier, instead of a category: the migration cell's tier in the earlier run (A–D).", false, null, null, false),
            ["GetMovementCustomers.toTier"] = ("With fromTier, instead of a category: the migration cell's tier in the later run (A–D).", false, null, null, false),
            ["GetMovementCustomers.page"] = ("The page, from 1 (default 1).", false, "1", null, false),
            ["GetMovementCustomers.pageSize"] = ("Customers per page, 1–200 (default 50).", false, "1", "200", false),
            ["EraseCustomer.id"] = ("The customer's id, as in the data files (1–200 characters).", true, null, null, false),
            ["ListScoringRuns.limit"] = ("How many runs on a page, newest first (1–200; default 50).", false, "1", "200", false),
            ["ListScoringRuns.cursor"] = (CursorWords, false, null, null, false),
            ["GetScoringRun.id"] = ("The scoring run's id, from the Location of POST /api/v1/scoring-runs.", true, null, null, false),
            ["GetScoringRunDrift.id"] = ("The scoring run's id, from the Location of POST /api/v1/scoring-runs.", true, null, null, false),
            ["GetScoringRunData.id"] = ("The scoring run's id, from the Location of POST /api/v1/scoring-runs.", true, null, null, false),
            ["GetModelReloads.limit"] = ("How many audit entries on a page, newest first (1–1,000; default 50).", false, "1", "1000", false),
            ["GetModelReloads.cursor"] = (CursorWords, false, null, null, false),
            ["GetRetentionTargets.budget"] = ("The most the offers on the list may cost in total, in the bundle's currency (above 0).", true, "0", null, true),
            ["GetRetentionTargets.offerCost"] = ("One offer cost for every customer, in the bundle's currency (above 0); left out, each action's own cost from the rules.", false, "0", null, true),
            ["GetRetentionTargets.saveRate"] = ("The share of targeted churners an offer keeps, above 0 and at most 1; left out, the rules' save rate.", false, "0", "1", true),
            ["GetRetentionTargets.actionCost"] = ("The offer cost of one action instead of its own, as action:amount in the bundle's currency (e.g. vip-retention:40, above 0); repeat for several actions; offerCost wins over it.", false, null, null, false),
            ["GetRetentionTargets.limit"] = ("The most customers on the list (at least 1); left out, no limit but the budget.", false, "1", null, false),
            ["GetRetentionTargets.pageSize"] = ("Customers per page of the JSON list (1–10,000); left out, the whole list in one answer. The totals always describe the whole list; the CSV download is never paged.", false, "1", "10000", false),
            ["GetRetentionTargets.cursor"] = ("Where the page starts: the previous page's nextCursor (also in its Link header). It is only valid for the same settings and while the same scoring run is current; otherwise 400.", false, null, null, false),
            ["ScoreCsv.decisions"] = ("Whether to write the rules' decision columns (default true); false is about 3× faster.", false, null, null, false),
        };

    private const string CursorWords = "Where the page starts: the cursor in the previous page's Link header (rel=\"next\"); left out, the first page. A cursor this list did not hand out is a 400.";

    // Query parameters that take a closed set (the handler refuses other values with a 400 listing them).
    private static readonly Dictionary<string, string[]> ParameterSets = new(StringComparer.Ordinal)
    {
        ["GetRetentionTargets.tier"] = [.. Enum.GetValues<ProfitTier>().Select(v => WireNames.Canonical(v))],
        ["GetRetentionTargets.stage"] = [.. Enum.GetValues<LifecycleStage>().Select(v => WireNames.Canonical(v))],
    };

    // The lists that page: their 200 carries the next page's address.
    private static readonly HashSet<string> PagedLists = new(StringComparer.Ordinal) { "ListScoringRuns", "GetModelReloads", "GetRetentionTargets" };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var path = "/" + context.ApiDescription.RelativePath;
        operation.Responses ??= [];
        BinaryCsv(operation);

        // The endpoint's summary is for clients; a handler's XML summary (which the XML filter put there) is the detail.
        if (metadata.OfType<IEndpointSummaryMetadata>().LastOrDefault()?.Summary is { } summary && operation.Summary != summary)
        {
            operation.Description = operation.Summary?.ReplaceLineEndings(" ");
            operation.Summary = summary;
        }

        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (Parameters.TryGetValue($"{operation.OperationId}.{parameter.Name}", out var words))
            {
                parameter.Description = words.Description;
                parameter.Required = words.Required;
                if (parameter.Schema is OpenApiSchema schema)
                {
                    schema.Minimum = words.ExclusiveMinimum ? null : words.Minimum;
                    schema.ExclusiveMinimum = words.ExclusiveMinimum ? words.Minimum : null;
                    schema.Maximum = words.Maximum;
                }
            }

            if (ParameterSets.TryGetValue($"{operation.OperationId}.{parameter.Name}", out var values) && parameter.Schema is OpenApiSchema closed)
            {
                closed.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            }
        }

        if (PagedLists.Contains(operation.OperationId ?? "") && operation.Responses.TryGetValue("200", out var listed) && listed is OpenApiResponse listResponse)
        {
            listResponse.Headers ??= new Dictionary<string, IOpenApiHeader>();
            listResponse.Headers["Link"] = new OpenApiHeader
            {
                Description = "The next page's address, as <path?…&cursor=…>; rel=\"next\" (RFC 8288); absent on the last page.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }

        if (!path.StartsWith(MlCustomerApiExtensions.ApiPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        var validation = context.SchemaGenerator.GenerateSchema(typeof(HttpValidationProblemDetails), context.SchemaRepository);
        var retryAfter = new OpenApiHeader
        {
            Description = "Seconds to wait before retrying.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
        };

        // The roles come from the policies the endpoint is authorized with (every one must pass, so their allowed roles
        // intersect): what the document says is what the authorization middleware enforces.
        var roles = ApiKeyRoles.ToList();
        foreach (var policyName in metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct())
        {
            var allowed = authorization.Value.GetPolicy(policyName)?.Requirements.OfType<RolesAuthorizationRequirement>()
                .SelectMany(r => r.AllowedRoles) ?? [];
            roles.RemoveAll(role => !allowed.Contains(role, StringComparer.Ordinal));
        }

        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions["x-required-roles"] = new JsonNodeExtension(new JsonArray([.. roles.Select(r => JsonValue.Create(r))]));
        operation.Description ??= operation.Summary;
        operation.Description += $" Needs a key with the role {Either(roles)} (X-Api-Key).";

        Problem(operation, 401, "No API key, or one that is not known.", problem,
            ("WWW-Authenticate", new OpenApiHeader { Description = "The scheme to authenticate with: ApiKey, header X-Api-Key.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } }));
        if (roles.Count < ApiKeyRoles.Length)
        {
            Problem(operation, 403, $"The key's role may not call this operation (it needs {Either(roles)}).", problem);
        }
        else
        {
            operation.Responses.Remove("403");
        }

        Problem(operation, 429, "This API key's request rate is reached.", problem, ("Retry-After", retryAfter));
        Problem(operation, 503, "The service is overloaded or not ready (no model loaded yet).", problem, ("Retry-After", retryAfter));
        if (metadata.OfType<IRequestSizeLimitMetadata>().Any())
        {
            Problem(operation, 413, "The body is larger than this operation accepts.", problem);
        }

        if (operation.RequestBody is not null)
        {
            Problem(operation, 415, "The body was sent with another Content-Type than the one this operation reads.", problem);
        }

        if (operation.RequestBody is not null || operation.Parameters is { Count: > 0 })
        {
            Problem(operation, 400, "A parameter or the body is invalid: errors lists each problem by field.", validation);
        }

        if (metadata.OfType<RequestTimeoutAttribute>().Any() || metadata.OfType<RequestTimeoutPolicy>().Any())
        {
            Problem(operation, 504, "The request took longer than its time limit and was stopped.", problem);
        }

        // The problems an endpoint declares itself (404, 409, 422) get an example too.
        foreach (var (key, declared) in operation.Responses)
        {
            if (key[0] is '4' or '5' && int.TryParse(key, System.Globalization.CultureInfo.InvariantCulture, out var status)
                && declared.Content?.TryGetValue(ProblemJson, out var media) == true && media is OpenApiMediaType { Example: null } concrete)
            {
                concrete.Example = Example(status, declared.Description);
            }
        }

        if (operation.Responses.TryGetValue("202", out var accepted) && accepted is OpenApiResponse acceptedResponse)
        {
            acceptedResponse.Headers ??= new Dictionary<string, IOpenApiHeader>();
            acceptedResponse.Headers["Location"] = new OpenApiHeader
            {
                Description = "Where to follow the accepted work (GET it until it is done).",
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
            };
        }
    }

    // "scorer", "scorer or admin", "scorer, admin or marketing".
    private static string Either(IReadOnlyList<string> roles) =>
        roles.Count <= 1 ? string.Concat(roles) : $"{string.Join(", ", roles.Take(roles.Count - 1))} or {roles[^1]}";

    // Every problem this operation can answer, with the body it carries; one already declared keeps its description.
    private static void Problem(OpenApiOperation operation, int status, string description, IOpenApiSchema schema, params (string Name, OpenApiHeader Header)[] headers)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!operation.Responses!.TryGetValue(key, out var existing) || existing is not OpenApiResponse response)
        {
            response = new OpenApiResponse();
            operation.Responses[key] = response;
        }

        if (string.IsNullOrEmpty(response.Description) || response.Description is "Bad Request" or "Unauthorized" or "Forbidden" or "Not Found"
            or "Too Many Requests" or "Service Unavailable" or "Payload Too Large" or "Conflict" or "Unprocessable Entity")
        {
            response.Description = description;
        }

        response.Content ??= new Dictionary<string, IOpenApiMediaType>();
        response.Content.Clear();
        response.Content[ProblemJson] = new OpenApiMediaType { Schema = schema, Example = Example(status, response.Description) };
        foreach (var (name, header) in headers)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[name] = header;
        }
    }

    // What such a problem looks like (an error example beside the success examples); the detail is the declared meaning.
    private static JsonObject Example(int status, string? detail)
    {
        var example = new JsonObject
        {
            ["type"] = status switch
            {
                413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                429 => "https://tools.ietf.org/html/rfc6585#section-4",
                >= 500 => $"https://tools.ietf.org/html/rfc9110#section-15.6.{status - 499}",
                _ => $"https://tools.ietf.org/html/rfc9110#section-15.5.{status - 399}",
            },
            ["title"] = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            ["status"] = status,
            ["detail"] = detail,
        };
        if (status == 400)
        {
            example["errors"] = new JsonObject { ["<field, parameter or line[n]>"] = new JsonArray("what is wrong with it, in the API's words") };
        }

        return example;
    }

    // CSV bodies are streams of bytes: declared as a string, generators send a JSON string (NSwag) or JSON (openapi-fetch).
    private static void BinaryCsv(OpenApiOperation operation)
    {
        if (operation.RequestBody?.Content is { } request && request.TryGetValue(Csv, out var sent) && sent is OpenApiMediaType sentMedia)
        {
            sentMedia.Schema = Binary();
        }

        foreach (var response in operation.Responses!.Values)
        {
            if (response.Content is { } content && content.TryGetValue(Csv, out var answered) && answered is OpenApiMediaType answeredMedia)
            {
                answeredMedia.Schema = Binary();
            }
        }
    }

    private static OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };
}
