using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http.Extensions;

namespace MlCustomer.Api.Extensions;

/// <summary>
/// Cursor paging for the API's lists: a cursor is opaque to clients (base64url of the position after the last item
/// of a page), the next page's address goes in a <c>Link: &lt;…&gt;; rel="next"</c> header (RFC 8288), and a cursor
/// that cannot be read is a 400 naming the <c>cursor</c> parameter. Lists keep their bodies, so callers that never
/// page keep working.
/// </summary>
public static class Paging
{
    /// <summary>The query parameter that carries a cursor.</summary>
    public const string CursorParameter = "cursor";

    // Separates the parts of a cursor; never part of an id (ids refuse control characters) or a timestamp.
    private const char Separator = '\u001f';

    /// <summary>Makes a cursor from its parts (the sort key of the last item, or a run and an offset).</summary>
    public static string Encode(params string[] parts) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join(Separator, parts)));

    /// <summary>The parts of a cursor, or null when it was not made by <see cref="Encode"/> with that many parts.</summary>
    public static string[]? Decode(string? cursor, int parts)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 2_000)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split(Separator);
            return decoded.Length == parts ? decoded : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The 400 for a cursor that this list did not hand out.</summary>
    public static Dictionary<string, string[]> BadCursor(string why = "was not handed out by this list") =>
        new() { [CursorParameter] = [$"cursor {why}: start again without it and follow the Link header (rel=\"next\")."] };

    /// <summary>Adds <c>Link: &lt;this path with cursor=…&gt;; rel="next"</c>, keeping the request's other parameters.</summary>
    public static void SetNextLink(HttpContext context, string nextCursor)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = new QueryBuilder(context.Request.Query
            .Where(q => !q.Key.Equals(CursorParameter, StringComparison.OrdinalIgnoreCase))
            .SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))))
        {
            { CursorParameter, nextCursor },
        };
        context.Response.Headers.Link = $"<{context.Request.PathBase}{context.Request.Path}{query.ToQueryString()}>; rel=\"next\"";
    }
}
