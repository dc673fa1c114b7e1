using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using MlCustomer.Api.Cluster;
using MlCustomer.Api.Storage;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Tiers;

namespace MlCustomer.Api.Models;

/// <summary>What a reload request led to.</summary>
/// <param name="Outcome">Succeeded, InvalidPath (400) or Refused (422).</param>
/// <param name="Message">Why it was refused.</param>
/// <param name="FromVersion">The version serving before.</param>
/// <param name="Generation">The generation serving after a success.</param>
public sealed record ReloadResult(ReloadOutcome Outcome, string? Message, string? FromVersion, ModelGeneration? Generation)
{
    /// <summary>The comparison with the bundle that was serving (null when nothing served, or for a rollback).</summary>
    public PromotionVerdict? Promotion { get; init; }

    /// <summary>True when the comparison found the challenger worse and it was loaded anyway (force=true).</summary>
    public bool Forced { get; init; }
}

/// <summary>How a reload ended.</summary>
public enum ReloadOutcome
{
    /// <summary>The new bundle serves.</summary>
    Succeeded,

    /// <summary>The path is not a bundle folder name under the bundles root.</summary>
    InvalidPath,

    /// <summary>The bundle failed its checks or its warm-up; the old one keeps serving.</summary>
    Refused,

    /// <summary>The bundle is worse than the one serving (or cannot be compared with it) and force was not set; the old one keeps serving.</summary>
    NotBetter,

    /// <summary>A rollback was asked for, but no earlier bundle served since the start.</summary>
    NothingToRollBack,

    /// <summary>The bundle passed its checks but the cluster's coordination database could not record it; no replica switched.</summary>
    ClusterUnavailable,
}

