using BenchmarkDotNet.Running;

// The benchmarks read the committed models/ and training-data/ (found above the build folder):
//   dotnet run -c Release --project tests/MlCustomer.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(MlCustomer.Benchmarks.ScoringBenchmarks).Assembly).Run(args);
