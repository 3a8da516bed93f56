using Spectre.Console;
using StyleGrpc.Cli;

return await CliApp.RunAsync(args, AnsiConsole.Console, Console.Out, Console.Error);
