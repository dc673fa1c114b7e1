using System.Globalization;
using System.Text;

namespace MlCustomer.Core.Tests.CustomerTables;

/// <summary>What <see cref="TelcoLikeTable.Write"/> wrote.</summary>
/// <param name="Rows">Customers written.</param>
/// <param name="Churners">Customers with Churn = Yes.</param>
/// <param name="TrueChurnProbabilities">The probability each row's label was drawn with, in file order (the oracle score).</param>
public sealed record TelcoLikeSummary(int Rows, int Churners, IReadOnlyList<double> TrueChurnProbabilities);

/// <summary>
/// A synthetic telecom contract table shaped like the public IBM Telco customer churn table (7,043 customers,
/// 21 columns, Churn Yes/No at about 26.5%): same column names and value sets, "No phone service" and "No internet
/// service" levels, a SeniorCitizen 0/1 column, and TotalCharges blank (" ") for customers with tenure 0.
/// Services, charges and tenure depend on each other as in the real table (fiber costs more, two-year contracts
/// last longer); churn is drawn from a logit driven by contract, tenure, fiber, electronic check, paperless
/// billing, missing security/support and monthly charges, scaled so that the true probabilities rank churners
/// with an AUC of about 0.85, and a good model trained on 80% reaches about 0.84 on the rest, like real tables.
/// </summary>
public static class TelcoLikeTable
{
    /// <summary>The header of the public table.</summary>
    public const string Header =
        "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,InternetService," +
        "OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,StreamingMovies,Contract," +
        "PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges,Churn";

    /// <summary>Rows of the public table.</summary>
    public const int PublicTableRows = 7_043;

    private const string NoInternet = "No internet service";

    // The churn logit, on top of a scale and an intercept tuned for ~26.5% churners and an oracle AUC near 0.85.
    private const double Intercept = 0.77;
    private const double OneYearContract = -1.09;
    private const double TwoYearContract = -2.19;
    private const double PerLogTenure = -0.71;
    private const double Fiber = 0.63;
    private const double NoInternetService = -0.63;
    private const double ElectronicCheck = 0.52;
    private const double Paperless = 0.35;
    private const double Senior = 0.29;
    private const double HasDependents = -0.23;
    private const double Security = -0.4;
    private const double Support = -0.4;
    private const double Streaming = 0.14;
    private const double PerMonthlyCharge = 0.0115;

    /// <summary>Writes <paramref name="rows"/> customers to <paramref name="path"/>; the same seed writes the same file.</summary>
    public static TelcoLikeSummary Write(string path, int rows, int seed)
    {
        var random = new Random(seed);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var probabilities = new List<double>(rows);
        var churners = 0;
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        for (var i = 0; i < rows; i++)
        {
            var c = Customer(random, ids);
            var logit = Intercept
                + c.Contract switch { "One year" => OneYearContract, "Two year" => TwoYearContract, _ => 0 }
                + (PerLogTenure * Math.Log(1 + c.Tenure))
                + c.Internet switch { "Fiber optic" => Fiber, "No" => NoInternetService, _ => 0 }
                + (c.Payment == "Electronic check" ? ElectronicCheck : 0)
                + (c.Paperless ? Paperless : 0)
                + (c.Senior ? Senior : 0)
                + (c.Dependents ? HasDependents : 0)
                + (c.Security == "Yes" ? Security : 0)
                + (c.Support == "Yes" ? Support : 0)
                + (c.StreamingTv == "Yes" ? Streaming : 0)
                + (c.StreamingMovies == "Yes" ? Streaming : 0)
                + (PerMonthlyCharge * (c.Monthly - 65));
            var probability = 1 / (1 + Math.Exp(-logit));
            var churned = random.NextDouble() < probability;
            probabilities.Add(probability);
            churners += churned ? 1 : 0;
            text.Append(CultureInfo.InvariantCulture, $"{c.Id},{c.Gender},{(c.Senior ? 1 : 0)},{YesNo(c.Partner)},{YesNo(c.Dependents)},{c.Tenure},")
                .Append(CultureInfo.InvariantCulture, $"{YesNo(c.Phone)},{c.MultipleLines},{c.Internet},{c.Security},{c.Backup},{c.Protection},{c.Support},")
                .Append(CultureInfo.InvariantCulture, $"{c.StreamingTv},{c.StreamingMovies},{c.Contract},{YesNo(c.Paperless)},{Quoted(c.Payment)},")
                .Append(CultureInfo.InvariantCulture, $"{c.Monthly:0.00},{(c.Tenure == 0 ? " " : c.Total.ToString("0.00", CultureInfo.InvariantCulture))},{YesNo(churned)}\n");
        }

        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
        return new TelcoLikeSummary(rows, churners, probabilities);
    }

