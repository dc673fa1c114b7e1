using System.Globalization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// A fitted Gamma-Gamma model of value per transaction (Fader, Hardie &amp; Lee 2005, "RFM and CLV:
/// using iso-value curves for customer base analysis"; lifetimes' <c>GammaGammaFitter</c>): a customer's
/// transaction values are Gamma(p, ν) with ν ~ Gamma(q, v) across customers, independent of how often
/// the customer buys. Obtain one from <see cref="Fit"/> or from known parameters with the constructor.
/// </summary>
/// <remarks>
/// The model needs positive values. <see cref="Fit"/> therefore leaves out customers without
/// transactions and customers whose average value is zero or negative (net returns, loss-making
/// orders), and reports both counts. <see cref="ExpectedAverageValue"/> still accepts such customers:
/// it returns the model's credibility-weighted mix of their own average and the population mean, which
/// for a non-positive average is outside the model's assumptions but keeps the sign of the evidence.
/// </remarks>
public sealed record GammaGammaModel
{
    /// <summary>A model with known parameters (for example published ones); <see cref="Estimation"/> is null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is not a finite positive number.</exception>
    public GammaGammaModel(double p, double q, double v)
    {
        P = MaximumLikelihood.Positive(p, nameof(p));
        Q = MaximumLikelihood.Positive(q, nameof(q));
        V = MaximumLikelihood.Positive(v, nameof(v));
    }

    /// <summary>Shape of the Gamma distribution of one customer's transaction values.</summary>
    public double P { get; }

    /// <summary>Shape of the Gamma distribution of the customers' rate parameters ν.</summary>
    public double Q { get; }

    /// <summary>Rate of the Gamma distribution of ν, in currency units: the population mean value is p·v / (q − 1).</summary>
    public double V { get; }

    /// <summary>How the parameters were estimated (standard errors in the order p, q, v); null when they were given.</summary>
    public MaximumLikelihoodReport? Estimation { get; private init; }

    /// <summary>Customers left out of the fit because they have no transactions (0 when the parameters were given).</summary>
    public int ExcludedWithoutTransactions { get; private init; }

    /// <summary>Customers left out of the fit because their average value is zero or negative (0 when the parameters were given).</summary>
    public int ExcludedNonPositiveValue { get; private init; }

    /// <summary>
    /// Mean value per transaction of a customer we know nothing about, p·v / (q − 1); +∞ when q ≤ 1
    /// (the fitted distribution of values is then so heavy-tailed that it has no mean).
    /// </summary>
    public double PopulationMeanValue => Q > 1 ? P * V / (Q - 1) : double.PositiveInfinity;

    /// <summary>
    /// Estimates p, q, v by maximising the likelihood of the customers with transactions and a positive
    /// average value (BFGS on the log-parameters with an analytic gradient, three starts, best kept).
    /// </summary>
    /// <param name="customers">One history per customer; customers that cannot be used are counted, not rejected.</param>
    /// <param name="options">Penalty and iteration cap; <see cref="MaximumLikelihoodOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentException">
    /// No customers, none usable, or an invalid history (the message names the index and the field).
    /// </exception>
    public static GammaGammaModel Fit(IReadOnlyList<TransactionValueHistory> customers, MaximumLikelihoodOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(customers);
        options ??= MaximumLikelihoodOptions.Default;
        options.Validate();
        if (customers.Count == 0)
        {
            throw new ArgumentException("There are no customers to fit.", nameof(customers));
        }

        var usable = new List<TransactionValueHistory>(customers.Count);
        int withoutTransactions = 0, nonPositive = 0;
        double meanValue = 0;
        for (var i = 0; i < customers.Count; i++)
        {
            var customer = customers[i];
            customer.Validate(MaximumLikelihood.Element(nameof(customers), i), nameof(customers));
            if (customer.Transactions == 0)
            {
                withoutTransactions++;
            }
            else if (customer.AverageValue <= 0)
            {
                nonPositive++;
            }
            else
            {
                usable.Add(customer);
                meanValue += customer.AverageValue;
            }
        }

        if (usable.Count == 0)
        {
            throw new ArgumentException(
                $"No customer has transactions with a positive average value ({withoutTransactions:N0} without transactions, {nonPositive:N0} with value ≤ 0).",
                nameof(customers));
        }

        meanValue /= usable.Count;

        // Starts from light to heavy between-customer spread; v is set so that each start's population
        // mean p·v/(q−1) equals the observed mean, which puts it on the data's currency scale.
        double[][] starts =
        [
            [1.0, 2.0, meanValue],
            [5.0, 5.0, meanValue * 4.0 / 5.0],
            [0.5, 10.0, meanValue * 9.0 / 0.5],
        ];
        var likelihood = new GammaGammaLikelihood(usable);
        var (parameters, report) = MaximumLikelihood.Fit(
            (theta, gradient) => likelihood.Evaluate(theta[0], theta[1], theta[2], gradient),
            usable.Count,
            starts,
            [true, true, false],
            options);
        return new GammaGammaModel(parameters[0], parameters[1], parameters[2])
        {
            Estimation = report,
            ExcludedWithoutTransactions = withoutTransactions,
            ExcludedNonPositiveValue = nonPositive,
        };
    }

    /// <summary>
    /// Total log-likelihood of the usable customers in <paramref name="customers"/> (x ≥ 1, mₓ &gt; 0)
    /// under this model; the others are skipped as in <see cref="Fit"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An invalid history.</exception>
    public double LogLikelihood(IReadOnlyList<TransactionValueHistory> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var usable = new List<TransactionValueHistory>(customers.Count);
        for (var i = 0; i < customers.Count; i++)
        {
            customers[i].Validate(MaximumLikelihood.Element(nameof(customers), i), nameof(customers));
            if (customers[i].Transactions > 0 && customers[i].AverageValue > 0)
            {
                usable.Add(customers[i]);
            }
        }

        Span<double> unused = stackalloc double[3];
        return new GammaGammaLikelihood(usable).Evaluate(P, Q, V, unused);
    }

    /// <summary>
    /// E[value per transaction | x, mₓ] = p(v + x·mₓ) / (px + q − 1): a weighted average of the
    /// population mean and the customer's own average, the weight on the latter growing with x.
    /// For x = 0 this is <see cref="PopulationMeanValue"/>.
    /// </summary>
    public double ExpectedAverageValue(TransactionValueHistory customer)
    {
        customer.Validate(nameof(customer), nameof(customer));
        var x = customer.Transactions;
        if (x == 0)
        {
            return PopulationMeanValue;
        }

        return P * (V + (x * customer.AverageValue)) / ((P * x) + Q - 1);
    }

    /// <summary>One line: the parameters, the log-likelihood, the customers fitted and the customers excluded.</summary>
    public override string ToString()
    {
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"Gamma-Gamma p={MaximumLikelihood.Format(P)} q={MaximumLikelihood.Format(Q)} v={MaximumLikelihood.Format(V)}")
            + MaximumLikelihood.Describe(Estimation);
        return Estimation is null
            ? text
            : text + string.Create(
                CultureInfo.InvariantCulture,
                $"; excluded {ExcludedWithoutTransactions:N0} without transactions, {ExcludedNonPositiveValue:N0} with value ≤ 0");
    }
}
