using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>
/// What <c>stylize</c>'s folder form does: these photos, each as its own job of <paramref name="Style"/> with
/// <paramref name="Options"/>, results into <paramref name="OutputDirectory"/> (null only with <paramref name="Detach"/>),
/// watching up to <paramref name="Parallel"/> jobs at once.
/// </summary>
internal sealed record FolderRun(IReadOnlyList<PhotoInput> Photos, string? OutputDirectory, StyleSpec Style, StylizeOptions Options,
    int Parallel, bool Overwrite, bool Detach, bool Json);
