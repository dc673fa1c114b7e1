using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace MlCustomer.Api.OpenApi;

/// <summary>Request and response examples attached to an endpoint as metadata, shown in Swagger UI.</summary>
/// <param name="Request">Example request body.</param>
/// <param name="Response">Example 200 response body.</param>
/// <param name="ContentType">The media type both are in.</param>
public sealed record ApiExamples(string? Request, string? Response, string ContentType = "application/json");

/// <summary>Copies <see cref="ApiExamples"/> metadata into the OpenAPI operation.</summary>
internal sealed class ApiExamplesOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var examples = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ApiExamples>().FirstOrDefault();
        if (examples is null)
        {
            return;
        }

        if (examples.Request is not null && operation.RequestBody?.Content is { } requestContent)
        {
            foreach (var (type, media) in requestContent)
            {
                if (type == examples.ContentType && media is OpenApiMediaType concrete)
                {
                    concrete.Example = Node(examples.Request, examples.ContentType);
                }
            }
        }

        if (examples.Response is not null && operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } responseContent)
        {
            foreach (var (type, media) in responseContent)
            {
                if (type == examples.ContentType && media is OpenApiMediaType concrete)
                {
                    concrete.Example = Node(examples.Response, examples.ContentType);
                }
            }
        }
    }

    private static JsonNode? Node(string example, string contentType) =>
        contentType == "application/json" ? JsonNode.Parse(example) : JsonValue.Create(example);
}
