namespace MlCustomer.Core.Tests.Data;

/// <summary>Finds the repository from the test binaries, without ../../.. guesses.</summary>
public static class RepositoryFolders
{
    /// <summary>The folder holding MlCustomer.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Real data kept next to the repository (never inside it); may be absent.</summary>
    public static string SharedDatasets => Path.GetFullPath(Path.Combine(Root, "..", "shared", "datasets"));

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MlCustomer.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No MlCustomer.sln above {AppContext.BaseDirectory}.");
    }
}
