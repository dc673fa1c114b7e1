using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace MlCustomer.Core.Explanations;

/// <summary>
/// What TreeSHAP needs of one tree model that ML.NET does not keep: how many of the model's own fitting rows passed
/// through each node and leaf of each tree, and the expected output over them (the baseline its effects start
/// from). Counted once at training (<see cref="Count"/>) and stored in the model card.
/// </summary>
/// <param name="Part">Which part of the model: "churn", "purchase" (P(value ≠ 0)), "amount" (E[value | value ≠ 0]) or "regression".</param>
/// <param name="FittedOn">The rows the covers count, in words.</param>
/// <param name="Rows">How many rows that is.</param>
/// <param name="Baseline">Σ over the trees of the cover-weighted mean leaf output: the model's raw score expected over those rows.</param>
/// <param name="Trees">Per tree with a split, in ensemble order: its node covers, then its leaf covers.</param>
public sealed record TreeCovers(string Part, string FittedOn, int Rows, double Baseline, IReadOnlyList<double[]> Trees)
{
    /// <summary>Routes <paramref name="fittingRows"/>' feature vectors (column <paramref name="featureColumn"/>) through <paramref name="model"/>'s trees.</summary>
    public static TreeCovers Count(
        string part, string fittedOn, TreeEnsembleModelParametersBasedOnRegressionTree model, IDataView fittingRows, string featureColumn)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(fittingRows);
        var trees = ShapTree.FromFastTree(model, slot => slot);
        var rows = 0;
        using (var cursor = fittingRows.GetRowCursor([fittingRows.Schema[featureColumn]]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(fittingRows.Schema[featureColumn]);
            VBuffer<float> buffer = default;
            float[] dense = [];
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                if (dense.Length != buffer.Length)
                {
                    dense = new float[buffer.Length];
                }

                buffer.CopyTo(dense);
                foreach (var tree in trees)
                {
                    tree.CountCovers(dense);
                }

                rows++;
            }
        }

        return new TreeCovers(
            part, fittedOn, rows, trees.Sum(t => t.ExpectedValue()),
            trees.Select(t => t.Covers()).Select(c => c.Nodes.Concat(c.Leaves).ToArray()).ToList());
    }

    /// <summary>
    /// <paramref name="model"/>'s trees with these covers, splits mapped to attribution units by <paramref name="unitOfSlot"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The covers were counted for other trees.</exception>
    public IReadOnlyList<ShapTree> Apply(TreeEnsembleModelParametersBasedOnRegressionTree model, Func<int, int> unitOfSlot)
    {
        var trees = ShapTree.FromFastTree(model, unitOfSlot);
        if (trees.Count != Trees.Count)
        {
            throw new InvalidOperationException($"The {Part} covers describe {Trees.Count} trees; the model has {trees.Count}.");
        }

        for (var t = 0; t < trees.Count; t++)
        {
            var covers = Trees[t];
            var tree = trees[t];
            if (covers.Length != tree.SplitCount + tree.LeafCount)
            {
                throw new InvalidOperationException($"The {Part} covers of tree {t} do not fit its {tree.SplitCount} splits and {tree.LeafCount} leaves.");
            }

            tree.SetCovers(covers.AsSpan(0, tree.SplitCount), covers.AsSpan(tree.SplitCount));
        }

        return trees;
    }
}
