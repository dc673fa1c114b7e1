using System.Globalization;

namespace MlCustomer.Core.LifetimeValue;

/// <summary>
/// A fitted BG/NBD model (Fader, Hardie &amp; Lee 2005, "Counting your customers the easy way",
/// Marketing Science 24(2)): while alive a customer buys at a Poisson rate λ ~ Gamma(r, α), and after
/// each repeat purchase drops out for good with probability p ~ Beta(a, b). Obtain one from
/// <see cref="Fit"/> (maximum likelihood) or from known parameters with the constructor; predictions
/// need nothing else. Times are in the unit the customers were given in (the "period").
/// </summary>
public sealed record BgNbdModel
{
    /// <summary>A model with known parameters (for example published ones); <see cref="Estimation"/> is null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is not a finite positive number.</exception>
    public BgNbdModel(double r, double alpha, double a, double b)
    {
        R = MaximumLikelihood.Positive(r, nameof(r));
        Alpha = MaximumLikelihood.Positive(alpha, nameof(alpha));
        A = MaximumLikelihood.Positive(a, nameof(a));
        B = MaximumLikelihood.Positive(b, nameof(b));
    }

    /// <summary>Shape of the Gamma distribution of purchase rates λ.</summary>
    public double R { get; }

    /// <summary>Rate (inverse scale) of the Gamma distribution of purchase rates, in periods: mean λ = r / α purchases per period.</summary>
    public double Alpha { get; }

    /// <summary>First shape of the Beta distribution of drop-out probabilities p.</summary>
    public double A { get; }

    /// <summary>Second shape of the Beta distribution of drop-out probabilities: mean p = a / (a + b).</summary>
    public double B { get; }

    /// <summary>How the parameters were estimated (standard errors in the order r, α, a, b); null when they were given.</summary>
    public MaximumLikelihoodReport? Estimation { get; private init; }

    /// <summary>
    /// Estimates r, α, a, b by maximising the log-likelihood over the log-parameters (BFGS with an
    /// analytic gradient, from three starting points; the best is kept).
    /// </summary>
    /// <param name="customers">One history per customer; at least one must have a repeat purchase.</param>
    /// <param name="options">Penalty and iteration cap; <see cref="MaximumLikelihoodOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentException">
    /// No customers, no repeat purchases at all, or an invalid history (the message names the index and the field).
    /// </exception>
    public static BgNbdModel Fit(IReadOnlyList<RepeatPurchaseHistory> customers, MaximumLikelihoodOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(customers);
        options ??= MaximumLikelihoodOptions.Default;
        options.Validate();
        ValidateAll(customers, nameof(customers));

        double meanPurchases = 0, meanAge = 0;
        for (var i = 0; i < customers.Count; i++)
        {
            meanPurchases += customers[i].RepeatPurchases;
            meanAge += customers[i].Age;
        }

        meanPurchases /= customers.Count;
        meanAge /= customers.Count;
        if (meanPurchases == 0)
        {
            throw new ArgumentException(
                "No customer has a repeat purchase, so purchase rates and drop-out cannot be estimated.", nameof(customers));
        }

        // The starts span slow/fast buyers and early/late drop-out; α is set so that each start's mean
        // rate r/α matches the observed purchases per period, which puts it on the data's time scale.
        var ratePerPeriod = meanPurchases / Math.Max(meanAge, double.Epsilon);
        double[][] starts =
        [
            [1.0, 1.0 / ratePerPeriod, 1.0, 1.0],
            [0.3, 0.3 / ratePerPeriod, 0.7, 3.0],
            [3.0, 3.0 / ratePerPeriod, 3.0, 0.7],
        ];
        var likelihood = new BgNbdLikelihood(customers);
        var (parameters, report) = MaximumLikelihood.Fit(
            (theta, gradient) => likelihood.Evaluate(theta[0], theta[1], theta[2], theta[3], gradient),
            customers.Count,
            starts,
            [true, false, true, true],
            options);
        return new BgNbdModel(parameters[0], parameters[1], parameters[2], parameters[3]) { Estimation = report };
    }

    /// <summary>Total log-likelihood of <paramref name="customers"/> under this model (eq. 6 of the paper).</summary>
    /// <exception cref="ArgumentException">No customers or an invalid history.</exception>
    public double LogLikelihood(IReadOnlyList<RepeatPurchaseHistory> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ValidateAll(customers, nameof(customers));
        return LogLikelihood(new BgNbdLikelihood(customers));
    }

