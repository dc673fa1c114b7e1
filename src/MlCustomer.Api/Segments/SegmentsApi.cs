using Microsoft.AspNetCore.Http.HttpResults;
using MlCustomer.Api.Models;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Security;
using MlCustomer.Core.Segments;

namespace MlCustomer.Api.Segments;

/// <summary>The segments of the active bundle.</summary>
/// <param name="ModelVersion">The bundle.</param>
/// <param name="Criterion">How the number of segments was chosen; null when the bundle has no segmentation.</param>
/// <param name="Segments">One profile per segment (empty for customer-table bundles).</param>
public sealed record SegmentsResponse(string ModelVersion, string? Criterion, IReadOnlyList<SegmentProfile> Segments);

/// <summary>Segment profiles.</summary>
public static class SegmentsApi
{
    /// <summary>Maps <c>/segments</c>.</summary>
    public static RouteGroupBuilder MapSegmentsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/segments").WithTags("Segments").RequireAuthorization(ApiRoles.ReaderPolicy);
        group.MapGet("/", GetSegments)
            .WithName("GetSegments")
            .WithSummary("Segment profiles of the active bundle: size, value, centre and name")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>The active bundle's segment profiles.</summary>
    public static Results<Ok<SegmentsResponse>, ProblemHttpResult> GetSegments(ModelHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var lease = host.Acquire();
        if (lease is null)
        {
            return ScoresApi.NotReady(host);
        }

        var card = lease.Generation.Card;
        return TypedResults.Ok(new SegmentsResponse(card.Version, card.Segments?.Criterion, card.Segments?.Profiles ?? []));
    }
}
