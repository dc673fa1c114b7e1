using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MlCustomer.Api.Customers;
using MlCustomer.Api.Models;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace.CustomerCard;

/// <summary>One customer's card: what GET /api/v1/customers/{id} answers (the page calls its handler), laid out for a person.</summary>
public sealed class CustomerCardModel(ScoreStore store, ModelHost host) : PageModel
{
    /// <summary>The customer's stored scores and decision.</summary>
    public CustomerScoresResponse? Customer { get; private set; }

    /// <summary>Why there is no card (an unknown id).</summary>
    public string? Problem { get; private set; }

    /// <summary>What the API adds to it.</summary>
    public string? ProblemDetail { get; private set; }

    /// <summary>The id asked for.</summary>
    public string Id { get; private set; } = "";

    /// <summary>The currency of every amount, from the bundle.</summary>
    public string? Currency { get; private set; }

    /// <summary>Reads the card; an unknown id answers 404 with a clear message.</summary>
    public async Task OnGetAsync(string id, CancellationToken cancellationToken)
    {
        Id = id;
        Currency = (ModelsApi.GetModel(host).Result as Ok<ModelInfo>)?.Value?.Currency;
        switch ((await CustomersApi.GetCustomer(id, store, host, cancellationToken)).Result)
        {
            case Ok<CustomerScoresResponse> ok:
                Customer = ok.Value;
                break;
            case ProblemHttpResult problem:
                Problem = problem.ProblemDetails.Title;
                ProblemDetail = problem.ProblemDetails.Detail;
                Response.StatusCode = problem.StatusCode;
                break;
        }
    }

    /// <summary>A reason's contribution with its sign: +0.12 raises the score, −0.08 lowers it.</summary>
    public static string Contribution(double value) =>
        (value >= 0 ? "+" : "−") + Math.Abs(value).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An effect in its unit: churn in percentage points ("+18.2 points"), value in the currency ("−12.40 EUR").</summary>
    public static string Effect(double value, string unit) => unit == "points"
        ? (value >= 0 ? "+" : "−") + Math.Abs(value * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " points"
        : (value >= 0 ? "+" : "−") + Math.Abs(value).ToString("N2", System.Globalization.CultureInfo.InvariantCulture) + " " + unit;

    /// <summary>A baseline in its unit: churn as a percentage, value as an amount.</summary>
    public static string Level(double value, string unit) => unit == "points"
        ? (value * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%"
        : value.ToString("N2", System.Globalization.CultureInfo.InvariantCulture) + " " + unit;

    /// <summary>An 80% interval as "P10 0.00 · P50 0.00 · P90 412.50 EUR".</summary>
    public static string Interval(ValueIntervalResult interval, string? currency)
    {
        ArgumentNullException.ThrowIfNull(interval);
        return $"P10 {Figures.Amount(interval.P10, null)} · P50 {Figures.Amount(interval.P50, null)} · P90 {Figures.Amount(interval.P90, currency)}";
    }

    /// <summary>A count of days, or none.</summary>
    public static string Days(double? days) => days is { } d ? Figures.Count((long)Math.Round(d)) + " days" : Figures.None;
}
