using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using MlCustomer.Core.Churn;

namespace MlCustomer.Training.Cli;

/// <summary>
/// Parses the command line so that every mistake in it is one line on stderr and exit code 1, like every other
/// error a user can cause: System.CommandLine's own output is the error plus the whole help text, its number
/// errors name .NET types ("System.Nullable`1[System.Int32]"), and a validator that reads an unparsable value
/// throws from inside the parser.
/// </summary>
internal static class CliParsing
{
    /// <summary>Parses and runs the command line.</summary>
    public static int Invoke(RootCommand root, IReadOnlyList<string> args)
    {
        ReadableNumbers(root);
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            Console.Error.WriteLine($"error: {OneLine(parse)}");
            return CliOutput.Failure;
        }

        return parse.Invoke();
    }

    /// <summary>A whole-number option that refuses values below <paramref name="minimum"/> with a one-line message.</summary>
    public static void AtLeast(Option<int> option, int minimum)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CustomParser = result => Number<int>(result, option.Name, "a whole number", minimum);
    }

    /// <summary>Every parse error, in one line, and where to read the options.</summary>
    internal static string OneLine(ParseResult parse)
    {
        var errors = parse.Errors
            .Select(e => string.Join(" ", e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.'))
            .Distinct(StringComparer.Ordinal);
        var command = string.Join(" ", parse.CommandResult.Command.Parents.OfType<Command>().Reverse()
            .Append(parse.CommandResult.Command).Skip(1).Select(c => c.Name));
        var help = command.Length == 0 ? "--help" : $"{command} --help";
        return $"{string.Join("; ", errors)} (see {help})";
    }

    // Numeric options without a parser of their own get one whose error says the option and the expected
    // value in words; the parser is only called for a value the user typed (defaults come from the factory).
    private static void ReadableNumbers(Command command)
    {
        foreach (var option in command.Options)
        {
            switch (option)
            {
                case Option<int> { CustomParser: null } whole:
                    whole.CustomParser = result => Number<int>(result, whole.Name, "a whole number", null);
                    break;
                case Option<int?> { CustomParser: null } whole:
                    whole.CustomParser = result => Number<int>(result, whole.Name, "a whole number", null);
                    break;
                case Option<double> { CustomParser: null } real:
                    real.CustomParser = result => Number<double>(result, real.Name, "a number", null);
                    break;
                case Option<double?> { CustomParser: null } real:
                    real.CustomParser = result => Number<double>(result, real.Name, "a number", null);
                    break;
                case Option<ChurnAlgorithm> { CustomParser: null } choice:
                    choice.CustomParser = result => OneOf<ChurnAlgorithm>(result, choice.Name);
                    break;
                case Option<Train.ChurnLibrary> { CustomParser: null } libraries:
                    libraries.CustomParser = result => OneOf<Train.ChurnLibrary>(result, libraries.Name);
                    break;
            }
        }

        foreach (var subcommand in command.Subcommands)
        {
            ReadableNumbers(subcommand);
        }
    }

    private static T OneOf<T>(ArgumentResult result, string option)
        where T : struct, Enum
    {
        var text = string.Join(" ", result.Tokens.Select(t => t.Value));
        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !text.All(char.IsAsciiDigit))
        {
            return value;
        }

        result.AddError($"{option} '{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}");
        return default;
    }

    private static T Number<T>(ArgumentResult result, string option, string expected, T? minimum)
        where T : struct, INumber<T>
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(" ", result.Tokens.Select(t => t.Value));
        var styles = typeof(T) == typeof(int) ? NumberStyles.Integer : NumberStyles.Float;
        if (!T.TryParse(text, styles, CultureInfo.InvariantCulture, out var value) || !T.IsFinite(value))
        {
            result.AddError($"{option} '{text}' is not {expected}");
            return default;
        }

        if (minimum is { } least && value < least)
        {
            result.AddError($"{option} must be at least {least.ToString(null, CultureInfo.InvariantCulture)}, not {text}");
            return default;
        }

        return value;
    }
}
