using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Models;
using MlCustomer.Api.Movement;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace.MovementCustomers;

/// <summary>The customers of one movement category or migration cell, a page at a time, as GET /api/v1/movement/customers answers them.</summary>
public sealed class MovementCustomersModel(ScoreStore store, ModelHost host) : PageModel
{
    /// <summary>Customers per page.</summary>
    public const int PageSize = 50;

    /// <summary>The earlier run.</summary>
    [BindProperty(SupportsGet = true, Name = "from")]
    public string? From { get; set; }

    /// <summary>The later run.</summary>
    [BindProperty(SupportsGet = true, Name = "to")]
    public string? To { get; set; }

    /// <summary>The category listed.</summary>
    [BindProperty(SupportsGet = true, Name = "category")]
    public string? Category { get; set; }

    /// <summary>The cell's earlier tier.</summary>
    [BindProperty(SupportsGet = true, Name = "fromTier")]
    public string? FromTier { get; set; }

    /// <summary>The cell's later tier.</summary>
    [BindProperty(SupportsGet = true, Name = "toTier")]
    public string? ToTier { get; set; }

    /// <summary>The page, from 1.</summary>
    [BindProperty(SupportsGet = true, Name = "pageNumber")]
    public int? PageNumber { get; set; }

    /// <summary>The page of customers.</summary>
    public MovementCustomersResponse? List { get; private set; }

    /// <summary>Why there is no list.</summary>
    public string? Problem { get; private set; }

    /// <summary>The currency of every amount, from the bundle.</summary>
    public string? Currency { get; private set; }

    /// <summary>Reads the page.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Currency = (ModelsApi.GetModel(host).Result as Ok<ModelInfo>)?.Value?.Currency;
        switch ((await MovementApi.GetMovementCustomers(From, To, Category, FromTier, ToTier, PageNumber is < 1 ? 1 : PageNumber, PageSize, store, cancellationToken)).Result)
        {
            case Ok<MovementCustomersResponse> ok:
                List = ok.Value;
                break;
            case ValidationProblem invalid:
                Problem = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                Response.StatusCode = StatusCodes.Status400BadRequest;
                break;
            case ProblemHttpResult problem:
                Problem = $"{problem.ProblemDetails.Title}. {problem.ProblemDetails.Detail}";
                Response.StatusCode = problem.StatusCode;
                break;
        }
    }

    /// <summary>What is listed, in words.</summary>
    public string What => List is { Category: { } c } ? $"Category {c}" : List is { } l ? $"Tier {l.FromTier} → {l.ToTier}" : "Customers";

    /// <summary>The address of another page of this list.</summary>
    public string Link(int page)
    {
        var query = Request.Query.Where(q => q.Key != "pageNumber").SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"));
        return $"/movement/customers?{string.Join("&", query)}&pageNumber={page}";
    }
}
