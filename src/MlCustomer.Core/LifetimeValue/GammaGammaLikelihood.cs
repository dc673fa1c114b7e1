namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// The Gamma-Gamma log-likelihood of the mean transaction values of a fixed set of customers (all with
/// x ≥ 1 and mₓ &gt; 0) and its gradient. Γ-function terms are computed once per distinct x; the
/// terms that do not depend on the parameters are summed once; an evaluation allocates nothing.
/// </summary>
/// <remarks>
/// Per customer (Fader, Hardie &amp; Lee 2005, "RFM and CLV", with the individual's values
/// zᵢ ~ Gamma(p, ν) and ν ~ Gamma(q, v), so that mₓ ~ Gamma(px, νx)):
/// ℓ = log Γ(px+q) − log Γ(px) − log Γ(q) + q log v + (px−1) log mₓ + px log x − (px+q) log(x mₓ + v).
/// </remarks>
internal sealed class GammaGammaLikelihood
{
    private readonly double[] _transactions;
    private readonly double[] _totalValue;
    private readonly double[] _distinctTransactions;
    private readonly int[] _customersPerTransactions;
    private readonly double _sumXLogXm;
    private readonly double _sumLogM;

    /// <summary>Lays out customers that are already validated and filtered to x ≥ 1, mₓ &gt; 0.</summary>
    public GammaGammaLikelihood(IReadOnlyList<TransactionValueHistory> customers)
    {
        var count = customers.Count;
        _transactions = new double[count];
        _totalValue = new double[count];
        var perTransactions = new SortedDictionary<double, int>();
        for (var i = 0; i < count; i++)
        {
            var (x, m) = customers[i];
            _transactions[i] = x;
            _totalValue[i] = x * m;
            _sumXLogXm += x * Math.Log(x * m);
            _sumLogM += Math.Log(m);
            perTransactions[x] = perTransactions.GetValueOrDefault(x) + 1;
        }

        _distinctTransactions = [.. perTransactions.Keys];
        _customersPerTransactions = [.. perTransactions.Values];
    }

    /// <summary>Number of customers.</summary>
    public int Count => _transactions.Length;

    /// <summary>Total log-likelihood at (p, q, v); writes ∂/∂p, ∂/∂q, ∂/∂v into <paramref name="gradient"/>.</summary>
    public double Evaluate(double p, double q, double v, Span<double> gradient)
    {
        var n = _transactions.Length;
        var digammaQ = SpecialFunctions.Digamma(q);
        var logV = Math.Log(v);
        var value = (n * ((q * logV) - SpecialFunctions.LogGamma(q))) + (p * _sumXLogXm) - _sumLogM;
        var dP = _sumXLogXm;
        var dQ = n * (logV - digammaQ);
        for (var k = 0; k < _distinctTransactions.Length; k++)
        {
            var x = _distinctTransactions[k];
            var customers = _customersPerTransactions[k];
            var px = p * x;
            value += customers * (SpecialFunctions.LogGamma(px + q) - SpecialFunctions.LogGamma(px));
            var digammaPxQ = SpecialFunctions.Digamma(px + q);
            dP += customers * x * (digammaPxQ - SpecialFunctions.Digamma(px));
            dQ += customers * digammaPxQ;
        }

        double sumLog = 0, sumXLog = 0, sumInverse = 0, sumXInverse = 0;
        for (var i = 0; i < n; i++)
        {
            var x = _transactions[i];
            var denominator = _totalValue[i] + v;
            var log = Math.Log(denominator);
            var inverse = 1.0 / denominator;
            sumLog += log;
            sumXLog += x * log;
            sumInverse += inverse;
            sumXInverse += x * inverse;
        }

        value -= (p * sumXLog) + (q * sumLog);
        gradient[0] = dP - sumXLog;
        gradient[1] = dQ - sumLog;
        gradient[2] = (n * q / v) - (p * sumXInverse) - (q * sumInverse);
        return value;
    }
}
