using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Models;
using MlCustomer.Api.Observability;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Data;

namespace MlCustomer.Api.ScoringRuns;

/// <summary>The data a scoring run scores: read from the configured source each run, and recorded with the run.</summary>
public sealed partial class ScoringRunData(
    IScoringDataSource source, ScoreStore store, ModelHost models, IOptions<ScoringOptions> scoring, ILogger<ScoringRunData> logger)
{
    /// <summary>
    /// Reads the current data for <paramref name="runId"/> and records which data it was (before scoring, so a run that
    /// fails later still tells what it read). Order lines without cost are costed with the loaded bundle's margin rates
    /// (<see cref="ScoringOptions.CostEstimateFor"/>), as its training costed them.
    /// </summary>
    public async Task<CustomerDataSet> LoadForRunAsync(string runId, CancellationToken cancellationToken)
    {
        using var activity = ApiTelemetry.Activities.StartActivity("read scoring data");
        CostEstimate? costEstimate;
        using (var lease = models.Acquire())
        {
            costEstimate = lease is null ? null : scoring.Value.CostEstimateFor(lease.Generation.Card);
        }

        var load = costEstimate is null ? new LoadOptions() : new LoadOptions { Mapping = DataMapping.Default.WithCostEstimate(costEstimate) };
        var read = await source.ReadAsync(load, cancellationToken);
        activity?.SetTag("mlcustomer.data.source", read.Record.Source);
        await store.RecordDataReadAsync(runId, read.Record, cancellationToken);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var hashes = string.Join(", ", read.Record.Inputs.Select(i => $"{i.Input} {i.Sha256[..12]}"));
            var lastOrderDate = read.Record.LastOrderDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "(no orders)";
            LogDataRead(logger, runId, read.Record.Source, read.Record.TransactionsLoaded, lastOrderDate, hashes);
        }

        return read.DataSet;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring run {RunId} read {Source}: {Transactions} order lines up to {LastOrderDate}; SHA-256 {Hashes}")]
    private static partial void LogDataRead(ILogger logger, string runId, string source, long transactions, string lastOrderDate, string hashes);
}

/// <summary>Registration of the data sources and <c>GET /scoring-runs/{id}/data</c>.</summary>
public static class ScoringRunDataExtensions
{
    /// <summary>The configured <see cref="IScoringDataSource"/> (files or PostgreSQL) and <see cref="ScoringRunData"/>.</summary>
    public static IServiceCollection AddScoringRunData(this IServiceCollection services)
    {
        services.AddOptions<DataSourceOptions>().BindConfiguration(DataSourceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataSourceOptions>, DataSourceOptionsValidation>();
        services.AddSingleton<IScoringDataSource>(provider =>
            provider.GetRequiredService<IOptions<DataSourceOptions>>().Value.Kind == DataSourceOptions.PostgreSql
                ? ActivatorUtilities.CreateInstance<PostgresScoringDataSource>(provider)
                : ActivatorUtilities.CreateInstance<FileScoringDataSource>(provider));
        services.AddSingleton<ScoringRunData>();
        return services;
    }

    /// <summary>Maps <c>GET /scoring-runs/{id}/data</c>.</summary>
    public static RouteGroupBuilder MapScoringRunDataApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/scoring-runs").WithTags("Scoring runs");
        group.MapGet("/{id}/data", GetDataRead)
            .WithName("GetScoringRunData")
            .WithSummary("Which data a run read: the source (files or PostgreSQL), each input's location, rows, bytes and SHA-256, and the order dates it spans")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(ApiRoles.ReaderPolicy);
        return group;
    }

    /// <summary>The data the run read; 404 for an unknown run or one that read none (still queued, or failed before reading).</summary>
    public static async Task<Results<Ok<DataReadRecord>, ProblemHttpResult>> GetDataRead(string id, ScoreStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetRunAsync(id, cancellationToken) is not { } run)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such scoring run", detail: $"There is no scoring run '{id}'.");
        }

        return await store.GetDataReadAsync(id, cancellationToken) is { } record
            ? TypedResults.Ok(record)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "The run read no data",
                detail: $"Scoring run '{id}' is {run.Status} and recorded no data read (it has not read yet, failed before reading, or ran before data reads were recorded).");
    }
}
