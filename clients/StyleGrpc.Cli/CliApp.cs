using System.CommandLine;
using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>
/// The <c>stylegrpc</c> command tree. Parsing, help and completion come from System.CommandLine;
/// output from Spectre.Console. Every failure becomes one line on stderr and its own exit code
/// (<see cref="ExitCodes"/>); stack traces only with <c>--verbose</c>.
/// </summary>
public static class CliApp
{
    internal static readonly Option<string?> Server = new("--server", "-s")
    {
        Description = "Server address: http://, https://, or dns:///name:port to spread calls over every replica (else $STYLEGRPC_SERVER, else http://127.0.0.1:50051)",
        Recursive = true,
    };

    internal static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API key sent as a bearer token (else $STYLEGRPC_API_KEY)",
        Recursive = true,
    };

    internal static readonly Option<string?> Token = new("--token")
    {
        Description = "Access token (JWT) of the server's identity provider, sent as a bearer token instead of an API key (else $STYLEGRPC_TOKEN)",
        Recursive = true,
    };

    internal static readonly Option<FileInfo?> CaFile = new("--ca-file")
    {
        Description = "PEM certificate of the CA that signed an https:// server's certificate (else $STYLEGRPC_CA_FILE, else the system's)",
        Recursive = true,
    };

    internal static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show full error details",
        Recursive = true,
    };

    /// <summary>Runs the CLI with the given console and writers; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, TextWriter output, TextWriter error,
        CancellationToken cancellationToken = default)
    {
        var context = new CliContext(console, output, error);
        var root = new RootCommand("stylegrpc: neural style transfer on a StyleGrpc server");
        root.Options.Add(Server);
        root.Options.Add(ApiKey);
        root.Options.Add(Token);
        root.Options.Add(CaFile);
        root.Options.Add(Verbose);
        root.Subcommands.Add(StylesCommands.Create(context));
        root.Subcommands.Add(StylizeCommand.Create(context));
        root.Subcommands.Add(StylizeVideoCommand.Create(context));
        root.Subcommands.Add(JobsCommands.Create(context));
        root.Subcommands.Add(InfoCommands.CreateInfo(context));
        root.Subcommands.Add(InfoCommands.CreateHealth(context));
        root.Subcommands.Add(KeysCommand.Create(context));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}");
            }
            await error.WriteLineAsync("Run 'stylegrpc --help' for usage.");
            return ExitCodes.Usage;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, linked.Token);
    }

    /// <summary>Client options from <c>--server</c>/<c>--api-key</c>/<c>--token</c>, else the environment, else defaults.</summary>
    internal static StyleGrpcClientOptions ClientOptions(ParseResult parse)
    {
        var address = parse.GetValue(Server) ?? Environment.GetEnvironmentVariable("STYLEGRPC_SERVER") ?? StyleGrpcClientOptions.DefaultAddress;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != "dns"))
        {
            throw new UsageException($"--server: '{address}' is not an http://, https:// or dns:/// address");
        }
        var (apiKey, token) = Credential(parse);
        return new StyleGrpcClientOptions
        {
            Address = uri,
            ApiKey = apiKey,
            BearerToken = token,
            CaCertificatePath = parse.GetValue(CaFile)?.FullName ?? Environment.GetEnvironmentVariable("STYLEGRPC_CA_FILE"),
        };
    }

    // One credential per call: options beat the environment; two at the same level are a usage error, not a guess.
    private static (string? ApiKey, string? Token) Credential(ParseResult parse)
    {
        var (key, token) = (parse.GetValue(ApiKey), parse.GetValue(Token));
        if (key is not null && token is not null)
        {
            throw new UsageException("--api-key and --token: give one of them");
        }
        if (key is not null || token is not null)
        {
            return (key, token);
        }
        (key, token) = (Environment.GetEnvironmentVariable("STYLEGRPC_API_KEY"), Environment.GetEnvironmentVariable("STYLEGRPC_TOKEN"));
        if (!string.IsNullOrEmpty(key) && !string.IsNullOrEmpty(token))
        {
            throw new UsageException("STYLEGRPC_API_KEY and STYLEGRPC_TOKEN are both set: give one of them");
        }
        return (string.IsNullOrEmpty(key) ? null : key, string.IsNullOrEmpty(token) ? null : token);
    }

    /// <summary>Runs a command body, turning every failure into a one-line message and an exit code.</summary>
    internal static async Task<int> Guard(CliContext context, ParseResult parse, Func<StyleGrpcClient, CancellationToken, Task<int>> body,
        CancellationToken cancellationToken)
    {
        var verbose = parse.GetValue(Verbose);
        try
        {
            using var client = new StyleGrpcClient(ClientOptions(parse));
            return await body(client, cancellationToken);
        }
        catch (StyleGrpcException ex)
        {
            var code = ExitCodes.For(ex);
            var message = code switch
            {
                ExitCodes.Unreachable => $"server unreachable at {ClientOptions(parse).Address}: {ex.Detail}",
                ExitCodes.Cancelled => "cancelled",
                _ => ex.Detail,
            };
            await context.Error.WriteLineAsync($"error: {message}" + (verbose ? Environment.NewLine + ex : ""));
            return code;
        }
        catch (OperationCanceledException)
        {
            await context.Error.WriteLineAsync("error: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (UsageException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}" + (verbose ? Environment.NewLine + ex : ""));
            return ExitCodes.LocalFile;
        }
        catch (Exception ex)
        {
            await context.Error.WriteLineAsync($"error: unexpected: {ex.Message}" + (verbose ? Environment.NewLine + ex : ""));
            return ExitCodes.Unexpected;
        }
    }
}
