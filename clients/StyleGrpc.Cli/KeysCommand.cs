using System.CommandLine;
using System.Security.Cryptography;
using System.Text;

namespace StyleGrpc.Cli;

/// <summary>
/// <c>stylegrpc keys new --role admin|user [--index N]</c>: makes a random API key and prints it once, with the
/// SHA-256 the server's configuration keeps instead of the key (<c>StyleGrpc:Keys:N:Sha256</c> and <c>:Role</c>).
/// Runs locally; no server is called.
/// </summary>
internal static class KeysCommand
{
    /// <summary>Random bytes in a key: 256 bits.</summary>
    private const int KeyBytes = 32;

    public static Command Create(CliContext context)
    {
        var role = new Option<string>("--role") { Description = "admin (register, replace, delete, and all a user may) or user (stylize, get, list, info)", Required = true };
        role.AcceptOnlyFromAmong("admin", "user");
        var index = new Option<int>("--index") { Description = "N in StyleGrpc:Keys:N (default 0)" };
        var json = CliJson.Option();
        var create = new Command("new", "Make an API key and print it with the hash the server's configuration needs") { role, index, json };
        create.SetAction(async (parse, _) =>
        {
            var key = "sgk_" + Base64Url(RandomNumberGenerator.GetBytes(KeyBytes));
            var hash = Sha256Hex(key);
            var n = parse.GetValue(index);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(context, new
                {
                    key,
                    sha256 = hash,
                    role = parse.GetValue(role),
                    settings = new Dictionary<string, string?> { [$"StyleGrpc__Keys__{n}__Sha256"] = hash, [$"StyleGrpc__Keys__{n}__Role"] = parse.GetValue(role) },
                });
                return ExitCodes.Ok;
            }
            await context.Output.WriteLineAsync($"key:    {key}");
            await context.Output.WriteLineAsync($"sha256: {hash}");
            await context.Output.WriteLineAsync($"role:   {parse.GetValue(role)}");
            await context.Output.WriteLineAsync();
            await context.Output.WriteLineAsync("Server configuration (environment variables; the key itself is not stored):");
            await context.Output.WriteLineAsync($"StyleGrpc__Keys__{n}__Sha256={hash}");
            await context.Output.WriteLineAsync($"StyleGrpc__Keys__{n}__Role={parse.GetValue(role)}");
            await context.Output.WriteLineAsync();
            await context.Output.WriteLineAsync("Callers: --api-key <key> or STYLEGRPC_API_KEY=<key>. Keep the key secret; it is shown only now.");
            return ExitCodes.Ok;
        });
        return new Command("keys", "API keys for the server") { create };
    }

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes, as <c>StyleGrpc:Keys:N:Sha256</c> expects.</summary>
    internal static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
