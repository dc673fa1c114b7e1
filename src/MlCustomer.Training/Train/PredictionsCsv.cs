using System.Text;
using MlCustomer.Core.Bundle;
using MlCustomer.Core.Data;

namespace MlCustomer.Training.Train;

/// <summary>predictions.csv in a bundle: every held-out and out-of-fold prediction, for a data scientist's own analysis.</summary>
internal static class PredictionsCsv
{
    public const string FileName = "predictions.csv";

    public static void Write(string path, IReadOnlyList<HeldOutPrediction> predictions)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        writer.Write("customer_id,fold,label,churn_probability,predicted_value\n");
        foreach (var p in predictions)
        {
            writer.Write($"{CsvText.Escape(p.CustomerId)},{p.Fold},{(p.Churned ? 1 : 0)},{CsvText.Number(p.ChurnProbability, 6)},{(p.PredictedValue is { } v ? CsvText.Number(v, 2) : "")}\n");
        }
    }
}
