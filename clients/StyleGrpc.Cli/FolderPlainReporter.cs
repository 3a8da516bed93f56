using System.Collections.Concurrent;

namespace StyleGrpc.Cli;

/// <summary>A line per photo whenever its state changes (not per iteration), for redirected output and <c>--json</c> (on stderr).</summary>
internal sealed class FolderPlainReporter(Action<string> writeLine) : IFolderReporter
{
    private readonly ConcurrentDictionary<PhotoJob, string> shown = new();
    private readonly Lock gate = new();

    public bool ShowsTotal => false;

    public Task RunAsync(IReadOnlyList<PhotoJob> photos, Func<Task> body) => body();

    public void Show(PhotoJob photo)
    {
        // Progress within a run is left to the progress bars: one line when it starts.
        var line = photo.State == PhotoState.Running ? "running" : photo.Describe();
        if (shown.TryGetValue(photo, out var last) && last == line)
        {
            return;
        }
        shown[photo] = line;
        lock (gate)
        {
            writeLine($"{photo.Input.Display}: {line}");
        }
    }
}
