using MlCustomer.Core.Explanations;

namespace MlCustomer.Core.Tests.Explanations;

/// <summary>
/// The test oracle: exact Shapley values of one tree by their definition, over every subset S of the units the
/// tree splits on, with the path-dependent conditional expectation v(S) = E[f(x) | x_S] (follow the row's decision at
/// a split on a unit in S, average the children by cover otherwise). Exponential in the units, fine for ≤ 10.
/// </summary>
public static class BruteForceShapley
{
    public static Dictionary<int, double> Effects(ShapTree tree, bool[] goesRight)
    {
        var units = tree.DistinctUnits();
        var m = units.Length;
        var value = new double[1 << m];
        for (var mask = 0; mask < value.Length; mask++)
        {
            var known = new HashSet<int>(Enumerable.Range(0, m).Where(i => (mask & (1 << i)) != 0).Select(i => units[i]));
            value[mask] = tree.Expected(0, known.Contains, goesRight);
        }

        var effects = new Dictionary<int, double>();
        for (var i = 0; i < m; i++)
        {
            double phi = 0;
            for (var mask = 0; mask < value.Length; mask++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    continue;
                }

                var size = System.Numerics.BitOperations.PopCount((uint)mask);
                phi += Factorial(size) * Factorial(m - size - 1) / Factorial(m) * (value[mask | (1 << i)] - value[mask]);
            }

            effects[units[i]] = phi;
        }

        return effects;
    }

    private static double Factorial(int n)
    {
        double f = 1;
        for (var k = 2; k <= n; k++)
        {
            f *= k;
        }

        return f;
    }
}
