using System.Collections.Concurrent;
using Spectre.Console;

namespace StyleGrpc.Cli;

/// <summary>A Spectre.Console progress row per photo (its iterations) and a total row counting photos ended.</summary>
internal sealed class FolderProgressReporter(IAnsiConsole console) : IFolderReporter
{
    private readonly ConcurrentDictionary<PhotoJob, ProgressTask> rows = new();
    private IReadOnlyList<PhotoJob> photos = [];
    private ProgressTask? total;

    public bool ShowsTotal => true;

    public Task RunAsync(IReadOnlyList<PhotoJob> photos, Func<Task> body)
    {
        this.photos = photos;
        var width = photos.Max(p => p.Input.Display.Length);
        return ProgressBars.Create(console).StartAsync(async ctx =>
        {
            foreach (var photo in photos)
            {
                var row = ctx.AddTask(Describe(photo, width), maxValue: 1);
                row.IsIndeterminate = true;
                rows[photo] = row;
            }
            total = ctx.AddTask(Total(), maxValue: photos.Count);
            foreach (var photo in photos)
            {
                Show(photo);
            }
            await body();
        });
    }

    public void Show(PhotoJob photo)
    {
        if (!rows.TryGetValue(photo, out var row))
        {
            return;
        }
        row.Description = Describe(photo, photos.Max(p => p.Input.Display.Length));
        if (photo.TotalIterations > 0)
        {
            row.IsIndeterminate = false;
            row.MaxValue = photo.TotalIterations;
            row.Value = photo.Iteration;
        }
        if (photo.Ended)
        {
            row.IsIndeterminate = false;
            row.Value = row.MaxValue;
            row.StopTask();
        }
        if (total is not null)
        {
            total.Value = photos.Count(p => p.Ended);
            total.Description = Total();
        }
    }

    private static string Describe(PhotoJob photo, int width) => Markup.Escape($"{photo.Input.Display.PadRight(width)}  {photo.Describe()}");

    private string Total() => Markup.Escape(FolderStylize.Summary(photos));
}
