using System.Globalization;
using MlCustomer.Core.Data;

namespace MlCustomer.Core.SampleData;

/// <summary>One customer's latent truth as the sample data generator knows it.</summary>
/// <param name="TrueChurnProbability">Probability of no purchase in the churn horizon after the default as-of date.</param>
/// <param name="TrueExpectedProfit">Expected gross profit in the value horizon after the default as-of date.</param>
public sealed record OracleTruth(double TrueChurnProbability, double TrueExpectedProfit);

/// <summary>
/// Reads ground-truth.csv. It is never a feature: evaluation uses it only to show how close a model
/// comes to the best achievable score (the oracle), and only at the as-of date it was written for.
/// </summary>
public static class GroundTruthFile
{
    /// <summary>The file's name in a sample data folder.</summary>
    public const string FileName = "ground-truth.csv";

    /// <summary>Customer id → truth.</summary>
    public static IReadOnlyDictionary<string, OracleTruth> Read(string path)
    {
        using var reader = new StreamReader(path);
        var header = (reader.ReadLine() ?? throw new DataFileException(path, 1, null, "the file is empty")).Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0
            ? i
            : throw new DataFileException(path, 1, name, "column missing");
        var (id, churn, profit) = (Column("customer_id"), Column("true_churn_probability"), Column("true_expected_profit"));
        var truth = new Dictionary<string, OracleTruth>(StringComparer.Ordinal);
        var line = 1L;
        while (reader.ReadLine() is { } text)
        {
            line++;
            var cells = text.Split(',');
            truth[cells[id]] = new OracleTruth(Number(cells[churn], path, line), Number(cells[profit], path, line));
        }

        return truth;
    }

    private static double Number(string cell, string path, long line) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new DataFileException(path, line, null, $"'{cell}' is not a number");
}
