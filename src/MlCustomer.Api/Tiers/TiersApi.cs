using Microsoft.AspNetCore.Http.HttpResults;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Retention;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Tiers;

/// <summary>The customer pyramid and profit concentration of the current scoring run (latest as-of date, then latest finish).</summary>
/// <param name="RunId">The scoring run whose stored decisions were used.</param>
/// <param name="AsOfDate">Its as-of date.</param>
/// <param name="ModelVersion">The bundle that scored it.</param>
/// <param name="Customers">Customers with a stored decision.</param>
/// <param name="TotalProfit">Their profit in the last 365 days.</param>
/// <param name="TopPercent">The top share looked at, in percent.</param>
/// <param name="TopCustomers">Customers in that top share.</param>
/// <param name="TopProfitShare">Their share of the total profit (above 1 when loss-makers take profit away); null when the total is not positive.</param>
/// <param name="FalseBigCustomers">False big customers over all tiers.</param>
/// <param name="Tiers">The pyramid, A to D.</param>
public sealed record TiersSummaryResponse(
    string RunId,
    DateOnly? AsOfDate,
    string? ModelVersion,
    int Customers,
    double TotalProfit,
    double TopPercent,
    int TopCustomers,
    double? TopProfitShare,
    int FalseBigCustomers,
    IReadOnlyList<TierResult> Tiers);

/// <summary>One tier of the pyramid.</summary>
/// <param name="Tier">A, B, C or D.</param>
/// <param name="Customers">Customers in it.</param>
/// <param name="Revenue">Their revenue in the last 365 days.</param>
/// <param name="Profit">Their profit in the last 365 days.</param>
/// <param name="ProfitShare">Share of the total profit; null when the total is not positive.</param>
/// <param name="MeanChurnProbability">Mean churn probability; null for an empty tier.</param>
/// <param name="LossMaking">Loss-making customers in it.</param>
/// <param name="FalseBigCustomers">False big customers in it.</param>
public sealed record TierResult(
    string Tier, int Customers, double Revenue, double Profit, double? ProfitShare, double? MeanChurnProbability, int LossMaking, int FalseBigCustomers);

/// <summary>The profit concentration (Pareto) curve of the current scoring run.</summary>
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

/// <summary>The tier summary and the profit concentration curve of the current scoring run.</summary>
public static class TiersApi
{
    /// <summary>Maps <c>/tiers/summary</c> and <c>/tiers/pareto</c>.</summary>
    public static RouteGroupBuilder MapTiersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/tiers").WithTags("Tiers").RequireAuthorization(ApiRoles.ReaderPolicy);
        // It reads a whole run from storage: bounded like every JSON endpoint, so a slow call answers 504.
        group.WithRequestTimeout(ApiLimits.JsonTimeoutPolicy);
        group.MapGet("/summary", GetSummary)
            .WithName("GetTiersSummary")
            .WithSummary("The customer pyramid (tiers A–D), the top-20% share of profit and the false-big count, from the current scoring run (latest as-of date, then latest finish), stored when the run ended");
        group.MapGet("/pareto", GetPareto)
            .WithName("GetParetoCurve")
            .WithSummary("The profit concentration curve and the top-20% sentence, from the current scoring run (latest as-of date, then latest finish)");
        return group;
    }

    /// <summary>The summary, or 404 before the first succeeded run.</summary>
    public static async Task<Results<Ok<TiersSummaryResponse>, ProblemHttpResult>> GetSummary(ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var run = await store.GetCurrentRunAsync(cancellationToken);
        if (run is null)
        {
            return RetentionApi.NoSucceededRun();
        }

        var concentration = await ConcentrationOf(store, run, cancellationToken);
        return TypedResults.Ok(new TiersSummaryResponse(
            run.Id, run.AsOfDate, run.ModelVersion, concentration.Customers, concentration.TotalProfit, concentration.TopPercent,
            concentration.TopCustomers, concentration.TopProfitShare, concentration.Tiers.Sum(t => t.FalseBigCustomers),
            concentration.Tiers.Select(t => new TierResult(
                WireNames.Of(t.Tier), t.Customers, t.Revenue, t.Profit, t.ProfitShare, t.MeanChurnProbability, t.LossMaking, t.FalseBigCustomers)).ToList()));
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

        var concentration = await ConcentrationOf(store, run, cancellationToken);
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

    /// <summary>
    /// A run's pyramid and concentration curve. Runs since migration 7 stored them when they ended (Core's figures over
    /// every decided customer); older runs are summed from their stored decisions here, with the same function.
    /// </summary>
    internal static async Task<ProfitConcentration> ConcentrationOf(ScoreStore store, ScoringRun run, CancellationToken cancellationToken) =>
        run.ScoreKey is null
            ? ProfitConcentration.Compute(await store.GetLegacyDecisionsAsync(run.Id, cancellationToken))
            : await store.GetSummaryAsync(run.Id, cancellationToken) ?? ProfitConcentration.Compute((IReadOnlyList<TierMember>)[]);
}
