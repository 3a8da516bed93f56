using Spectre.Console;

namespace StyleGrpc.Cli.Tests;

/// <summary>Runs the CLI entry point in-process with a non-interactive console, capturing what it prints.</summary>
internal static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Console, string Output, string Error);

    public static async Task<Outcome> RunAsync(string server, CancellationToken cancellationToken, params string[] args)
    {
        var consoleText = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(consoleText),
        });
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync([.. args, "--server", server], console, output, error, cancellationToken).WaitAsync(TimeSpan.FromSeconds(120));
        return new Outcome(code, consoleText.ToString(), output.ToString(), error.ToString());
    }

    public static Task<Outcome> RunAsync(string server, params string[] args) => RunAsync(server, CancellationToken.None, args);
}
