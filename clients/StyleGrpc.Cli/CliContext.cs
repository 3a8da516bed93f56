using Spectre.Console;

namespace StyleGrpc.Cli;

/// <summary>Where a command writes: the Spectre console for people, plain writers for data and errors.</summary>
internal sealed record CliContext(IAnsiConsole Console, TextWriter Output, TextWriter Error);
