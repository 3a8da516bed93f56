namespace StyleGrpc.Cli;

/// <summary>
/// One photo of <c>stylize</c>'s folder form: its file, how it is named to people (as it was given, or under the directory or
/// glob it came from), and its result's path under the output folder without the extension.
/// </summary>
internal sealed record PhotoInput(string Path, string Display, string OutputStem);
