using Spectre.Console;

namespace StyleGrpc.Cli;

/// <summary>The CLI's one progress-bar layout (stylize and styles train): description, bar, percentage, elapsed, remaining; kept on screen when done.</summary>
internal static class ProgressBars
{
    public static Progress Create(IAnsiConsole console) => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
            new ElapsedTimeColumn(), new RemainingTimeColumn());
}
