using System.Diagnostics;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;
using MlCustomer.Core.Tiers;
using Spectre.Console;

namespace MlCustomer.Training.Cli;

/// <summary>How every command talks to the person at the terminal: steps with timings, one-line errors.</summary>
internal static class CliOutput
{
    /// <summary>Exit code of a command that failed on bad input or options.</summary>
    public const int Failure = 1;

    /// <summary>Runs one long step with a live status line, then prints it with its duration.</summary>
    public static T Step<T>(string title, Func<Action<string>, T> work)
    {
        var watch = Stopwatch.StartNew();
        T result = default!;
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Redirected to a log (a long training run in the background): no live line to update, so every stage is
            // written with the wall and CPU time since the step began, which shows where a long run spends its time.
            // Counters ("100,000 rows") are written when the stage changes or every half minute, not at every tick.
            var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
            var (lastStage, lastWritten) = ("", TimeSpan.MinValue);
            var gate = new Lock();
            result = work(status =>
            {
                // Progress<T> reports on thread-pool threads: one line at a time.
                lock (gate)
                {
                    var stage = new string(status.Where(c => !char.IsAsciiDigit(c)).ToArray());
                    if (stage == lastStage && watch.Elapsed - lastWritten < TimeSpan.FromSeconds(30))
                    {
                        return;
                    }

                    (lastStage, lastWritten) = (stage, watch.Elapsed);
                    Console.WriteLine(
                        $"  {title} {status} (from {watch.Elapsed.TotalSeconds:0.0} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds:0.0} s CPU)");
                }
            });
        }
        else
        {
            AnsiConsole.Status().Start(title, context => result = work(status => context.Status($"{title} {status}")));
        }

        AnsiConsole.MarkupLineInterpolated($"[green]✓[/] {title} [grey]({watch.Elapsed.TotalSeconds:0.0} s)[/]");
        return result;
    }

    /// <summary>Prints an informational line.</summary>
    public static void Info(string text) => Console.WriteLine(text);

    /// <summary>
    /// Runs a command body and turns the errors a user can cause (bad data, bad options, missing
    /// files, a missing or unusable bundle, invalid rules) into one clear line on stderr and a
    /// non-zero exit code. Anything else is a bug and keeps its stack trace.
    /// </summary>
    public static int Run(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (Exception e) when (e is DataFileException or ModelBundleException or RuleSetException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
    }
}
