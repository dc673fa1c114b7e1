using System.ComponentModel.DataAnnotations;

namespace MlCustomer.Api.Workspace;

/// <summary>The marketing workspace's sessions (section <c>MlCustomer:Workspace</c>).</summary>
public sealed class WorkspaceOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "MlCustomer:Workspace";

    /// <summary>
    /// Folder of the Data Protection keys that sign and encrypt session and antiforgery cookies, relative to the content
    /// root unless absolute; empty means <c>data-protection-keys</c> beside the database. Kept on disk, not in memory, so
    /// sessions survive a restart; several instances behind one address must share it, or share a coordination database
    /// (<c>MlCustomer:Cluster:PostgreSql</c>), which then keeps the keys instead of this folder.
    /// </summary>
    public string KeysPath { get; set; } = "";

    /// <summary>
    /// Starts a scoring run of the whole base once the model is ready when no run has succeeded and none is queued or
    /// running, so a fresh start shows a pyramid instead of nothing. Null (the default) means on in Development, off elsewhere.
    /// </summary>
    public bool? ScoreOnStart { get; set; }

    /// <summary>
    /// After a start, loads into memory what the current run's end left there before the restart (its target candidates,
    /// the movement from the run before), in the background, so the first planner and movement calls are as fast as the
    /// later ones. On by default; off leaves that work to the first call.
    /// </summary>
    public bool WarmUpOnStart { get; set; } = true;

    /// <summary>How long a session lasts without use (sliding), in hours.</summary>
    [Range(1, 24 * 30)]
    public int SessionHours { get; set; } = 8;
}
