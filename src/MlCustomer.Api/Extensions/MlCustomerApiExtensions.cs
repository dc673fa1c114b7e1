using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using MlCustomer.Api.Cluster;
using MlCustomer.Api.Customers;
using MlCustomer.Api.Errors;
using MlCustomer.Api.Limits;
using MlCustomer.Api.Models;
using MlCustomer.Api.Movement;
using MlCustomer.Api.Observability;
using MlCustomer.Api.OpenApi;
using MlCustomer.Api.Scoring;
using MlCustomer.Api.ScoringRuns;
using MlCustomer.Api.Retention;
using MlCustomer.Api.Security;
using MlCustomer.Api.Segments;
using MlCustomer.Api.Storage;
using MlCustomer.Api.Tiers;
using MlCustomer.Core.Decisions;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Extensions;

/// <summary>Everything Program.cs wires up, in one place.</summary>
public static class MlCustomerApiExtensions
{
    /// <summary>The versioned API prefix.</summary>
    public const string ApiPrefix = "/api/v1";

    /// <summary>Registers options, storage, model serving, security, limits, errors, health and OpenAPI.</summary>
    public static WebApplicationBuilder AddMlCustomerApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        AddValidatedOptions<ModelOptions>(services, ModelOptions.SectionName);
        AddValidatedOptions<ScoringOptions>(services, ScoringOptions.SectionName);
        AddValidatedOptions<DataOptions>(services, DataOptions.SectionName);
        AddValidatedOptions<StorageOptions>(services, StorageOptions.SectionName);
        AddValidatedOptions<ApiKeyOptions>(services, ApiKeyOptions.SectionName);
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ApiKeyOptions>, ApiKeysRequired>();
        AddValidatedOptions<BrowserAccessOptions>(services, BrowserAccessOptions.SectionName);
        AddValidatedOptions<LimitOptions>(services, LimitOptions.SectionName);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ScoreStore>();
        services.AddSingleton<ModelHost>();
        services.AddSingleton<QueuedScoringRuns>();
        // Hosted services start in this order: the database exists before the first load is audited.
        services.AddHostedService<StorageInitializer>();
        services.AddHostedService<ModelLoader>();
        services.AddHostedService<ScoringRunWorker>();
        services.AddScoringRunData();
        // Before the schedule: on a cluster, the coordination tables exist before Quartz's clustered store starts.
        services.AddMlCustomerCluster();
        services.AddScoringRunSchedule(builder.Configuration.GetSection(ClusterOptions.SectionName).Get<ClusterOptions>());
        builder.AddMlCustomerObservability();

