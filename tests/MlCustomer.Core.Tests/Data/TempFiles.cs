using System.IO.Compression;
using System.Text;

namespace MlCustomer.Core.Tests.Data;

/// <summary>A temporary folder for the CSV files a test writes; deleted with the test class.</summary>
public sealed class TempFiles : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mlcustomer-tests", Guid.NewGuid().ToString("N"));

    public TempFiles() => Directory.CreateDirectory(_folder);

    /// <summary>A new empty subfolder, for files a component writes itself (e.g. the sample data generator).</summary>
    public string Folder(string name) => Directory.CreateDirectory(Path.Combine(_folder, name)).FullName;

    /// <summary>Writes <paramref name="text"/> as UTF-8 without BOM, exactly as given (no line-end changes).</summary>
    public string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    /// <summary>Writes lines joined by LF, with a final LF.</summary>
    public string WriteLines(string name, params IEnumerable<string> lines) => Write(name, string.Join("\n", lines) + "\n");

    public string WriteGzip(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(text));
        return path;
    }

    public string PathOf(string name) => Path.Combine(_folder, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; failing the test run over it is not.
        }
    }
}
