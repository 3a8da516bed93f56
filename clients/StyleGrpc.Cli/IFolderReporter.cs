namespace StyleGrpc.Cli;

/// <summary>Shows the photos of <c>stylize</c>'s folder form as they go: one row each and a total.</summary>
internal interface IFolderReporter
{
    /// <summary>Shows the rows while <paramref name="body"/> runs.</summary>
    Task RunAsync(IReadOnlyList<PhotoJob> photos, Func<Task> body);

    /// <summary>The photo's state changed; called from any thread, one call per photo at a time.</summary>
    void Show(PhotoJob photo);
}
