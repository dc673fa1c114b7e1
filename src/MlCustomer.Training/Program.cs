using System.CommandLine;
namespace MlCustomer.Training;
internal static class Program
{
    private static int Main(string[] args)
    {
        var seed = new Option<int>("--seed") { Description = "seed", DefaultValueFactory = _ => 42 };
        var gen = new Command("generate", "Generate data") { seed };
        gen.SetAction(r => { Console.WriteLine(r.GetValue(seed)); return 0; });
        var root = new RootCommand("mlcustomer") { gen };
        return root.Parse(args).Invoke();
    }
}
