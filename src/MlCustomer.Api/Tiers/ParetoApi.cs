using Microsoft.AspNetCore.Http.HttpResults;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Retention;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Tiers;

/// <summary>The profit concentration (Pareto) curve of the latest succeeded scoring run.</summary>
/// <param name="RunId">The scoring run whose stored decisions were used.</param>
/// <param name="AsOfDate">Its as-of date.</param>
/// <param name="ModelVersion">The bundle that scored it.</param>
/// <param name="Customers">Customers with a stored decision.</param>
/// <param name="TotalProfit">Their profit in the last 365 days.</param>
/// <param name="TopPercent">The top share looked at, in percent.</param>
/// <param name="TopCustomers">Customers in that top share.</param>
/// <param name="TopProfitShare">Their share of the total profit (above 1 when loss-makers take profit away); null when the total is not positive.</param>
/// <param name="Sentence">The concentration in words, as the workspace shows it.</param>
/// <param name="Curve">From (0, 0) to (1, total): the top share of customers by profit and their share of the total profit; every customer up to 100, otherwise every percent.</param>
public sealed record ParetoResponse(
    string RunId,
    DateOnly? AsOfDate,
    string? ModelVersion,
    int Customers,
    double TotalProfit,
    double TopPercent,
    int TopCustomers,
    double? TopProfitShare,
    string Sentence,
    IReadOnlyList<ConcentrationPoint> Curve);

/// <summary>How concentrated profit is, from stored decisions.</summary>
public static class ParetoApi
{
    /// <summary>Maps <c>/tiers/pareto</c>.</summary>
    public static RouteGroupBuilder MapParetoApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/tiers").WithTags("Tiers").RequireAuthorization(ApiRoles.ReaderPolicy);
        // It reads a whole run from storage: bounded like every JSON endpoint, so a slow call answers 504.
        group.WithRequestTimeout(ApiLimits.JsonTimeoutPolicy);
        group.MapGet("/pareto", GetPareto)
            .WithName("GetParetoCurve")
            .WithSummary("The profit concentration curve and the top-20% sentence, from the current scoring run (latest as-of date, then latest finish)");
        return group;
    }

    /// <summary>The curve, or 404 before the first succeeded run.</summary>
    public static async Task<Results<Ok<ParetoResponse>, ProblemHttpResult>> GetPareto(ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var run = await store.GetCurrentRunAsync(cancellationToken);
        if (run is null)
        {
            return RetentionApi.NoSucceededRun();
        }

        var concentration = await TiersApi.ConcentrationOf(store, run, cancellationToken);
        return TypedResults.Ok(new ParetoResponse(
            run.Id, run.AsOfDate, run.ModelVersion, concentration.Customers, concentration.TotalProfit, concentration.TopPercent,
            concentration.TopCustomers, concentration.TopProfitShare, Sentence(concentration), concentration.Curve));
    }

    /// <summary>"The top 20% of customers (300 of 1,500) bring 86.8% of the profit."</summary>
    public static string Sentence(ProfitConcentration concentration)
    {
        ArgumentNullException.ThrowIfNull(concentration);
        var top = FormattableString.Invariant($"The top {concentration.TopPercent:0.##}% of customers ({concentration.TopCustomers:N0} of {concentration.Customers:N0})");
        return concentration.TopProfitShare is { } share
            ? FormattableString.Invariant($"{top} bring {share * 100:0.0}% of the profit.")
            : FormattableString.Invariant($"{top} bring {concentration.TopProfit:N0}; the total profit is {concentration.TotalProfit:N0}, so no share can be given.");
    }
}
