using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace MlCustomer.Core.Explanations;

/// <summary>A tree ensemble inside a model chain, with the column of feature vectors it reads.</summary>
/// <param name="FeatureColumn">The column the predictor reads.</param>
/// <param name="Model">The trees.</param>
/// <param name="Calibrator">For a calibrated classifier, what turns the trees' raw score into its probability; else null.</param>
public sealed record TreeModel(string FeatureColumn, TreeEnsembleModelParametersBasedOnRegressionTree Model, ICalibrator? Calibrator = null);

/// <summary>Finds the tree ensembles of a model chain, in chain order (a two-part value model has two).</summary>
public static class BundleTrees
{
    /// <summary>Every tree predictor in <paramref name="chain"/> (calibrated ones by their trees).</summary>
    public static IReadOnlyList<TreeModel> Find(ITransformer chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var found = new List<TreeModel>();
        Collect(chain, found);
        return found;
    }

    private static void Collect(ITransformer transformer, List<TreeModel> found)
    {
        if (transformer is IEnumerable<ITransformer> chain)
        {
            foreach (var part in chain)
            {
                Collect(part, found);
            }

            return;
        }

        if (transformer is ISingleFeaturePredictionTransformer<object> predictor)
        {
            var model = predictor.Model;
            // A calibrated classifier holds its trees as the SubModel of ML.NET's calibrated parameters.
            // (declared twice, generic and not, so it is looked up by name among all properties).
            var trees = model as TreeEnsembleModelParametersBasedOnRegressionTree
                ?? model.GetType().GetProperties()
                    .Where(p => p.Name == "SubModel" && p.GetIndexParameters().Length == 0)
                    .Select(p => p.GetValue(model))
                    .OfType<TreeEnsembleModelParametersBasedOnRegressionTree>()
                    .FirstOrDefault();
            if (trees is not null)
            {
                found.Add(new TreeModel(predictor.FeatureColumnName, trees, (model as CalibratedModelParametersBase)?.Calibrator));
            }
        }
    }

    /// <summary>The feature vectors of <paramref name="column"/> after <paramref name="chain"/> transforms <paramref name="data"/>.</summary>
    public static List<float[]> FeatureVectors(ITransformer chain, IDataView data, string column)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var transformed = chain.Transform(data);
        var vectors = new List<float[]>();
        using var cursor = transformed.GetRowCursor([transformed.Schema[column]]);
        var getter = cursor.GetGetter<VBuffer<float>>(transformed.Schema[column]);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            vectors.Add(buffer.DenseValues().ToArray());
        }

        return vectors;
    }
}
