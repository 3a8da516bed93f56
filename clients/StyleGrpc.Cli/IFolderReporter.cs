namespace StyleGrpc.Cli;

/// <summary>Shows the photos of <c>stylize</c>'s folder form as they go: one row each and a total.</summary>
internal interface IFolderReporter
{
    /// <summary>True when a row of its own shows the total, which then needs no line after the run.</summary>
    bool ShowsTotal { get; }

    /// <summary>Shows the rows while <paramref name="body"/> runs.</summary>
    Task RunAsync(IReadOnlyList<PhotoJob> photos, Func<Task> body);

    /// <summary>The photo's state changed; called from any thread, one call per photo at a time.</summary>
    void Show(PhotoJob photo);
}
