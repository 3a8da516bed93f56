using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace StyleGrpc.Cli;

/// <summary>
/// What <c>stylize</c>'s arguments name: files, directories (their photos; subdirectories with <c>--recursive</c>) and globs,
/// expanded here because shells on Windows do not. Globs take <c>*</c> (within a name) and <c>**</c> (any depth).
/// </summary>
internal static class PhotoInputs
{
    /// <summary>The photos a directory or a glob yields; a file named on its own is taken whatever its extension.</summary>
    public static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".webp"];

    private static readonly StringComparison FileNames = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparison.OrdinalIgnoreCase
        : StringComparison.Ordinal;

    /// <summary>
    /// The folder form is meant when there are several inputs, a directory or a glob among them, or <paramref name="output"/>
    /// names a directory (an existing one, or a path ending with a separator); otherwise <c>stylize IN -o OUT</c> as ever.
    /// </summary>
    public static bool IsFolderForm(IReadOnlyList<string> inputs, string? output) =>
        inputs.Count > 1 || inputs.Any(i => IsGlob(i) || Directory.Exists(i))
        || output is not null && (Directory.Exists(output) || output.EndsWith('/') || output.EndsWith(Path.DirectorySeparatorChar));

    public static bool IsGlob(string input) => input.Contains('*');

    /// <summary>Every photo once, in the order given (a directory's and a glob's sorted by path); usage errors name the input.</summary>
    public static IReadOnlyList<PhotoInput> Resolve(IReadOnlyList<string> inputs, bool recursive)
    {
        var photos = new List<PhotoInput>();
        var seen = new HashSet<string>(FileNames == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        foreach (var input in inputs)
        {
            var found = IsGlob(input) ? Glob(input)
                : Directory.Exists(input) ? InDirectory(input, recursive)
                : File.Exists(input) ? [new PhotoInput(input, input, Path.GetFileNameWithoutExtension(input))]
                : throw new UsageException($"'{input}' does not exist");
            if (found.Count == 0)
            {
                throw new UsageException(IsGlob(input)
                    ? $"'{input}' matches no photo ({string.Join(", ", Extensions)})"
                    : $"'{input}' has no photo ({string.Join(", ", Extensions)}){(recursive ? "" : "; --recursive looks in its subdirectories")}");
            }
            photos.AddRange(found.Where(p => seen.Add(Path.GetFullPath(p.Path))));
        }
        RequireDistinctOutputs(photos);
        return photos;
    }

    private static List<PhotoInput> InDirectory(string directory, bool recursive) =>
        [.. Directory.EnumerateFiles(directory, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(IsPhoto)
            .Select(path => Path.GetRelativePath(directory, path))
            .Order(StringComparer.Ordinal)
            .Select(relative => new PhotoInput(Path.Combine(directory, relative), Path.Join(directory, relative), Stem(relative)))];

    // "photos/2024/*.jpg": the literal directories before the first wildcard are the root the rest is matched under.
    private static List<PhotoInput> Glob(string pattern)
    {
        var segments = pattern.Split(['/', Path.DirectorySeparatorChar]);
        var first = Array.FindIndex(segments, IsGlob);
        var root = string.Join('/', segments[..first]);
        root = first == 0 ? "." : root.Length == 0 ? "/" : root;
        if (!Directory.Exists(root))
        {
            return [];
        }
        var matcher = new Matcher(FileNames);
        matcher.AddInclude(string.Join('/', segments[first..]));
        return [.. matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(root))).Files
            .Select(match => match.Path)
            .Where(IsPhoto)
            .Order(StringComparer.Ordinal)
            .Select(relative => new PhotoInput(Path.Combine(root, relative), first == 0 ? relative : Path.Join(root, relative), Stem(relative)))];
    }

    private static bool IsPhoto(string path) => Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    // The relative path without the extension: subdirectories are kept under the output folder.
    private static string Stem(string relative) =>
        Path.Combine(Path.GetDirectoryName(relative) ?? "", Path.GetFileNameWithoutExtension(relative));

    // a.jpg and a.png (or x/a.jpg and y/a.jpg given apart) would overwrite each other's result.
    private static void RequireDistinctOutputs(List<PhotoInput> photos)
    {
        var byStem = new Dictionary<string, PhotoInput>(FileNames == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        foreach (var photo in photos)
        {
            if (!byStem.TryAdd(photo.OutputStem, photo))
            {
                throw new UsageException($"'{byStem[photo.OutputStem].Display}' and '{photo.Display}' would both be written as {photo.OutputStem}.*; "
                    + "stylize them apart or into different -o folders");
            }
        }
    }
}
