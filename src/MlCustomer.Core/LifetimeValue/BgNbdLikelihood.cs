namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// The BG/NBD log-likelihood of a fixed set of customers and its gradient, laid out for repeated
/// evaluation during a fit: the customers are copied into flat arrays once, the Γ-function terms are
/// computed once per distinct purchase count instead of once per customer, and an evaluation allocates
/// nothing.
/// </summary>
/// <remarks>
/// Per customer (Fader, Hardie &amp; Lee 2005, eq. 6, in lifetimes' log form):
/// ℓ = log Γ(r+x) − log Γ(r) + r log α + log B(a, b+x) − log B(a, b)
///     + log[ (α+T)^−(r+x) + 1{x&gt;0} · a/(b+x−1) · (α+tₓ)^−(r+x) ],
/// the last term by log-sum-exp so that neither power underflows for large x.
/// </remarks>
internal sealed class BgNbdLikelihood
{
    private readonly int[] _countIndex;
    private readonly double[] _timeToLast;
    private readonly double[] _age;
    private readonly double[] _distinctCounts;
    private readonly int[] _customersPerCount;

    // Per distinct purchase count, refreshed on every evaluation.
    private readonly double[] _logGammaRatioR;
    private readonly double[] _digammaDiffR;
    private readonly double[] _logBetaRatio;
    private readonly double[] _digammaDiffB;
    private readonly double[] _digammaDiffAb;
    private readonly double[] _logBPlusXMinusOne;
    private readonly double[] _inverseBPlusXMinusOne;

    /// <summary>Lays out already validated customers.</summary>
    public BgNbdLikelihood(IReadOnlyList<RepeatPurchaseHistory> customers)
    {
        var count = customers.Count;
        _countIndex = new int[count];
        _timeToLast = new double[count];
        _age = new double[count];

        var distinct = new SortedSet<double>();
        for (var i = 0; i < count; i++)
        {
            distinct.Add(customers[i].RepeatPurchases);
        }

        _distinctCounts = [.. distinct];
        _customersPerCount = new int[_distinctCounts.Length];
        for (var i = 0; i < count; i++)
        {
            var customer = customers[i];
            var k = Array.BinarySearch(_distinctCounts, customer.RepeatPurchases);
            _countIndex[i] = k;
            _customersPerCount[k]++;
            _timeToLast[i] = customer.TimeToLastPurchase;
            _age[i] = customer.Age;
        }

        var distinctCount = _distinctCounts.Length;
        _logGammaRatioR = new double[distinctCount];
        _digammaDiffR = new double[distinctCount];
        _logBetaRatio = new double[distinctCount];
        _digammaDiffB = new double[distinctCount];
        _digammaDiffAb = new double[distinctCount];
        _logBPlusXMinusOne = new double[distinctCount];
        _inverseBPlusXMinusOne = new double[distinctCount];
    }

    /// <summary>Number of customers.</summary>
    public int Count => _age.Length;

    /// <summary>
    /// Total log-likelihood at (r, α, a, b); writes its partial derivatives with respect to
    /// r, α, a, b (in that order) into <paramref name="gradient"/>.
    /// </summary>
    public double Evaluate(double r, double alpha, double a, double b, Span<double> gradient)
    {
        var logAlpha = Math.Log(alpha);
        var logA = Math.Log(a);
        double constantPart = 0, dR = 0, dA = 0, dB = 0;
        for (var k = 0; k < _distinctCounts.Length; k++)
        {
            var x = _distinctCounts[k];
            var n = _customersPerCount[k];
            var logGammaRatioR = SpecialFunctions.LogGamma(r + x) - SpecialFunctions.LogGamma(r);
            // log B(a, b+x) − log B(a, b) = log Γ(b+x) − log Γ(b) − [log Γ(a+b+x) − log Γ(a+b)]
            var logBetaRatio = SpecialFunctions.LogGamma(b + x) - SpecialFunctions.LogGamma(b)
                - SpecialFunctions.LogGamma(a + b + x) + SpecialFunctions.LogGamma(a + b);
            var digammaDiffR = x == 0 ? 0 : SpecialFunctions.Digamma(r + x) - SpecialFunctions.Digamma(r);
            var digammaDiffB = x == 0 ? 0 : SpecialFunctions.Digamma(b + x) - SpecialFunctions.Digamma(b);
            var digammaDiffAb = x == 0 ? 0 : SpecialFunctions.Digamma(a + b + x) - SpecialFunctions.Digamma(a + b);
            _logGammaRatioR[k] = logGammaRatioR;
            _digammaDiffR[k] = digammaDiffR;
            _logBetaRatio[k] = logBetaRatio;
            _digammaDiffB[k] = digammaDiffB;
            _digammaDiffAb[k] = digammaDiffAb;
            _logBPlusXMinusOne[k] = x > 0 ? Math.Log(b + x - 1) : 0;
            _inverseBPlusXMinusOne[k] = x > 0 ? 1.0 / (b + x - 1) : 0;

            constantPart += n * (logGammaRatioR + logBetaRatio);
            dR += n * digammaDiffR;
            dA -= n * digammaDiffAb;
            dB += n * (digammaDiffB - digammaDiffAb);
        }

        var customers = _age.Length;
        constantPart += customers * r * logAlpha;
        dR += customers * logAlpha;
        var dAlpha = customers * r / alpha;

        double logSumExpPart = 0, deadWeightOverB = 0, deadWeight = 0;
        for (var i = 0; i < customers; i++)
        {
            var k = _countIndex[i];
            var x = _distinctCounts[k];
            var rx = r + x;
            var alphaT = alpha + _age[i];
            var logAlphaT = Math.Log(alphaT);
            var aliveTerm = -rx * logAlphaT;
            if (x == 0)
            {
                logSumExpPart += aliveTerm;
                dR -= logAlphaT;
                dAlpha -= rx / alphaT;
                continue;
            }

            var alphaTx = alpha + _timeToLast[i];
            var logAlphaTx = Math.Log(alphaTx);
            var deadTerm = logA - _logBPlusXMinusOne[k] - (rx * logAlphaTx);
            // w = share of the "dropped out after the last purchase" term in the likelihood.
            double w;
            var difference = deadTerm - aliveTerm;
            if (difference > 0)
            {
                var e = Math.Exp(-difference);
                logSumExpPart += deadTerm + SpecialFunctions.LogOnePlus(e);
                w = 1.0 / (1.0 + e);
            }
            else
            {
                var e = Math.Exp(difference);
                logSumExpPart += aliveTerm + SpecialFunctions.LogOnePlus(e);
                w = e / (1.0 + e);
            }

            dR -= ((1 - w) * logAlphaT) + (w * logAlphaTx);
            dAlpha -= rx * (((1 - w) / alphaT) + (w / alphaTx));
            deadWeight += w;
            deadWeightOverB += w * _inverseBPlusXMinusOne[k];
        }

        gradient[0] = dR;
        gradient[1] = dAlpha;
        gradient[2] = dA + (deadWeight / a);
        gradient[3] = dB - deadWeightOverB;
        return constantPart + logSumExpPart;
    }
}
