using System.Globalization;

namespace MlCustomer.Core.Evaluation;

/// <summary>
/// Argument checks shared by the evaluation functions. Messages name the argument and the first bad
/// index, because the caller usually has thousands of customers and needs to find the one at fault.
/// </summary>
internal static class InputChecks
{
    public static void NotEmpty(int length, string name)
    {
        if (length == 0)
        {
            throw new ArgumentException($"{name} is empty; there must be at least one value.", name);
        }
    }

    public static void SameLength(int expected, string expectedName, int actual, string actualName)
    {
        if (expected != actual)
        {
            throw new ArgumentException(
                $"{actualName} has {actual} values but {expectedName} has {expected}; they must have one value per customer.",
                actualName);
        }
    }

    public static void Finite(ReadOnlySpan<double> values, string name)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] is {Show(values[i])}; every value must be a finite number.", name);
            }
        }
    }

    public static void Probabilities(ReadOnlySpan<double> values, string name)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]) || values[i] < 0 || values[i] > 1)
            {
                throw new ArgumentException($"{name}[{i}] is {Show(values[i])}; every probability must be between 0 and 1.", name);
            }
        }
    }

    /// <summary>Checks the usual pair: scores (finite) and labels, equal lengths, not empty.</summary>
    public static void ScoresAndLabels(ReadOnlySpan<double> scores, string scoresName, ReadOnlySpan<bool> labels, string labelsName)
    {
        NotEmpty(scores.Length, scoresName);
        SameLength(scores.Length, scoresName, labels.Length, labelsName);
        Finite(scores, scoresName);
    }

    /// <summary>Checks a probability vector against its labels: equal lengths, not empty, each in [0, 1].</summary>
    public static void ProbabilitiesAndLabels(ReadOnlySpan<double> probabilities, string probabilitiesName, ReadOnlySpan<bool> labels, string labelsName)
    {
        NotEmpty(probabilities.Length, probabilitiesName);
        SameLength(probabilities.Length, probabilitiesName, labels.Length, labelsName);
        Probabilities(probabilities, probabilitiesName);
    }

    public static void FiniteNumber(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"{name} is {Show(value)}; it must be a finite number.", name);
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number of at least 0.");
        }
    }

    public static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
