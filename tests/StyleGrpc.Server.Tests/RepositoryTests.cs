extern alias server;

using System.Diagnostics;
using System.Text.RegularExpressions;
using StyleGrpc.Tests.Shared;
using Xunit;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// What a fresh clone needs: the tests read nothing beside the repository, and every image in it has its source and
/// licence written down in the README of its folder.
/// </summary>
public sealed partial class RepositoryTests
{
    // Built from parts so that this file does not match itself.
    private static readonly string[] OutsideReferences = ["STYLEGRPC_" + "SHARED", "../" + "shared", "\"..\", \"" + "shared\""];

    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".svg"];

    [Fact]
    public void TestSources_ReadNothingBesideTheRepository()
    {
        var sources = RepositoryFiles()
            .Where(f => f.StartsWith("tests/", StringComparison.Ordinal) || f.StartsWith("build/", StringComparison.Ordinal))
            .Where(f => Path.GetExtension(f) is ".cs" or ".sh" or ".csproj" or ".props" or ".targets" or ".json" or ".runsettings")
            .ToList();
        Assert.Contains("tests/Shared/TestData.cs", sources);
        Assert.Contains("build/test.sh", sources);

        var offending = sources
            .SelectMany(f => File.ReadLines(Path.Combine(TestData.RepositoryRoot, f))
                .Select((line, i) => (File: f, Line: i + 1, Text: line))
                .Where(l => OutsideReferences.Any(r => l.Text.Contains(r, StringComparison.Ordinal))))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offending.Count == 0, "tests read outside the repository:\n" + string.Join('\n', offending));
    }

    [Fact]
    public void EveryImage_HasItsSourceAndLicenceInItsFoldersReadme()
    {
        var images = RepositoryFiles().Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToList();
        Assert.Contains("tests/data/images/tubingen.jpg", images);
        Assert.Contains("samples/starry_night.jpg", images);

        var missing = new List<string>();
        foreach (var folder in images.GroupBy(f => Path.GetDirectoryName(f)!.Replace('\\', '/')))
        {
            var readme = Path.Combine(TestData.RepositoryRoot, folder.Key, "README.md");
            var licences = File.Exists(readme) ? LicenceByFile(File.ReadAllLines(readme)) : new Dictionary<string, string>();
            missing.AddRange(folder
                .Where(f => !licences.TryGetValue(Path.GetFileName(f), out var licence) || string.IsNullOrWhiteSpace(licence))
                .Select(f => $"{f} (in {folder.Key}/README.md: a table row naming `{Path.GetFileName(f)}` with a licence)"));
        }
        Assert.True(missing.Count == 0, "images without a source and licence:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Readme_NamesOnlyFilesThatExist_AndLinksEveryDoc()
    {
        var readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "README.md"));
        // Relative links, and the sample files the quick start uses.
        var named = MarkdownLink().Matches(readme).Select(m => m.Groups[1].Value.Split('#')[0])
            .Concat(SamplePath().Matches(readme).Select(m => m.Value))
            .Where(p => p.Length > 0 && !p.Contains("://", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.Contains("samples/tubingen-sky.png", named);
        var missing = named.Where(p => !File.Exists(Path.Combine(TestData.RepositoryRoot, p)) && !Directory.Exists(Path.Combine(TestData.RepositoryRoot, p))).ToList();
        Assert.True(missing.Count == 0, "the README names files that do not exist: " + string.Join(", ", missing));

        var docs = Directory.GetFiles(Path.Combine(TestData.RepositoryRoot, "docs"), "*.md").Select(f => "docs/" + Path.GetFileName(f));
        Assert.All(docs, doc => Assert.Contains($"]({doc})", readme, StringComparison.Ordinal));
        // GNU-only options do not work for a reader on macOS.
        Assert.DoesNotContain("base64 -w0", readme, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"samples/[A-Za-z0-9_.-]+\.(?:jpg|png)")]
    private static partial Regex SamplePath();

    [Fact]
    public void NothingBelowTheEdgeImportsIt_AndTheStoreChoiceIsMadeOnlyWhereServicesAreRegistered()
    {
        var server = Path.Combine(TestData.RepositoryRoot, "src", "StyleGrpc.Server");
        var below = new[] { "Jobs", "Operations", "Styles", "Training", "Uploads", "Videos" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(server, folder), "*.cs", SearchOption.AllDirectories)).ToList();
        var sources = Directory.EnumerateFiles(server, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(below);
        Assert.Empty(below.Where(f => File.ReadAllText(f).Contains("StyleGrpc.Server.Services", StringComparison.Ordinal)).Select(Path.GetFileName));
        // One pipeline: the store setting picks implementations where they are registered (and is checked with the other
        // settings), and nowhere else.
        Assert.Equal(["StyleGrpc.Server/Hosting/StyleTransferServiceExtensions.cs", "StyleGrpc.Server/Settings/StyleGrpcServerOptions.cs",
            "StyleGrpc.Server/Settings/StyleGrpcServerOptionsValidator.cs"],
            sources.Where(f => File.ReadAllText(f).Contains("StoreSetting.", StringComparison.Ordinal) && !f.EndsWith("StoreSetting.cs", StringComparison.Ordinal))
                .Select(f => Path.GetRelativePath(Path.Combine(TestData.RepositoryRoot, "src"), f).Replace('\\', '/')).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ErrorsDoc_ListsEveryErrorReasonTheServerSends()
    {
        var reasons = typeof(server::StyleGrpc.Server.Errors.ErrorReasons).GetFields()
            .Where(f => f.IsLiteral && f.Name != "Domain").Select(f => (string)f.GetRawConstantValue()!).ToList();
        var doc = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docs", "errors.md"));

        Assert.Contains("INVALID_FIELD", reasons);
        Assert.All(reasons, reason => Assert.Contains($"| `{reason}` |", doc, StringComparison.Ordinal));
    }

    [Fact]
    public void LicenceByFile_ReadsTheLicenceColumnOfEachTableRow()
    {
        var table = LicenceByFile(
        [
            "| file | what | source | licence |",
            "|---|---|---|---|",
            "| `a.jpg` | a photo | somebody | CC BY 3.0 |",
            "| `b.jpg` | a photo | nobody |  |",
            "| `c.png`, `d.png` | pictures | us | public domain |",
        ]);

        Assert.Equal("CC BY 3.0", table["a.jpg"]);
        Assert.Equal("", table["b.jpg"]);
        Assert.Equal("public domain", table["d.png"]);
        Assert.False(table.ContainsKey("e.png"));
    }

    /// <summary>Each file named in backticks in a table's first column, with the text of that table's licence column.</summary>
    private static Dictionary<string, string> LicenceByFile(IEnumerable<string> lines)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var licenceColumn = -1;
        foreach (var line in lines)
        {
            if (!line.TrimStart().StartsWith('|'))
            {
                licenceColumn = -1;
                continue;
            }
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (licenceColumn < 0)
            {
                licenceColumn = Array.FindIndex(cells, c => c.Equals("licence", StringComparison.OrdinalIgnoreCase) || c.Equals("license", StringComparison.OrdinalIgnoreCase));
                continue;
            }
            if (licenceColumn >= cells.Length || cells[0].StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (Match name in BacktickedName().Matches(cells[0]))
            {
                result[name.Groups[1].Value] = cells[licenceColumn];
            }
        }
        return result;
    }

    /// <summary>The repository's files as git sees them: tracked, and new ones that are not ignored.</summary>
    private static List<string> RepositoryFiles()
    {
        var git = Process.Start(new ProcessStartInfo("git", ["ls-files", "--cached", "--others", "--exclude-standard"])
        {
            WorkingDirectory = TestData.RepositoryRoot,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var files = git.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => File.Exists(Path.Combine(TestData.RepositoryRoot, f)))
            .ToList();
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        return files;
    }

    [GeneratedRegex("`([^`/]+)`")]
    private static partial Regex BacktickedName();
}