    /// <summary>
    /// E[purchases in (T, T + horizon] | x, tₓ, T]: the conditional expectation of eq. 10 of the paper.
    /// The ₂F₁ is summed after Euler's transformation, ₂F₁(r+x, b+x; a+b+x−1; z)·(1−z)^(r+x) =
    /// (1−z)^(a−1)·₂F₁(a+b−1−r, a−1; a+b+x−1; z) with z = horizon / (α+T+horizon), whose terms stay
    /// bounded for any x and which has no 0/0 at a = 1.
    /// </summary>
    /// <param name="customer">The customer's history at the end of the observation period.</param>
    /// <param name="horizon">Length of the prediction window, in periods (≥ 0).</param>
    /// <exception cref="InvalidOperationException">
    /// The horizon is more than about 10⁴ times α + T, where the series no longer converges in reasonable time.
    /// </exception>
    public double ExpectedPurchases(RepeatPurchaseHistory customer, double horizon)
    {
        customer.Validate(nameof(customer), nameof(customer));
        ValidateHorizon(horizon);
        if (horizon == 0)
        {
            return 0;
        }

        var x = customer.RepeatPurchases;
        var alphaT = Alpha + customer.Age;
        var logShrink = -SpecialFunctions.LogOnePlus(horizon / alphaT); // log(1 − z) = log((α+T) / (α+T+t))
        var z = horizon / (alphaT + horizon);
        var aMinusOne = A - 1;
        var series = SpecialFunctions.Hypergeometric2F1MinusOneOverB(A + B - 1 - R, aMinusOne, A + B + x - 1, z);
        // [1 − (1−z)^(a−1) · ₂F₁(…)] / (a − 1), with ₂F₁ = 1 + (a−1)·series, written without cancellation.
        var firstPart = aMinusOne == 0 ? -logShrink : -SpecialFunctions.ExpMinusOne(aMinusOne * logShrink) / aMinusOne;
        var bracket = firstPart - (Math.Exp(aMinusOne * logShrink) * series);
        return (A + B + x - 1) * bracket / (1 + DeadToAliveOdds(customer));
    }

    /// <summary>
    /// E[repeat purchases in (0, horizon]] for a customer who has just made a first purchase
    /// (eq. 9 of the paper; lifetimes' <c>expected_number_of_purchases_up_to_time</c>).
    /// </summary>
    /// <param name="horizon">Length of the window after the first purchase, in periods (≥ 0).</param>
    public double ExpectedPurchasesOfNewCustomer(double horizon) => ExpectedPurchases(new RepeatPurchaseHistory(0, 0, 0), horizon);

    /// <summary>
    /// P(alive at T | x, tₓ, T) = 1 / (1 + 1{x&gt;0} · a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x)). A customer
    /// without repeat purchases is alive with probability 1: in BG/NBD drop-out happens only right
    /// after a repeat purchase (a known artefact of the model).
    /// </summary>
    public double ProbabilityAlive(RepeatPurchaseHistory customer)
    {
        customer.Validate(nameof(customer), nameof(customer));
        return 1.0 / (1.0 + DeadToAliveOdds(customer));
    }

    /// <summary>
    /// P(no purchase in (T, T + horizon] | x, tₓ, T): the BG/NBD churn probability for a horizon.
    /// A customer makes no purchase in the window if already dropped out, or if alive and the Poisson
    /// process stays silent; given alive the posterior of λ is Gamma(r+x, α+T), so the second event has
    /// probability ((α+T)/(α+T+horizon))^(r+x). Drop-out inside the window needs a purchase inside it,
    /// so the formula is exact: 1 − P(alive) + P(alive) · ((α+T)/(α+T+horizon))^(r+x).
    /// </summary>
    /// <param name="customer">The customer's history at the end of the observation period.</param>
    /// <param name="horizon">Length of the window, in periods (≥ 0).</param>
    public double ProbabilityNoPurchase(RepeatPurchaseHistory customer, double horizon)
    {
        customer.Validate(nameof(customer), nameof(customer));
        ValidateHorizon(horizon);
        var alive = 1.0 / (1.0 + DeadToAliveOdds(customer));
        var logSilentGivenAlive = -(R + customer.RepeatPurchases) * SpecialFunctions.LogOnePlus(horizon / (Alpha + customer.Age));
        return 1.0 + (alive * SpecialFunctions.ExpMinusOne(logSilentGivenAlive));
    }

    /// <summary>One line: the parameters, the log-likelihood and how many customers they were fitted on.</summary>
    public override string ToString()
    {
        return $"BG/NBD r={MaximumLikelihood.Format(R)} alpha={MaximumLikelihood.Format(Alpha)} "
            + $"a={MaximumLikelihood.Format(A)} b={MaximumLikelihood.Format(B)}{MaximumLikelihood.Describe(Estimation)}";
    }

    private double LogLikelihood(BgNbdLikelihood likelihood)
    {
        Span<double> unused = stackalloc double[4];
        return likelihood.Evaluate(R, Alpha, A, B, unused);
    }

    // P(dropped out after the last purchase) / P(alive), given the history.
    private double DeadToAliveOdds(RepeatPurchaseHistory customer)
    {
        var x = customer.RepeatPurchases;
        if (x == 0)
        {
            return 0;
        }

        var logOdds = Math.Log(A) - Math.Log(B + x - 1)
            + ((R + x) * (Math.Log(Alpha + customer.Age) - Math.Log(Alpha + customer.TimeToLastPurchase)));
        return Math.Exp(logOdds);
    }

    private static void ValidateAll(IReadOnlyList<RepeatPurchaseHistory> customers, string parameterName)
    {
        if (customers.Count == 0)
        {
            throw new ArgumentException("There are no customers to fit or evaluate.", parameterName);
        }

        for (var i = 0; i < customers.Count; i++)
        {
            customers[i].Validate(MaximumLikelihood.Element(parameterName, i), parameterName);
        }
    }

    private static void ValidateHorizon(double horizon)
    {
        if (!double.IsFinite(horizon) || horizon < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be a finite number of periods ≥ 0.");
        }
    }
}
