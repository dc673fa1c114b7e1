using MlCustomer.Core.LifetimeValue;

namespace MlCustomer.Core.Tests.LifetimeValue;

/// <summary>Draws customers from the BG/NBD and Gamma-Gamma generative stories, for parameter-recovery tests.</summary>
internal static class LifetimeValueSimulation
{
    /// <summary>
    /// BG/NBD: λ ~ Gamma(r, rate α), p ~ Beta(a, b); from the first purchase at time 0, purchases arrive
    /// at rate λ and after each repeat purchase the customer drops out with probability p. Age T is
    /// uniform in [minAge, maxAge].
    /// </summary>
    public static List<RepeatPurchaseHistory> BgNbdCustomers(
        Random random, int count, double r, double alpha, double a, double b, double minAge, double maxAge)
    {
        var customers = new List<RepeatPurchaseHistory>(count);
        for (var i = 0; i < count; i++)
        {
            var age = minAge + ((maxAge - minAge) * random.NextDouble());
            var rate = Gamma(random, r, alpha);
            var dropOut = Beta(random, a, b);
            double time = 0, lastPurchase = 0;
            var purchases = 0;
            while (true)
            {
                time += Exponential(random) / rate;
                if (time > age)
                {
                    break;
                }

                purchases++;
                lastPurchase = time;
                if (random.NextDouble() < dropOut)
                {
                    break;
                }
            }

            customers.Add(new RepeatPurchaseHistory(purchases, lastPurchase, age));
        }

        return customers;
    }

    /// <summary>
    /// Gamma-Gamma: ν ~ Gamma(q, rate v) per customer, each transaction value ~ Gamma(p, rate ν);
    /// transactions per customer 1 + a geometric count with mean 3 (the model is conditional on x, so any
    /// spread of x will do).
    /// </summary>
    public static List<TransactionValueHistory> GammaGammaCustomers(Random random, int count, double p, double q, double v)
    {
        var customers = new List<TransactionValueHistory>(count);
        for (var i = 0; i < count; i++)
        {
            var transactions = 1 + (int)Math.Floor(3 * Exponential(random));
            var nu = Gamma(random, q, v);
            var total = 0.0;
            for (var j = 0; j < transactions; j++)
            {
                total += Gamma(random, p, nu);
            }

            customers.Add(new TransactionValueHistory(transactions, total / transactions));
        }

        return customers;
    }

    private static double Exponential(Random random) => -Math.Log(1.0 - random.NextDouble());

    private static double Beta(Random random, double a, double b)
    {
        var x = Gamma(random, a, 1);
        var y = Gamma(random, b, 1);
        return x / (x + y);
    }

    // Marsaglia & Tsang (2000), with the shape < 1 boost Gamma(k) = Gamma(k + 1) · U^(1/k).
    private static double Gamma(Random random, double shape, double rate)
    {
        if (shape < 1)
        {
            return Gamma(random, shape + 1, rate) * Math.Pow(random.NextDouble(), 1 / shape);
        }

        var d = shape - (1.0 / 3.0);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = random.NextDouble();
            if (u < 1 - (0.0331 * x * x * x * x) || Math.Log(u) < (0.5 * x * x) + (d * (1 - v + Math.Log(v))))
            {
                return d * v / rate;
            }
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