/// <summary>
/// Holds the active <see cref="ModelGeneration"/> and swaps it. Loading, checking and warming a new
/// bundle happen entirely off to the side; the swap is one atomic reference exchange, and the retired
/// generation is released once its last request ends, so memory does not grow over reloads.
/// </summary>
public sealed partial class ModelHost(
    IOptions<ModelOptions> options, IHostEnvironment environment, ScoreStore store, ClusterModelActivation cluster, ILogger<ModelHost> logger)
    : IDisposable
{
    /// <summary>Who a load at start is audited as.</summary>
    public const string StartupUser = "startup";

    /// <summary>Who a load that follows the cluster's active bundle is audited as.</summary>
    public const string ClusterUser = "cluster";

    private readonly SemaphoreSlim reloads = new(1, 1);
    private ModelGeneration? current;

    // The reload name (null = the start bundle) of the generation serving now, and of the one before it with its
    // version, for a rollback. Written only under the reloads semaphore.
    private string? currentName;
    private (string? Name, string Version)? previous;

    /// <summary>The version a rollback would return to, or null when none served before the current one.</summary>
    public string? PreviousVersion => previous?.Version;

    /// <summary>The generation serving now, or null before the first successful load.</summary>
    public ModelGeneration? Current => Volatile.Read(ref current);

    /// <summary>True once a bundle is loaded and warmed up.</summary>
    public bool IsReady => Current is not null;

    /// <summary>Why the last load failed, while nothing is loaded.</summary>
    public string? LastError { get; private set; }

    /// <summary>The configured bundles root, as a full path.</summary>
    public string BundlesRoot => Path.GetFullPath(options.Value.BundlesRoot, environment.ContentRootPath);

    /// <summary>The bundle loaded at start, as a full path.</summary>
    public string StartupBundle => Path.GetFullPath(options.Value.BundlePath, environment.ContentRootPath);

    /// <summary>Takes the current generation for one request, or null when no model is loaded.</summary>
    public ModelLease? Acquire()
    {
        while (true)
        {
            var generation = Volatile.Read(ref current);
            if (generation is null)
            {
                return null;
            }

            // A generation retired and disposed between the read and the take is skipped: the new one is current.
            if (generation.TryAcquire())
            {
                return new ModelLease(generation);
            }
        }
    }

    /// <summary>
    /// Loads <paramref name="name"/> (a folder directly under the bundles root) or, when null, the
    /// configured start bundle; checks it, warms it up and swaps it in. The old generation keeps serving
    /// on any failure. Every attempt is audited.
    /// </summary>
    public Task<ReloadResult> ReloadAsync(string? name, string requestedBy, CancellationToken cancellationToken) =>
        ReloadAsync(name, requestedBy, force: false, cancellationToken);

    /// <summary>
    /// <see cref="ReloadAsync(string?, string, CancellationToken)"/> with the promotion check: a bundle that
    /// <see cref="BundlePromotion"/> finds worse than the one serving, or cannot compare with it, is refused unless
    /// <paramref name="force"/> is set; the verdict is in the result and the audit either way.
    /// </summary>
    /// <remarks>
    /// With a coordination database (<see cref="ClusterOptions.PostgreSql"/>), a bundle that passes is recorded there as the
    /// cluster's before it is swapped in, and every other replica follows (<see cref="FollowClusterAsync"/>).
    /// </remarks>
    public Task<ReloadResult> ReloadAsync(string? name, string requestedBy, bool force, CancellationToken cancellationToken) =>
        ReloadAsync(name, requestedBy, force, forCluster: true, cancellationToken);

    /// <summary>
    /// The load at start: with a coordination database, the bundle the cluster serves, when one was recorded and it loads
    /// here; otherwise (or when it does not load) the configured start bundle, which is not recorded for the cluster.
    /// </summary>
    public async Task<ReloadResult> LoadAtStartAsync(CancellationToken cancellationToken)
    {
        if (cluster.Enabled)
        {
            ClusterBundle? desired = null;
            try
            {
                desired = await cluster.ReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogClusterUnreadable(logger, e.Message);
            }

            if (desired is not null && await FollowClusterAsync(desired, cancellationToken) is { Outcome: ReloadOutcome.Succeeded } followed)
            {
                return followed;
            }
        }

        return await ReloadAsync(name: null, StartupUser, force: false, forCluster: false, cancellationToken);
    }

    /// <summary>
    /// Serves <paramref name="desired"/>, the cluster's bundle, unless this replica already does: loads its folder, verifies
    /// that the files give its version (content digest) and swaps it in, without the promotion check (the replica that
    /// reloaded made it). On failure the old bundle keeps serving and <see cref="ClusterModelActivation.Failure"/> says why.
    /// Returns null when there was nothing to do. Audited as requested by <see cref="ClusterUser"/>.
    /// </summary>
    public async Task<ReloadResult?> FollowClusterAsync(ClusterBundle desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var requestedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await reloads.WaitAsync(cancellationToken);
        try
        {
            // Checked under the lock: a reload here may have recorded a newer activation while this one was read.
            if (desired.Activation <= cluster.AppliedActivation)
            {
                return null;
            }

            if (Current?.Version == desired.Version)
            {
                cluster.Served(desired);
                return null;
            }

            var expectation = $"the bundle the cluster serves (activation {desired.Activation}, by {desired.RequestedBy}): this replica's copy of the folder differs from the one loaded where it was reloaded";
            var result = await LoadAsync(desired.BundleName, force: true, (desired.Version, expectation), recordFor: null, cancellationToken);
            if (result.Outcome == ReloadOutcome.Succeeded)
            {
                cluster.Served(desired);
            }
            else
            {
                cluster.Refused(desired, result.Message ?? result.Outcome.ToString(), DateTimeOffset.UtcNow);
            }

            var source = $"cluster activation {desired.Activation} of {desired.BundleName ?? options.Value.BundlePath} ({desired.Version}) by {desired.RequestedBy}";
            await AuditAsync(ClusterUser, requestedAt, source, result, clock, CancellationToken.None);
            Observability.ApiTelemetry.ModelReloaded(result.Outcome, clock.Elapsed);
            return result;
        }
        finally
        {
            reloads.Release();
        }
    }

    private async Task<ReloadResult> ReloadAsync(string? name, string requestedBy, bool force, bool forCluster, CancellationToken cancellationToken)
    {
        var requestedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await reloads.WaitAsync(cancellationToken);
        try
        {
            var result = await LoadAsync(name, force, expected: null, forCluster ? requestedBy : null, cancellationToken);
            await AuditAsync(requestedBy, requestedAt, name ?? options.Value.BundlePath, result, clock, cancellationToken: CancellationToken.None);
            Observability.ApiTelemetry.ModelReloaded(result.Outcome, clock.Elapsed);
            return result;
        }
        finally
        {
            reloads.Release();
        }
    }

    /// <summary>
    /// Returns to the bundle that served before the current one, from its folder (which must still hold that version),
    /// without the promotion check: a rollback undoes a promotion. Audited like a reload.
    /// </summary>
    public async Task<ReloadResult> RollbackAsync(string requestedBy, CancellationToken cancellationToken)
    {
        var requestedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await reloads.WaitAsync(cancellationToken);
        try
        {
            ReloadResult result;
            string source;
            if (previous is not { } back)
            {
                source = "rollback";
                result = new ReloadResult(ReloadOutcome.NothingToRollBack,
                    "No earlier bundle has served since the API started: there is nothing to roll back to.", Current?.Version, null);
            }
            else
            {
                source = $"rollback to {back.Name ?? options.Value.BundlePath}";
                result = await LoadAsync(back.Name, force: true,
                    (back.Version, "the version that served before: it was replaced, so there is nothing to roll back to"), recordFor: requestedBy, cancellationToken);
            }

            await AuditAsync(requestedBy, requestedAt, source, result, clock, CancellationToken.None);
            return result;
        }
        finally
        {
            reloads.Release();
        }
    }

    private Task AuditAsync(string requestedBy, DateTimeOffset requestedAt, string source, ReloadResult result, Stopwatch clock, CancellationToken cancellationToken) =>
        store.AddReloadAuditAsync(new ReloadAudit
        {
            Id = Guid.NewGuid().ToString("N"),
            RequestedBy = requestedBy,
            RequestedAt = requestedAt,
            Source = source,
            FromVersion = result.FromVersion,
            ToVersion = result.Generation?.Version,
            Outcome = result.Outcome switch
            {
                ReloadOutcome.Succeeded when result.Forced => "forced",
                ReloadOutcome.Succeeded => "succeeded",
                ReloadOutcome.NotBetter => "refused-not-better",
                _ => "refused",
            },
            Detail = result.Outcome == ReloadOutcome.Succeeded ? result.Promotion?.Verdict : result.Message,
            DurationMilliseconds = clock.ElapsedMilliseconds,
        }, cancellationToken);

    // expected: the version the folder must hold and, in words, why (null: whatever it holds, after the promotion check).
    // recordFor: who to record the bundle for as the cluster's, before it is swapped in (null: not recorded).
    private async Task<ReloadResult> LoadAsync(
        string? name, bool force, (string Version, string Why)? expected, string? recordFor, CancellationToken cancellationToken)
    {
        var from = Current?.Version;
        var (folder, pathProblem) = Resolve(name);
        if (folder is null)
        {
            // A missing start bundle is said as such (readiness and the 503s give this reason), not "still loading".
            LastError = pathProblem;
            LogRefused(logger, name ?? StartupBundle, pathProblem!);
            return new ReloadResult(ReloadOutcome.InvalidPath, pathProblem, from, null);
        }

        // Loading is CPU and disk work; keep it off the request thread pool's hot path.
        var result = await Task.Run(() => LoadAndSwap(name, name ?? Path.GetFileName(folder), folder, from, force, expected, recordFor), cancellationToken);
        if (result.Outcome == ReloadOutcome.Succeeded)
        {
            if (from is not null)
            {
                previous = (currentName, from);
            }

            currentName = name;
        }

        return result;
    }

    private RuleSet? RulesOverride(ModelBundle bundle)
    {
        if (string.IsNullOrWhiteSpace(options.Value.RulesPath))
        {
            return null;
        }

        var path = Path.GetFullPath(options.Value.RulesPath, environment.ContentRootPath);
        try
        {
            var rules = RuleSet.Load(path);
            return bundle.Card.Tiers?.Mismatch(rules) is { } mismatch
                ? throw new ModelBundleException($"The configured rules ({Path.GetFileName(path)}) do not fit bundle {bundle.Card.Version}: {mismatch}")
                : rules;
        }
        catch (RuleSetException e)
        {
            throw new ModelBundleException($"The configured rules cannot be used: {e.Message}");
        }
    }

    private ReloadResult LoadAndSwap(string? name, string source, string folder, string? from, bool force, (string Version, string Why)? expected, string? recordFor)
    {
        ModelGeneration next;
        PromotionVerdict? promotion = null;
        try
        {
            // One MLContext per generation: nothing the old models registered is shared with the new ones.
            var ml = new MLContext(seed: TrainingOptions.DefaultSeed);
            CheckFilesContained(folder);
            var bundle = ModelBundle.Load(ml, folder);
            // Checked after loading, whose own checks name a model file that disagrees with the card's contract;
            // the digests and the version then catch any other change (a zip edited or swapped, a rule changed).
            BundleVersion.Verify(folder);
            if (expected is { } wanted && !string.Equals(bundle.Card.Version, wanted.Version, StringComparison.Ordinal))
            {
                throw new ModelBundleException($"The folder {source} now holds bundle {bundle.Card.Version}, not {wanted.Version}, {wanted.Why}.");
            }

            // Compared before the warm-up, from the cards: a refused challenger costs no scoring work.
            if (Current is { } serving && expected is null)
            {
                promotion = BundlePromotion.Judge(serving.Card, bundle.Card);
                if (promotion.Worse && !force)
                {
                    LogRefused(logger, folder, promotion.Verdict);
                    return new ReloadResult(ReloadOutcome.NotBetter, promotion.Verdict, from, null) { Promotion = promotion };
                }
            }

            var rules = RulesOverride(bundle);
            next = new ModelGeneration(source, bundle, ml, DateTimeOffset.UtcNow, rules);
            next.WarmUp();
        }
        catch (ModelBundleException e)
        {
            // Clients learn the bundle's name, not where the server keeps its files; the log has the full path.
            var message = e.Message.Replace(Path.GetFullPath(folder), source, StringComparison.Ordinal);
            LastError = message;
            LogRefused(logger, folder, e.Message);
            return new ReloadResult(ReloadOutcome.Refused, message, from, null);
        }

        // Recorded before the swap: a bundle the cluster was not told of never serves, so replicas cannot drift apart unseen.
        ClusterBundle? recorded = null;
        if (recordFor is not null && cluster.Enabled)
        {
            try
            {
                recorded = cluster.Record(next.Version, name, recordFor);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                next.Retire();
                var message = $"Bundle {next.Version} passed its checks, but the cluster's coordination database could not record it, so no replica switched to it: {e.Message}";
                LogRefused(logger, folder, message);
                return new ReloadResult(ReloadOutcome.ClusterUnavailable, message, from, null) { Promotion = promotion };
            }
        }

        var old = Interlocked.Exchange(ref current, next);
        old?.Retire();
        if (recorded is not null)
        {
            cluster.Served(recorded);
        }

        LastError = null;
        LogLoaded(logger, next.Version, folder, from ?? "none");
        if (next.Scorer.NotCompiledReason is { } notCompiled)
        {
            LogNotCompiled(logger, next.Version, notCompiled);
        }
        return new ReloadResult(ReloadOutcome.Succeeded, null, from, next) { Promotion = promotion, Forced = promotion is { Worse: true } };
    }

    // A reload names a folder under the root; it never takes a path, so a client cannot make the server
    // read anything else. Null means the configured start bundle.
    private (string? Folder, string? Problem) Resolve(string? name)
    {
        if (name is null)
        {
            if (!Directory.Exists(StartupBundle))
            {
                return (null, $"The start bundle folder {options.Value.BundlePath} (MlCustomer:BundlePath) is missing: no model is loaded. " +
                    $"Put a bundle there (train one with: {ModelBundle.TrainCommand}) and restart, or load one with POST /api/v1/models/reload.");
            }

            // The start bundle may be configured outside the root; one named inside it must really be there.
            return IsInside(StartupBundle, BundlesRoot) && LinksOutOfRoot(StartupBundle)
                ? (null, $"The configured bundle folder {options.Value.BundlePath} is a symbolic link to a folder outside the bundles root; it is not followed.")
                : (StartupBundle, null);
        }

        if (!BundleName().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
        {
            return (null, "Give the name of a bundle folder directly under the bundles root: letters, digits, '.', '-' and '_', at most 100 characters, no path separators.");
        }

        var root = BundlesRoot;
        var folder = Path.GetFullPath(Path.Combine(root, name));
        if (!IsInside(folder, root))
        {
            return (null, "The bundle folder must be inside the bundles root.");
        }

        if (!Directory.Exists(folder))
        {
            return (null, $"There is no bundle folder '{name}' under the bundles root.");
        }

        return LinksOutOfRoot(folder) ? (null, $"The bundle folder '{name}' is a symbolic link to a folder outside the bundles root; it is not followed.") : (folder, null);
    }

    // A symbolic link under the root could point anywhere: what counts is where the folder really is.
    private bool LinksOutOfRoot(string folder)
    {
        try
        {
            return !IsInside(RealPath(folder), RealPath(BundlesRoot));
        }
        catch (IOException)
        {
            // A loop of links, or one that cannot be read, leads nowhere a bundle can be.
            return true;
        }
    }

    // Every file a load reads must really be inside the bundles root (or, for a start bundle configured outside
    // the root, inside its own folder): a model file that is a symbolic link out of it is refused, not followed.
    private void CheckFilesContained(string folder)
    {
        try
        {
            var realFolder = RealPath(folder);
            var realRoot = RealPath(BundlesRoot);
            var boundary = IsInside(realFolder, realRoot) ? realRoot : realFolder;
            foreach (var file in Directory.EnumerateFileSystemEntries(folder))
            {
                if (!IsInside(RealPath(file), boundary))
                {
                    throw new ModelBundleException(
                        $"{Path.GetFileName(file)} in {Path.GetFullPath(folder)} is a symbolic link to a file outside the bundles root; it is not followed.");
                }
            }
        }
        catch (IOException e)
        {
            throw new ModelBundleException($"The files of {Path.GetFullPath(folder)} cannot be resolved ({e.Message}).");
        }
    }

    private static bool IsInside(string path, string root) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The path with every symbolic link along it resolved (what realpath(3) gives).</summary>
    internal static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo entry = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            // A link's target may itself lie under links; resolving it again settles those too.
            current = entry.LinkTarget is null ? next : RealPath(entry.ResolveLinkTarget(returnFinalTarget: true)!.FullName);
        }

        return current;
    }

    /// <inheritdoc />
    public void Dispose() => reloads.Dispose();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex BundleName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Model bundle {Version} from {Folder} is serving (was {From})")]
    private static partial void LogLoaded(ILogger logger, string version, string folder, string from);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model bundle {Version}: batch scoring uses ML.NET's Transform (same numbers, about ten times slower) because {Reason}")]
    private static partial void LogNotCompiled(ILogger logger, string version, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model bundle in {Folder} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's active bundle cannot be read at start ({Reason}); loading the configured start bundle")]
    private static partial void LogClusterUnreadable(ILogger logger, string reason);
}

/// <summary>Loads the start bundle (on a cluster, the cluster's bundle) at start, in the background so that liveness answers at once.</summary>
internal sealed class ModelLoader(ModelHost host) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Run(() => host.LoadAtStartAsync(stoppingToken), stoppingToken);
}
