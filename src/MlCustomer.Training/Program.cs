using System.CommandLine;
using MlCustomer.Training.Features;
using MlCustomer.Training.Generate;

namespace MlCustomer.Training;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("MlCustomer training console: sample data, features, models and reports")
        {
            GenerateCommand.Create(),
            FeaturesCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
