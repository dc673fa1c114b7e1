using System.Numerics;

namespace MlCustomer.Core.SampleData;

/// <summary>
/// A small seeded generator (xoshiro256** seeded through SplitMix64) with the distributions the sample
/// retailer needs. Our own rather than <see cref="Random"/> so that every customer gets an independent
/// stream from (seed, stream) and changing how one customer is simulated never shifts another's draws.
/// </summary>
internal sealed class SampleRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public SampleRandom(int seed, long stream)
    {
        var x = unchecked(((ulong)(uint)seed << 32) ^ (ulong)stream * 0xD1B54A32D192ED03UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>True with the given probability.</summary>
    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>Exponential with mean 1.</summary>
    public double Exponential() => -Math.Log(1.0 - NextDouble());

    /// <summary>Standard normal (Marsaglia's polar method: no trigonometry, so no platform-dependent sin/cos).</summary>
    public double Normal()
    {
        while (true)
        {
            var u = 2.0 * NextDouble() - 1.0;
            var v = 2.0 * NextDouble() - 1.0;
            var s = u * u + v * v;
            if (s is > 0.0 and < 1.0)
            {
                return u * Math.Sqrt(-2.0 * Math.Log(s) / s);
            }
        }
    }

    /// <summary>Log-normal with the given median and log-scale standard deviation.</summary>
    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * Normal());

    /// <summary>Gamma with the given shape and scale 1 (Marsaglia and Tsang).</summary>
    public double Gamma(double shape)
    {
        if (shape < 1.0)
        {
            // Boost: Gamma(a) = Gamma(a + 1) · U^(1/a).
            return Gamma(shape + 1.0) * Math.Pow(1.0 - NextDouble(), 1.0 / shape);
        }

        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1.0 + c * x;
            }
            while (v <= 0.0);

            v = v * v * v;
            var u = 1.0 - NextDouble();
            if (u < 1.0 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1.0 - v + Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    /// <summary>Beta(a, b) as a ratio of gammas.</summary>
    public double Beta(double a, double b)
    {
        var x = Gamma(a);
        var y = Gamma(b);
        return x / (x + y);
    }

    /// <summary>Poisson by inversion; only used with small means.</summary>
    public int Poisson(double mean)
    {
        var limit = Math.Exp(-mean);
        var product = 1.0 - NextDouble();
        var count = 0;
        while (product > limit)
        {
            product *= 1.0 - NextDouble();
            count++;
        }

        return count;
    }

    /// <summary>An index drawn with probability proportional to <paramref name="weights"/>.</summary>
    public int Pick(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        var target = NextDouble() * total;
        for (var i = 0; i < weights.Length - 1; i++)
        {
            target -= weights[i];
            if (target < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    /// <summary>A Dirichlet draw around <paramref name="mean"/> (normalised) with the given concentration.</summary>
    public double[] Dirichlet(ReadOnlySpan<double> mean, double concentration)
    {
        var total = 0.0;
        foreach (var m in mean)
        {
            total += m;
        }

        var result = new double[mean.Length];
        var sum = 0.0;
        for (var i = 0; i < mean.Length; i++)
        {
            result[i] = mean[i] <= 0 ? 0 : Gamma(concentration * mean[i] / total);
            sum += result[i];
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] /= sum;
        }

        return result;
    }

    private ulong Next()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    private static ulong SplitMix(ref ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15UL;
            var z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
