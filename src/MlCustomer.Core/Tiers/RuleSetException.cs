using System.Globalization;

namespace MlCustomer.Core.Tiers;

/// <summary>One problem in a rules file: the JSON path of the property (e.g. <c>tiers.sharesPercent</c>) and what is wrong.</summary>
/// <param name="Path">JSON path without the leading "$.", camel-cased as in the file; empty for the whole file.</param>
/// <param name="Problem">What is wrong, with the offending value.</param>
public sealed record RuleProblem(string Path, string Problem)
{
    /// <inheritdoc/>
    public override string ToString() => Path.Length == 0 ? Problem : $"{Path}: {Problem}";

    internal static string Show(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>A rules file that cannot be used: names the file, each property at fault and the problem.</summary>
public sealed class RuleSetException : Exception
{
    /// <summary>Creates the error from every problem found.</summary>
    public RuleSetException(string source, IReadOnlyList<RuleProblem> problems)
        : base($"{System.IO.Path.GetFileName(source)}: {string.Join("; ", problems)}")
    {
        Source = source;
        Problems = problems;
    }

    /// <summary>The file (or "rules" for text that came from elsewhere).</summary>
    public new string Source { get; }

    /// <summary>Every problem, each with its JSON path.</summary>
    public IReadOnlyList<RuleProblem> Problems { get; }
}
