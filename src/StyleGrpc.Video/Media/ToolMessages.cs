using System.Text.RegularExpressions;

namespace StyleGrpc.Video.Media;

/// <summary>What of a tool's standard error goes into a message for the client.</summary>
internal static partial class ToolMessages
{
    /// <summary>
    /// The first line of <paramref name="standardError"/>, in parentheses after a space, with ffmpeg's component prefix
    /// (<c>[h264 @ 0x55…]</c>) and our path to the file removed; empty when there is none.
    /// </summary>
    public static string FirstLine(string standardError, string path)
    {
        var line = standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (string.IsNullOrEmpty(line))
        {
            return "";
        }
        var fullPath = Path.GetFullPath(path);
        line = ComponentPrefix().Replace(line, "")
            .Replace("file:" + fullPath, "the file", StringComparison.Ordinal)
            .Replace(fullPath, "the file", StringComparison.Ordinal);
        return $" ({line})";
    }

    [GeneratedRegex(@"^\[[^\]]* @ 0x[0-9a-fA-F]+\]\s*")]
    private static partial Regex ComponentPrefix();
}