        services.AddSingleton<ApiKeyRing>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiRoles.ScorerPolicy, policy => policy.RequireRole(ApiRoles.Scorer, ApiRoles.Admin))
            .AddPolicy(ApiRoles.AdminPolicy, policy => policy.RequireRole(ApiRoles.Admin))
            .AddPolicy(ApiRoles.ReaderPolicy, policy => policy.RequireRole(ApiRoles.Scorer, ApiRoles.Admin, ApiRoles.Marketing));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ApiKeyProblems>();
        services.AddApiLimits();
        services.AddBrowserAccess();

        services.AddProblemDetails(options => options.CustomizeProblemDetails = ApiProblemDetails.Customize);
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Bad bodies throw (in every environment), so the exception handler can name the broken field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => ConfigureJson(options.SerializerOptions));
        services.AddOptions<JsonOptions>().Configure<IOptions<ScoringOptions>>((options, scoring) =>
            options.SerializerOptions.TypeInfoResolver = (options.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver())
                .WithAddedModifier(CustomerList.LimitedBy(scoring.Value.MaxCustomersPerRequest)));
        // Razor Pages (the workspace) register MVC's JSON options, which Swashbuckle then reads to describe the schemas:
        // the same settings there, so the document keeps saying what the endpoints write (enums as names).
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(options => ConfigureJson(options.JsonSerializerOptions));

        services.AddHealthChecks().AddCheck<ModelsReadyHealthCheck>("models", tags: ["ready"]);

        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "MlCustomer API",
                Version = "v1",
                Description = "Churn probability, segment, predicted profit and reasons for customers; stored scores from scoring runs; " +
                    "the active model and its safe reload. Authenticate with the X-Api-Key header.",
            });
            options.AddSecurityDefinition(ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyOptions.HeaderName,
                Description = "An API key with the role scorer, admin or marketing (each operation's x-required-roles lists the roles it accepts). In Development: see MlCustomer.Api.http.",
            });
            options.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [],
            });
            // Descriptions of operations, parameters and properties come from the XML comments of the API and of
            // Core, whose types some answers carry.
            foreach (var assembly in new[] { typeof(MlCustomerApiExtensions).Assembly, typeof(RuleSet).Assembly })
            {
                var xml = Path.Combine(AppContext.BaseDirectory, assembly.GetName().Name + ".xml");
                if (File.Exists(xml))
                {
                    options.IncludeXmlComments(xml, includeControllerXmlComments: false);
                }
            }

            options.OperationFilter<ApiExamplesOperationFilter>();
            options.OperationFilter<ApiContractOperationFilter>();
            options.DocumentFilter<ApiContractDocumentFilter>();
            options.SupportNonNullableReferenceTypes();
            // A property that refers to another schema is wrapped in allOf, so it can say that it may be null (a
            // decision without rules, a bundle without a value model) and carry its own description; a bare $ref can
            // do neither in OpenAPI 3.0, and generated clients then refuse the null the API sends.
            options.UseAllOfToExtendReferenceSchemas();
        });
        return builder;
    }

    /// <summary>Turns the OpenAPI document and Swagger UI on or off; default: on except in Production.</summary>
    public const string SwaggerSetting = "MlCustomer:Swagger";

    /// <summary>The middleware pipeline: security headers, overload, errors, status codes, HTTPS and CORS, Swagger, auth, limits, timeouts.</summary>
    public static WebApplication UseMlCustomerApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSecurityHeaders();
        // First after the headers: an overloaded service refuses before it spends anything on the request.
        app.UseOverloadShedding();
        app.UseRetryAfterOnUnavailable();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Before authentication: a browser's preflight carries no API key and is answered here.
        app.UseBrowserAccess();
        // In Production the API's description and its try-it page are not published unless asked for.
        if (app.Configuration.GetValue<bool?>(SwaggerSetting) ?? !app.Environment.IsProduction())
        {
            app.UseSwagger();
            app.UseSwaggerUI(options => options.DocumentTitle = "MlCustomer API");
        }

        app.UseRequestBodyLimits();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        // After the key checks (a caller without a key learns nothing about the parameters), before binding.
        app.UseQueryStringRules();
        app.UseBodyEncodingRule();
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>Maps health and every route group under <c>/api/v1</c>.</summary>
    public static WebApplication MapMlCustomerApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Liveness runs no check: it answers as soon as the process serves requests.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = ModelsReadyHealthCheck.WriteAsync,
        });
        app.MapMlCustomerMetrics();

        var api = app.MapGroup(ApiPrefix)
            .RequireRateLimiting(ApiLimits.PerKeyPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapScoresApi();
        api.MapModelsApi();
        api.MapScoringRunsApi();
        api.MapScoringRunDataApi();
        api.MapCustomersApi();
        api.MapSegmentsApi();
        // The views over stored decisions answer 404 until a scoring run has succeeded (RetentionApi.NoSucceededRun).
        api.MapRetentionApi().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapTiersApi().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapMovementApi();
        return app;
    }

    private static void AddValidatedOptions<TOptions>(IServiceCollection services, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();

    // How every JSON body of the API is read and written.
    private static void ConfigureJson(JsonSerializerOptions json)
    {
        // Numbers must be JSON numbers; "NaN"/"Infinity" strings are read as such and then refused
        // by validation with the field's path, instead of failing the whole body at the first one.
        json.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        // A body that says two things ({"path": "a", "path": "b"}) or names a field the endpoint does not read
        // ({"bundle": "b"}, a typo of "path", would reload the configured bundle) is refused, not read as one guess.
        json.AllowDuplicateProperties = false;
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // The decisions' values in the one spelling every surface uses (tiers stay A–D, not "a").
        json.Converters.Add(new WireNameJsonConverter<ProfitTier>());
        json.Converters.Add(new WireNameJsonConverter<RiskBand>());
        json.Converters.Add(new WireNameJsonConverter<LifecycleStage>());
        json.Converters.Add(new WireNameJsonConverter<MovementCategory>());
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
