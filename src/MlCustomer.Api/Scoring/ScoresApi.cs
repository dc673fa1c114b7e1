using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Models;
using MlCustomer.Api.OpenApi;
using MlCustomer.Api.Security;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.CustomerTables;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Scoring;

namespace MlCustomer.Api.Scoring;

/// <summary>Scoring customers on demand: JSON for one to 1,000 customers, CSV streamed for any number.</summary>
public static class ScoresApi
{
    /// <summary>Maps <c>/scores</c> and <c>/scores/csv</c>.</summary>
    public static RouteGroupBuilder MapScoresApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var limits = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<LimitOptions>>().Value;
        var group = api.MapGroup("/scores").WithTags("Scores").RequireAuthorization(ApiRoles.ScorerPolicy);

        group.MapPost("/", ScoreCustomers)
            .WithName("ScoreCustomers")
            .WithSummary("Score 1 to 1,000 customers from precomputed features or raw history")
            .WithMetadata(new RequestSizeLimitAttribute(limits.ScoresBodyBytes))
            .WithMetadata(ScoreExamples.Scores)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithRequestTimeout(ApiLimits.JsonTimeoutPolicy);

        group.MapPost("/csv", ScoreCsv)
            .WithName("ScoreCsv")
            .WithSummary("Score a CSV of precomputed features (header: customer_id and the feature names), streamed back as CSV with the rules' decision columns (decisions=false leaves them out, about 3× faster)")
            .Accepts<string>("text/csv")
            .WithMetadata(new RequestSizeLimitAttribute(limits.CsvBodyBytes))
            .WithMetadata(ScoreExamples.Csv)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithRequestTimeout(ApiLimits.CsvTimeoutPolicy);
        return group;
    }

    /// <summary>
    /// Validates every customer against the active model's contract, then scores them with that one
    /// model: a single customer through the pooled prediction engines, a batch through the batch scorer.
    /// </summary>
    public static Results<Ok<ScoreResponse>, ValidationProblem, ProblemHttpResult> ScoreCustomers(
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] ScoreRequest? request, ModelHost host, IOptions<ScoringOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        if (request is null)
        {
            // An empty body or the JSON null: said in the product's words rather than the framework's.
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]>
                {
                    ["body"] = [$"is empty or null: the body must be a JSON object with 'customers' (1 to {options.Value.MaxCustomersPerRequest:N0}, each with 'customerId' and 'features' or 'history')"],
                },
                title: "The request has no customers",
                detail: "Nothing was scored; an example request is in the OpenAPI document (/swagger).");
        }

        using var lease = host.Acquire();
        if (lease is null)
        {
            return NotReady(host);
        }

        var generation = lease.Generation;
        var scoring = options.Value;
        var batch = ScoreInputs.Prepare(request, generation.Inputs, scoring, Today(time));
        if (batch.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(batch.Errors,
                title: "The request has invalid customers",
                detail: $"Nothing was scored. Every problem is listed by field; the contract is at GET /api/v1/models (model {generation.Version}).");
        }

        var customers = batch.Customers;
        var modelStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        IReadOnlyList<CustomerScore> scores = customers.Count == 1
            ? [generation.PredictOne(customers[0].Row, customers[0].SegmentVector, scoring.Reasons)]
            : generation.PredictMany(customers.Select(c => c.Row).ToList(), customers.Select(c => c.SegmentVector).ToList(), scoring.Reasons);
        Observability.ApiTelemetry.Scored(Observability.ApiTelemetry.OnlinePath, generation.Version, scores, System.Diagnostics.Stopwatch.GetElapsedTime(modelStarted));
        var results = scores
            .Select((s, i) => ToResult(s, customers[i].Warnings, scoring, generation.Card.AmountUnits(), generation.Decisions.Decide(customers[i].Row, s),
                customerTable: generation.Card.InputKind == ModelCard.CustomerTableInput))
            .ToList();
        return TypedResults.Ok(new ScoreResponse(
            generation.Version, batch.AsOfDate, generation.Card.ChurnHorizonDays, generation.Card.ValueHorizonDays,
            Units(generation), results));
    }

    /// <summary>
    /// Streams CSV in and out. The header and the first chunk are checked before anything is written, so
    /// problems there are a 400; a bad row later becomes an output row with its error, and scoring goes on.
    /// For a bundle trained on a customer table (train --table), send the table in the training file's own format,
    /// comma-separated: its id column (or customer_id; without either, rows are numbered from 1), its columns with
    /// raw values (Yes/No words, blanks), the label column optional and ignored, unknown columns ignored with a
    /// warning on the first row. Table bundles have no segments and no profit tiers: those columns stay empty.
    /// </summary>
    public static async Task<Results<CsvScoresResult, ValidationProblem, ProblemHttpResult>> ScoreCsv(
        HttpRequest request, ModelHost host, IOptions<ScoringOptions> options, CancellationToken cancellationToken, bool? decisions = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        var lease = host.Acquire();
        if (lease is null)
        {
            return NotReady(host);
        }

        var scoring = new CsvScoring(lease, options.Value, request.Body, decisions ?? true);
        var errors = await scoring.StartAsync(cancellationToken);
        if (errors is not null)
        {
            scoring.Dispose();
            return TypedResults.ValidationProblem(errors,
                title: "The CSV has invalid rows",
                detail: $"Nothing was scored. Keys are line[n].column with n the physical line (header = 1); model {lease.Generation.Version}.");
        }

        return new CsvScoresResult(scoring);
    }

    /// <summary>The JSON result of one score; <paramref name="customerTable"/>: scored by a customer-table bundle (which carries its value at risk).</summary>
    public static CustomerScoreResult ToResult(
        CustomerScore score, IReadOnlyList<string> warnings, ScoringOptions options, string currency, CustomerDecision? decision = null, bool customerTable = false)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(options);
        return new CustomerScoreResult(
            score.CustomerId,
            score.ChurnProbability,
            decision is null ? options.RiskBand(score.ChurnProbability) : WireNames.Of(decision.RiskBand),
            score.SegmentId,
            score.SegmentName,
            score.PredictedGrossProfit,
            ServedReasons.Churn(score.ChurnReasons),
            ServedReasons.Value(score.ValueReasons, currency),
            warnings,
            decision is null ? null : DecisionResult.From(decision),
            score.PredictedRevenue)
        {
            ChurnExplanation = ExplanationResult.From(score.ChurnTotals),
            ValueExplanation = ExplanationResult.From(score.ValueTotals),
            RevenueReasons = ServedReasons.Revenue(score.RevenueReasons, currency),
            RevenueExplanation = ExplanationResult.From(score.RevenueTotals),
            GrossProfitInterval = ValueIntervalResult.From(score.GrossProfitInterval),
            RevenueInterval = ValueIntervalResult.From(score.RevenueInterval),
            PurchaseOutlook = PurchaseOutlookResult.From(score.GrossProfitInterval, currency),
            ValueAtRisk = customerTable ? TableScoring.ValueAtRiskOf(score) : null,
        };
    }

    /// <summary>The units sentence of a response.</summary>
    public static string Units(ModelGeneration generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var currency = generation.Card.AmountUnits();
        var churn = generation.Card.ChurnHorizonDays is { } c ? $"no purchase in the {c} days after the as-of date" : "the label of the training table";
        var value = generation.Card.ValueHorizonDays is { } v ? $"profit in the {v} days after the as-of date" : "the value label of the training table";
        var revenue = generation.Card.Revenue is null ? "" : $"predictedRevenue: revenue in the {generation.Card.ValueHorizonDays} days after the as-of date, in {currency}; ";
        var net = generation.Card.Tiers is null ? "" :
            $"decision.predictedProfit: predictedGrossProfit − decision.expectedCostToServe (the trailing cost-to-serve per day × {generation.Card.ValueHorizonDays} days), " +
            $"the profit after cost-to-serve that tiers, value at risk and offers use, like decision.profitLast365Days; ";
        return $"churnProbability: calibrated probability (0–1) of {churn}; predictedGrossProfit: gross {value} " +
            $"(revenue − cost of goods, returns included, before cost-to-serve), in {currency}; {net}{revenue}" +
            (generation.Scorer.Explainer is null
                ? "churn contributions are in the model's raw score units, value contributions in the predicted gross profit's units; each is how much " +
                    "the prediction would change had the customer fallen on the other side of the model's splits on that feature, summed over its trees: " +
                    "they rank what drove the prediction and do not add up to it."
                : "reasons are exact additive effects (TreeSHAP): churn contributions in probability (0.05 = 5 percentage points), value contributions " +
                    $"in {currency} over the value horizon; churnExplanation.baseline + the churn contributions + churnExplanation.allOther = churnProbability, " +
                    "and the same for valueExplanation and predictedGrossProfit" +
                    (generation.Scorer.Explainer.ExplainsRevenue ? ", and for revenueReasons, revenueExplanation and predictedRevenue." : "."));
    }

    /// <summary>503 while no model is loaded.</summary>
    public static ProblemHttpResult NotReady(ModelHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "No model is loaded yet",
            detail: host.LastError ?? "The model bundle is still loading; retry in a few seconds (GET /health/ready says when).");
    }

    private static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
