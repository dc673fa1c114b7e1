using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Customers;
using MlCustomer.Api.Models;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace.Customers;

/// <summary>
/// Customer search by id: the page calls GET /api/v1/customers' handler (one page of the ids that start with what was
/// typed) and opens the card straight away when the id typed is a customer's whole id.
/// </summary>
public sealed class CustomersModel(ScoreStore store, ModelHost host) : PageModel
{
    /// <summary>What was typed: the whole id or its start.</summary>
    [BindProperty(SupportsGet = true, Name = "id")]
    public string? Id { get; set; }

    /// <summary>The page of matches, from 1.</summary>
    [BindProperty(SupportsGet = true, Name = "pageNumber")]
    public int? PageNumber { get; set; }

    /// <summary>The matches.</summary>
    public CustomerSearchResponse? Found { get; private set; }

    /// <summary>Why there is nothing to search (no run yet) or the search was refused.</summary>
    public string? Problem { get; private set; }

    /// <summary>The currency of every amount, from the bundle.</summary>
    public string? Currency { get; private set; }

    /// <summary>Searches, or opens the card of an exact id.</summary>
    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Currency = (ModelsApi.GetModel(host).Result as Ok<ModelInfo>)?.Value?.Currency;
        Id = Id?.Trim();
        if (string.IsNullOrEmpty(Id))
        {
            Id = null;
            return Page();
        }

        switch ((await CustomersApi.SearchCustomers(Id, PageNumber is < 1 ? 1 : PageNumber, 20, store, cancellationToken)).Result)
        {
            case Ok<CustomerSearchResponse> ok:
                Found = ok.Value;
                break;
            case ValidationProblem invalid:
                Problem = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                return Page();
            case ProblemHttpResult problem:
                Problem = problem.ProblemDetails.Title;
                return Page();
        }

        // A whole id typed on the first page opens its card: the search is how a marketer gets to a customer.
        if (Found!.Page == 1 && Found.Customers.Count > 0 && string.Equals(Found.Customers[0].CustomerId, Id, StringComparison.Ordinal)
            && (Found.Customers.Count == 1 || Request.Query["list"] != "1"))
        {
            return RedirectToPage("/CustomerCard/CustomerCard", new { id = Found.Customers[0].CustomerId });
        }

        return Page();
    }
}
