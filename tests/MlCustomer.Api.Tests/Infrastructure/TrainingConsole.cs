using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MlCustomer.Api.Tests.Infrastructure;

/// <summary>The built training console beside the tests, run as a user would, and the customer table the table tests train on.</summary>
public static class TrainingConsole
{
    /// <summary>Runs <c>mlcustomer</c> with <paramref name="args"/> and returns its exit code and both outputs.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlcustomer.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// A contract table of <paramref name="rows"/> customers: Yes/No Partner, a three-level Contract, tenure, TotalCharges
    /// blank at tenure 0, a 0/1 SeniorCitizen, a PaymentMethod with a rare level (grouped as "(other)"), and the Yes/No
    /// Churn label.
    /// </summary>
    public static string ContractTable(int rows)
    {
        var random = new Random(21);
        var text = new StringBuilder("customerID,Partner,Contract,tenure,TotalCharges,SeniorCitizen,PaymentMethod,Churn\n");
        string[] contracts = ["Month-to-month", "One year", "Two year"];
        string[] payments = ["Electronic check", "Mailed check", "Bank transfer"];
        for (var i = 0; i < rows; i++)
        {
            var contract = contracts[random.Next(3)];
            var tenure = i % 25 == 0 ? 0 : random.Next(1, 72);
            var monthly = 20 + (90 * random.NextDouble());
            var partner = random.NextDouble() < 0.5;
            var payment = i % 150 == 7 ? "Crypto" : payments[random.Next(3)];
            var logit = (contract == "Month-to-month" ? 0.8 : contract == "One year" ? -0.6 : -1.8) - (0.03 * tenure) + (partner ? -0.3 : 0.2)
                + (payment == "Electronic check" ? 0.5 : 0);
            var churned = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
            var total = tenure == 0 ? " " : (tenure * monthly).ToString("0.00", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture,
                $"{1000 + i}-K{i % 7},{(partner ? "Yes" : "No")},{contract},{tenure},{total},{(random.NextDouble() < 0.2 ? 1 : 0)},{payment},{(churned ? "Yes" : "No")}\n");
        }

        return text.ToString();
    }
}
