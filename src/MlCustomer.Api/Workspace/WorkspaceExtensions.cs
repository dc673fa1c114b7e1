using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using MlCustomer.Api.Extensions;
using MlCustomer.Api.Security;
using MlCustomer.Api.Storage;

namespace MlCustomer.Api.Workspace;

/// <summary>The marketing workspace: server-rendered Razor Pages in the API's process, signed in with a cookie session.</summary>
public static class WorkspaceExtensions
{
    /// <summary>The sign-in page.</summary>
    public const string SignInPath = "/sign-in";

    /// <summary>Registers the pages, the cookie session, antiforgery and the persisted Data Protection keys.</summary>
    public static WebApplicationBuilder AddMarketingWorkspace(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<WorkspaceOptions>().BindConfiguration(WorkspaceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Session and antiforgery cookies are protected with these keys; kept in a folder (not in memory) so a
        // restart does not sign everyone out.
        services.AddDataProtection().SetApplicationName("MlCustomer");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<WorkspaceOptions>, IOptions<StorageOptions>, IHostEnvironment, ILoggerFactory>((keys, workspace, storage, environment, logging) =>
                keys.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(KeysFolder(workspace.Value, storage.Value, environment)), logging));

        services.AddAuthentication().AddCookie(WorkspaceSession.SchemeName, options =>
        {
            options.Cookie.Name = WorkspaceSession.CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.SlidingExpiration = true;
            options.LoginPath = SignInPath;
            options.AccessDeniedPath = "/forbidden";
            options.Events = new CookieAuthenticationEvents
            {
                // Only pages use this scheme; should an /api endpoint ever name it, a JSON client still gets a status, not a page.
                OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized),
                OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden),
                OnValidatePrincipal = EndSessionOfRemovedKeyOrSignedOut,
            };
        });
        services.AddOptions<CookieAuthenticationOptions>(WorkspaceSession.SchemeName)
            .Configure<IOptions<WorkspaceOptions>>((cookie, workspace) => cookie.ExpireTimeSpan = TimeSpan.FromHours(workspace.Value.SessionHours));

        services.AddAuthorizationBuilder()
            .AddPolicy(ApiRoles.WorkspacePolicy, policy => policy.AddAuthenticationSchemes(WorkspaceSession.SchemeName).RequireRole(ApiRoles.WorkspaceRoles))
            .AddPolicy(ApiRoles.WorkspaceAdminPolicy, policy => policy.AddAuthenticationSchemes(WorkspaceSession.SchemeName).RequireRole(ApiRoles.Admin));

        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = WorkspaceSession.AntiforgeryCookieName;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.HttpOnly = true;
        });
        services.AddSingleton<EndedSessions>();
        services.AddHostedService<StartupScoringRun>();
        // A singleton as well as a hosted service: whoever needs to know when the warm-up ended (a test) can wait for it.
        services.AddSingleton<WorkspaceWarmUp>();
        services.AddHostedService(provider => provider.GetRequiredService<WorkspaceWarmUp>());
        services.AddRazorPages(options =>
        {
            // One folder per page under Workspace/, each page with its model beside it.
            options.RootDirectory = "/Workspace";
            options.Conventions.AuthorizeFolder("/", ApiRoles.WorkspacePolicy);
            options.Conventions.AllowAnonymousToPage("/SignIn/SignIn");
            options.Conventions.AllowAnonymousToPage("/Forbidden/Forbidden");
        }).AddMvcOptions(options => options.Filters.Add(new WorkspaceContentSecurityPolicy()));
        return builder;
    }

    /// <summary>Maps the pages (outside <c>/api</c>).</summary>
    public static WebApplication MapMarketingWorkspace(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapRazorPages();
        return app;
    }

    /// <summary>Where the Data Protection keys live.</summary>
    public static string KeysFolder(WorkspaceOptions workspace, StorageOptions storage, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(workspace.KeysPath))
        {
            return Path.GetFullPath(workspace.KeysPath, environment.ContentRootPath);
        }

        var database = Path.GetFullPath(storage.DatabasePath, environment.ContentRootPath);
        return Path.Combine(Path.GetDirectoryName(database)!, "data-protection-keys");
    }

    /// <summary>The principal a key's session carries: who and which role, never the key.</summary>
    public static ClaimsPrincipal SessionFor(ApiKeyEntry key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role), new Claim(EndedSessions.SessionIdClaim, Guid.NewGuid().ToString("N"))],
            WorkspaceSession.SchemeName));
    }

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments(MlCustomerApiExtensions.ApiPrefix, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }

    // A session lives on in its cookie: signing out ends it (EndedSessions), and so does removing its key from the configuration.
    private static async Task EndSessionOfRemovedKeyOrSignedOut(CookieValidatePrincipalContext context)
    {
        var ring = context.HttpContext.RequestServices.GetRequiredService<ApiKeyRing>();
        var ended = context.HttpContext.RequestServices.GetRequiredService<EndedSessions>();
        var principal = context.Principal;
        if (principal is null
            || !ring.StillConfigured(principal.Identity?.Name, principal.FindFirst(ClaimTypes.Role)?.Value)
            || await ended.HasEndedAsync(principal.FindFirst(EndedSessions.SessionIdClaim)?.Value, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(WorkspaceSession.SchemeName);
        }
    }
}