    private static Subscriber Customer(Random random, HashSet<string> ids)
    {
        var senior = random.NextDouble() < 0.162;
        var partner = random.NextDouble() < (senior ? 0.47 : 0.48);
        var dependents = random.NextDouble() < (partner ? 0.52 : 0.1);
        var contractDraw = random.NextDouble() - (partner ? 0.15 : 0) + (senior ? 0.15 : 0);
        var contract = contractDraw < 0.545 ? "Month-to-month" : contractDraw < 0.76 ? "One year" : "Two year";
        var tenure = contract switch
        {
            "Month-to-month" => Clamp((int)Math.Ceiling((partner ? -24 : -15) * Math.Log(1 - random.NextDouble())), 1, 72),
            "One year" => Clamp((int)Math.Round(Normal(random, 42, 18)), 1, 72),
            _ => Clamp((int)Math.Round(Normal(random, 58, 15)), 1, 72),
        };
        // About 11 of 7,043 customers in the public table have just signed: tenure 0 and no total charges yet.
        if (random.NextDouble() < 0.0016)
        {
            tenure = 0;
        }

        var phone = random.NextDouble() < 0.903;
        var multipleLines = !phone ? "No phone service" : YesNo(random.NextDouble() < 0.3 + (0.3 * tenure / 72));
        var internetDraw = random.NextDouble() + (contract == "Month-to-month" ? 0.08 : -0.1) + (senior ? 0.2 : 0) - (dependents ? 0.08 : 0);
        var internet = internetDraw < 0.24 ? "No" : internetDraw < 0.514 ? "DSL" : "Fiber optic";
        if (!phone)
        {
            internet = "DSL";
        }

        var fiber = internet == "Fiber optic";
        var loyalty = tenure / 72.0;
        string AddOn(double dsl, double fiberShare) =>
            internet == "No" ? NoInternet : YesNo(random.NextDouble() < (fiber ? fiberShare : dsl) + (0.25 * loyalty) - 0.1);
        var security = AddOn(0.45, 0.25);
        var backup = AddOn(0.4, 0.38);
        var protection = AddOn(0.38, 0.42);
        var support = AddOn(0.45, 0.22);
        var streamingTv = AddOn(0.3, 0.55);
        var streamingMovies = AddOn(0.3, 0.56);
        var paperless = random.NextDouble() < (fiber ? 0.75 : internet == "No" ? 0.3 : 0.55);
        var paymentDraw = random.NextDouble() + (contract == "Month-to-month" ? -0.08 : 0.1) - (senior ? 0.12 : 0);
        var payment = paymentDraw < 0.34 ? "Electronic check" : paymentDraw < 0.57 ? "Mailed check"
            : paymentDraw < 0.79 ? "Bank transfer (automatic)" : "Credit card (automatic)";

        var monthly = (phone ? 20 : 0)
            + (multipleLines == "Yes" ? 5 : 0)
            + internet switch { "DSL" => 25, "Fiber optic" => 50, _ => 0 }
            + (new[] { security, backup, protection, support }.Count(s => s == "Yes") * 5)
            + (new[] { streamingTv, streamingMovies }.Count(s => s == "Yes") * 10)
            + Normal(random, 0, 1.5);
        monthly = Math.Round(Math.Clamp(monthly, 18.25, 118.75) * 20) / 20;
        var total = Math.Round(monthly * tenure * (1 + Normal(random, 0, 0.04)), 2);

        return new Subscriber(
            NewId(random, ids), random.NextDouble() < 0.505 ? "Male" : "Female", senior, partner, dependents, tenure, phone, multipleLines,
            internet, security, backup, protection, support, streamingTv, streamingMovies, contract, paperless, payment, monthly, Math.Max(total, monthly));
    }

    // "7590-VHVEG": four digits, a dash, five capital letters, as in the public table.
    private static string NewId(Random random, HashSet<string> ids)
    {
        while (true)
        {
            var id = string.Create(10, random, (span, r) =>
            {
                for (var i = 0; i < 4; i++)
                {
                    span[i] = (char)('0' + r.Next(10));
                }

                span[4] = '-';
                for (var i = 5; i < 10; i++)
                {
                    span[i] = (char)('A' + r.Next(26));
                }
            });
            if (ids.Add(id))
            {
                return id;
            }
        }
    }

    private static double Normal(Random random, double mean, double sd) =>
        mean + (sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    private static int Clamp(int value, int min, int max) => Math.Clamp(value, min, max);

    private static string YesNo(bool value) => value ? "Yes" : "No";

    private static string Quoted(string value) => value.Contains(',', StringComparison.Ordinal) ? $"\"{value}\"" : value;

    private sealed record Subscriber(
        string Id, string Gender, bool Senior, bool Partner, bool Dependents, int Tenure, bool Phone, string MultipleLines,
        string Internet, string Security, string Backup, string Protection, string Support, string StreamingTv, string StreamingMovies,
        string Contract, bool Paperless, string Payment, double Monthly, double Total);
}
