namespace MlCustomer.Api.Workspace;

/// <summary>Previous / next links of a paged list; <paramref name="Link"/> writes the address of a page with the list's own query.</summary>
/// <param name="Page">The page shown, from 1.</param>
/// <param name="HasMore">Whether a next page exists.</param>
/// <param name="Link">The address of page n.</param>
public sealed record Pager(int Page, bool HasMore, Func<int, string> Link);
