using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;

namespace MlCustomer.Api.Tests.Infrastructure;

/// <summary>One cell read from a workbook: a number (stored as a number) or a text; both null for an empty cell.</summary>
/// <param name="Text">The text, for a text cell.</param>
/// <param name="Number">The number, for a number cell.</param>
public sealed record XlsxCell(string? Text, double? Number);

/// <summary>
/// Reads the first sheet of an XLSX file with the zip and XML readers of the framework (no spreadsheet library), so a test
/// checks what a spreadsheet program would find in it: the rows, and which cells are numbers.
/// </summary>
public static class XlsxWorkbook
{
    private static readonly XNamespace Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    /// <summary>The first sheet's rows, each cell in its column (missing cells empty), up to each row's last cell.</summary>
    public static List<List<XlsxCell>> FirstSheet(Stream xlsx)
    {
        using var zip = new ZipArchive(xlsx, ZipArchiveMode.Read);
        var shared = zip.GetEntry("xl/sharedStrings.xml") is { } strings
            ? [.. Load(strings).Root!.Elements(Main + "si").Select(si => string.Concat(si.Descendants(Main + "t").Select(t => t.Value)))]
            : new List<string>();
        var sheet = Load(zip.GetEntry("xl/worksheets/sheet1.xml") ?? throw new InvalidDataException("The workbook has no xl/worksheets/sheet1.xml."));
        var rows = new List<List<XlsxCell>>();
        foreach (var row in sheet.Root!.Element(Main + "sheetData")!.Elements(Main + "row"))
        {
            var cells = new List<XlsxCell>();
            foreach (var c in row.Elements(Main + "c"))
            {
                if (c.Attribute("r") is { } reference)
                {
                    var column = Column(reference.Value);
                    while (cells.Count < column)
                    {
                        cells.Add(new XlsxCell(null, null));
                    }
                }

                var value = c.Element(Main + "v")?.Value;
                cells.Add((string?)c.Attribute("t") switch
                {
                    "inlineStr" => new XlsxCell(string.Concat(c.Element(Main + "is")!.Descendants(Main + "t").Select(t => t.Value)), null),
                    "s" => new XlsxCell(shared[int.Parse(value!, CultureInfo.InvariantCulture)], null),
                    "str" => new XlsxCell(value, null),
                    null or "n" => value is null ? new XlsxCell(null, null) : new XlsxCell(null, double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture)),
                    var other => throw new InvalidDataException($"Cell type '{other}' is not expected in an export."),
                });
            }

            rows.Add(cells);
        }

        return rows;
    }

    private static XDocument Load(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        return XDocument.Load(stream);
    }

    // "A1" → 0, "W7" → 22, "AA3" → 26.
    private static int Column(string reference)
    {
        var column = 0;
        foreach (var letter in reference.TakeWhile(char.IsLetter))
        {
            column = (column * 26) + (letter - 'A' + 1);
        }

        return column - 1;
    }
}
