using System.Text.Json;
using MlCustomer.Api.Tests.Infrastructure;

namespace MlCustomer.Api.Tests.OpenApi;

/// <summary>
/// What a generated client relies on, checked over every operation of the served document, so an endpoint added
/// without its declarations fails here.
/// </summary>
public sealed class OpenApiContractTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string[] ProblemSchemas = ["#/components/schemas/ProblemDetails", "#/components/schemas/HttpValidationProblemDetails"];

    [Fact]
    public async Task EveryOperationDeclaresTheProblemsThePipelineAnswersWithTheirHeaders()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();

        foreach (var (name, operation) in Operations(document).Where(o => o.Name.Contains(" /api/", StringComparison.Ordinal)))
        {
            var responses = operation.GetProperty("responses");
            void Require(string status, string? header = null)
            {
                if (!responses.TryGetProperty(status, out var response))
                {
                    failures.Add($"{name}: {status} is not declared");
                }
                else if (header is not null && !(response.TryGetProperty("headers", out var headers) && headers.TryGetProperty(header, out _)))
                {
                    failures.Add($"{name}: {status} does not declare the {header} header");
                }
            }

            Require("401", "WWW-Authenticate");
            Require("429", "Retry-After");
            Require("503", "Retry-After");
            if (operation.TryGetProperty("requestBody", out _))
            {
                Require("415");
                Require("400");
            }

            if (operation.TryGetProperty("parameters", out var parameters) && parameters.GetArrayLength() > 0)
            {
                Require("400");
            }

            if (responses.TryGetProperty("202", out _))
            {
                Require("202", "Location");
            }

            var roles = operation.GetProperty("x-required-roles").EnumerateArray().Select(r => r.GetString()).ToList();
            if ((roles.Count == AllRoles.Length) == responses.TryGetProperty("403", out _))
            {
                failures.Add($"{name}: 403 must be declared exactly where a role can be refused (roles: {string.Join(", ", roles)})");
            }

            foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var problem = response.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out var media)
                    ? media
                    : default;
                var reference = problem.ValueKind == JsonValueKind.Object ? problem.GetProperty("schema").GetProperty("$ref").GetString() : null;
                if (!ProblemSchemas.Contains(reference))
                {
                    failures.Add($"{name}: {response.Name} has no application/problem+json ProblemDetails body");
                }
                else if (!problem.TryGetProperty("example", out var example) || example.GetProperty("status").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) != response.Name)
                {
                    failures.Add($"{name}: {response.Name} has no example problem");
                }
            }
        }

        Assert.Empty(failures);
    }

    private static readonly string[] AllRoles = ["scorer", "admin", "marketing"];

    [Fact]
    public async Task EveryKeyIsRefusedExactlyWhereTheDocumentsRolesLeaveItsRoleOut()
    {
        var document = await DocumentAsync();
        var keys = new Dictionary<string, string> { ["scorer"] = ApiFactory.ScorerKey, ["admin"] = ApiFactory.AdminKey, ["marketing"] = ApiFactory.MarketingKey };
        var failures = new List<string>();
        var checkedRefusals = 0;

        foreach (var (name, operation) in Operations(document).Where(o => o.Name.Contains(" /api/", StringComparison.Ordinal)))
        {
            var roles = operation.GetProperty("x-required-roles").EnumerateArray().Select(r => r.GetString()!).ToHashSet();
            var method = new HttpMethod(name.Split(' ')[0].ToUpperInvariant());
            var path = name.Split(' ')[1].Replace("{id}", "no-such-id", StringComparison.Ordinal);
            foreach (var (role, key) in keys)
            {
                // An invalid body of the right type: a role that is let in gets a 400 (or 404) from the endpoint and
                // nothing is changed (no reload, no run); authorization answers before the body is read.
                using var request = new HttpRequestMessage(method, path);
                if (method == HttpMethod.Post)
                {
                    request.Content = path.EndsWith("/csv", StringComparison.Ordinal)
                        ? new StringContent("", System.Text.Encoding.UTF8, "text/csv")
                        : new StringContent("""{ "asOfDate": "not a date", "path": "../not-a-bundle" }""", System.Text.Encoding.UTF8, "application/json");
                }

                using var response = await factory.ClientWith(key).SendAsync(request);
                var refused = response.StatusCode == System.Net.HttpStatusCode.Forbidden;
                checkedRefusals += refused ? 1 : 0;
                if (refused == roles.Contains(role) || response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
                {
                    failures.Add($"{name} with a {role} key: {(int)response.StatusCode}, but x-required-roles is {string.Join(", ", roles)}");
                }
            }
        }

        Assert.Empty(failures);
        Assert.True(checkedRefusals >= 10, $"only {checkedRefusals} refusals were seen");
    }

    [Fact]
    public async Task TheHealthEndpointsAndEveryTagAreDocumented()
    {
        var document = await DocumentAsync();
        var operations = Operations(document).ToDictionary(o => o.Name, o => o.Operation);

        Assert.True(operations["get /health/ready"].GetProperty("responses").TryGetProperty("503", out _));
        Assert.Equal(0, operations["get /health/live"].GetProperty("security").GetArrayLength());
        Assert.All(document.GetProperty("tags").EnumerateArray(), tag => Assert.False(string.IsNullOrEmpty(tag.GetProperty("description").GetString())));
    }

    [Theory]
    [InlineData("get /api/v1/tiers/summary")]
    [InlineData("get /api/v1/retention/targets")]
    public async Task TheViewsOverStoredRunsDeclareTheir404BeforeTheFirstRun(string operation)
    {
        var document = await DocumentAsync();

        var responses = Operations(document).Single(o => o.Name == operation).Operation.GetProperty("responses");

        Assert.True(responses.TryGetProperty("404", out _));
        Assert.True(responses.TryGetProperty("504", out _));
    }

    [Fact]
    public async Task EveryOperationAndParameterIsDescribedAndCsvIsABinaryStream()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();

        foreach (var (name, operation) in Operations(document))
        {
            foreach (var field in new[] { "operationId", "summary", "description" })
            {
                if (!operation.TryGetProperty(field, out var value) || string.IsNullOrWhiteSpace(value.GetString()))
                {
                    failures.Add($"{name}: no {field}");
                }
            }

            foreach (var parameter in operation.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray() : default)
            {
                if (!parameter.TryGetProperty("description", out var description) || string.IsNullOrWhiteSpace(description.GetString()))
                {
                    failures.Add($"{name}: parameter {parameter.GetProperty("name").GetString()} has no description");
                }
            }

            var bodies = (operation.TryGetProperty("requestBody", out var request) ? new[] { request } : [])
                .Concat(operation.GetProperty("responses").EnumerateObject().Select(r => r.Value));
            foreach (var body in bodies)
            {
                if (body.TryGetProperty("content", out var content) && content.TryGetProperty("text/csv", out var csv)
                    && !(csv.GetProperty("schema").GetProperty("type").GetString() == "string"
                        && csv.GetProperty("schema").TryGetProperty("format", out var format) && format.GetString() == "binary"))
                {
                    failures.Add($"{name}: text/csv is not declared as a binary stream");
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task TheTargetListsParametersSayWhatIsRequiredAndTheirRanges()
    {
        var document = await DocumentAsync();

        var parameters = Operations(document).Single(o => o.Name == "get /api/v1/retention/targets").Operation
            .GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);

        Assert.True(parameters["budget"].GetProperty("required").GetBoolean());
        Assert.Equal("1", parameters["saveRate"].GetProperty("schema").GetProperty("maximum").GetRawText());
        Assert.Equal("1", parameters["limit"].GetProperty("schema").GetProperty("minimum").GetRawText());
    }

    [Fact]
    public async Task EveryPropertyIsDescribedAndAReferenceThatCanBeNullSaysSo()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");

        var undescribed = schemas.EnumerateObject()
            .SelectMany(s => s.Value.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => (Schema: s.Name, Property: p)) : [])
            .Where(p => !p.Property.Value.TryGetProperty("description", out var d) || string.IsNullOrWhiteSpace(d.GetString()))
            .Select(p => $"{p.Schema}.{p.Property.Name}");
        var decision = schemas.GetProperty("CustomerScoresResponse").GetProperty("properties").GetProperty("decision");

        Assert.Empty(undescribed);
        Assert.True(decision.GetProperty("nullable").GetBoolean());
    }

    [Fact]
    public async Task AScoreRequestDeclaresHowManyCustomersItMayCarry()
    {
        var document = await DocumentAsync();

        var customers = document.GetProperty("components").GetProperty("schemas").GetProperty("ScoreRequest").GetProperty("properties").GetProperty("customers");

        Assert.Equal((1, 1000), (customers.GetProperty("minItems").GetInt32(), customers.GetProperty("maxItems").GetInt32()));
    }

    [Fact]
    public async Task EveryPropertyOfAnAnswerIsRequiredDatesAreDatesAndClosedSetsAreEnums()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var failures = new List<string>();
        var answers = AnswerSchemas(document);
        Assert.Contains("TiersSummaryResponse", answers);
        Assert.Contains("ScoreResponse", answers);

        foreach (var name in answers)
        {
            var schema = schemas.GetProperty(name);
            if (!schema.TryGetProperty("properties", out var properties))
            {
                continue;
            }

            var required = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()).ToHashSet() : [];
            foreach (var property in properties.EnumerateObject())
            {
                // The one answer property written only where it applies (customer-table bundles' value at risk), so that
                // adding it left transactional answers as they were.
                if (!required.Contains(property.Name) && name is not ("ProblemDetails" or "HttpValidationProblemDetails")
                    && (name, property.Name) is not ("CustomerScoreResult", "valueAtRisk"))
                {
                    failures.Add($"{name}.{property.Name} is not required");
                }

                if (property.Name.EndsWith("Date", StringComparison.Ordinal) &&
                    !(property.Value.TryGetProperty("format", out var format) && format.GetString() == "date"))
                {
                    failures.Add($"{name}.{property.Name} is not format: date");
                }

                if (property.Name is "tier" or "predictedTier" or "riskBand" or "lifecycleStage" && !property.Value.TryGetProperty("enum", out _))
                {
                    failures.Add($"{name}.{property.Name} is not an enum");
                }
            }
        }

        Assert.Empty(failures);
        Assert.Equal(["A", "B", "C", "D"], schemas.GetProperty("TierResult").GetProperty("properties").GetProperty("tier").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    /// <summary>The committed contract; a change to it is a reviewed diff of this file.</summary>
    public static string SnapshotPath => Path.Combine(Requests.RepositoryRoot(), "src", "MlCustomer.Api", "OpenApi", "openapi.v1.json");

    [Fact]
    public async Task TheServedDocumentIsTheCommittedSnapshot()
    {
        using var client = factory.CreateClient();
        var served = Indented(await client.GetStringAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative)));
        // MLCUSTOMER_UPDATE_OPENAPI=1 dotnet test --filter TheServedDocumentIsTheCommittedSnapshot rewrites the snapshot.
        if (Environment.GetEnvironmentVariable("MLCUSTOMER_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(SnapshotPath, served);
        }

        var committed = File.Exists(SnapshotPath) ? Indented(await File.ReadAllTextAsync(SnapshotPath)) : "";

        Assert.True(committed == served,
            $"The served OpenAPI document differs from {SnapshotPath}: if the change is meant, rewrite it with " +
            "MLCUSTOMER_UPDATE_OPENAPI=1 dotnet test tests/MlCustomer.Api.Tests --filter TheServedDocumentIsTheCommittedSnapshot and review the diff.");
    }

    private static readonly JsonSerializerOptions SnapshotFormat = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static string Indented(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, SnapshotFormat)
            .ReplaceLineEndings("\n") + "\n";

    private async Task<JsonElement> DocumentAsync()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return (await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync())).RootElement.Clone();
    }

    private static IEnumerable<(string Name, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => ($"{operation.Name} {path.Name}", operation.Value)));

    // Schemas reachable from a 2xx answer.
    private static HashSet<string> AnswerSchemas(JsonElement document)
    {
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<JsonElement>(Operations(document)
            .SelectMany(o => o.Operation.GetProperty("responses").EnumerateObject())
            .Where(r => r.Name[0] == '2' && r.Value.TryGetProperty("content", out _))
            .SelectMany(r => r.Value.GetProperty("content").EnumerateObject().Select(c => c.Value)));
        while (queue.TryDequeue(out var node))
        {
            if (node.ValueKind == JsonValueKind.Object)
            {
                if (node.TryGetProperty("$ref", out var reference) && reference.GetString()!.Split('/')[^1] is var id && seen.Add(id))
                {
                    queue.Enqueue(schemas.GetProperty(id));
                }

                foreach (var child in node.EnumerateObject())
                {
                    queue.Enqueue(child.Value);
                }
            }
            else if (node.ValueKind == JsonValueKind.Array)
            {
                foreach (var child in node.EnumerateArray())
                {
                    queue.Enqueue(child);
                }
            }
        }

        return seen;
    }
}
