using Grpc.Core;
using StyleGrpc.Client;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// API keys reload without a restart: a real server process reads them from <c>StyleGrpc:KeysFile</c>, and the test rewrites
/// that file the way an operator (or a mounted Kubernetes Secret) does.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class KeyReloadTests
{
    private const string KeyA = "sgk_reload-key-a";
    private const string KeyB = "sgk_reload-key-b";

    [Fact]
    public async Task KeysFile_Rewritten_NewKeyWorksAndRemovedKeyIsRefused_WithoutARestart_AndAnInvalidEditKeepsTheLastGoodKeys()
    {
        var dir = TestData.NewTempDirectory();
        var file = Path.Combine(dir, "keys.json");
        WriteKeys(file, (TestKeys.Sha256(KeyA), "admin"));
        await using var server = ServerProcess.Start(new Dictionary<string, string?> { ["StyleGrpc:KeysFile"] = file }, dataDirectory: dir);
        using var a = Connect(server.Address, KeyA);
        using var b = Connect(server.Address, KeyB);
        Assert.True(await EventuallyAsync(async () => await OutcomeAsync(a) == StatusCode.OK, TimeSpan.FromSeconds(60)), string.Join('\n', server.Output));
        Assert.Equal(StatusCode.Unauthenticated, await OutcomeAsync(b));
        var pid = server.Id;

        // B added with the user role, A removed.
        WriteKeys(file, (TestKeys.Sha256(KeyB), "user"));

        Assert.True(await EventuallyAsync(async () => await OutcomeAsync(b) == StatusCode.OK && await OutcomeAsync(a) == StatusCode.Unauthenticated,
            TimeSpan.FromSeconds(10)), string.Join('\n', server.Output));
        var refused = await Assert.ThrowsAsync<StyleGrpcException>(() => a.ListStylesAsync());
        Assert.Equal("API_KEY_INVALID", AccessTests.ErrorInfoOf(refused).Reason);
        // B came with its role: a user may not register styles.
        var denied = await Assert.ThrowsAsync<StyleGrpcException>(() => b.DeleteStyleAsync("none"));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal((pid, false), (server.Id, server.HasExited));

        // An edit the start would refuse (a published example key; a file with no keys) is refused and logged: B stays.
        WriteKeys(file, ("02e147c1256a2d42c15396d2406a65ae12332b311b336ee9b55e7468a105a1c8", "user"));
        Assert.True(await EventuallyAsync(() => Task.FromResult(server.LineOf("published example key") >= 0), TimeSpan.FromSeconds(10)),
            string.Join('\n', server.Output));
        WriteKeys(file);
        Assert.True(await EventuallyAsync(() => Task.FromResult(server.LineOf("it leaves no API keys") >= 0), TimeSpan.FromSeconds(10)),
            string.Join('\n', server.Output));
        // A value that does not even bind (a number written as a word).
        WriteKeys(file, "\"Jwt\": { \"ClockSkewSeconds\": \"ten\" }", (TestKeys.Sha256(KeyA), "admin"));
        Assert.True(await EventuallyAsync(() => Task.FromResult(server.LineOf("StyleGrpc:Jwt:ClockSkewSeconds") >= 0), TimeSpan.FromSeconds(10)),
            string.Join('\n', server.Output));
        Assert.Equal(StatusCode.OK, await OutcomeAsync(b));
        Assert.Equal(StatusCode.Unauthenticated, await OutcomeAsync(a));
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task KeysFile_JwtSettingsAddedThenChanged_TokensFollowWithoutARestart()
    {
        await using var provider = await TestIdentityProvider.StartAsync();
        var dir = TestData.NewTempDirectory();
        var file = Path.Combine(dir, "keys.json");
        WriteKeys(file, (TestKeys.Sha256(KeyA), "admin"));
        await using var server = ServerProcess.Start(new Dictionary<string, string?> { ["StyleGrpc:KeysFile"] = file }, dataDirectory: dir);
        using var a = Connect(server.Address, KeyA);
        var token = provider.Token("alice", "api://first", new Dictionary<string, object> { ["roles"] = new[] { "user" } });
        using var alice = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(server.Address), BearerToken = token, MaxAttempts = 1 });
        Assert.True(await EventuallyAsync(async () => await OutcomeAsync(a) == StatusCode.OK, TimeSpan.FromSeconds(60)), string.Join('\n', server.Output));
        var off = await Assert.ThrowsAsync<StyleGrpcException>(() => alice.ListStylesAsync());
        Assert.Equal(("TOKEN_INVALID", "disabled"), (AccessTests.ErrorInfoOf(off).Reason, AccessTests.ErrorInfoOf(off).Metadata["check"]));

        // JWT switched on by an edit of the file: alice's token is accepted.
        WriteKeys(file, Jwt(provider.Issuer, "api://first"), (TestKeys.Sha256(KeyA), "admin"));
        Assert.True(await EventuallyAsync(async () => await OutcomeAsync(alice) == StatusCode.OK, TimeSpan.FromSeconds(10)), string.Join('\n', server.Output));

        // Another audience: the scheme's options are rebuilt, and the same token is now for another API.
        WriteKeys(file, Jwt(provider.Issuer, "api://second"), (TestKeys.Sha256(KeyA), "admin"));
        Assert.True(await EventuallyAsync(async () => await OutcomeAsync(alice) == StatusCode.Unauthenticated, TimeSpan.FromSeconds(10)),
            string.Join('\n', server.Output));
        var other = await Assert.ThrowsAsync<StyleGrpcException>(() => alice.ListStylesAsync());
        Assert.Equal("audience", AccessTests.ErrorInfoOf(other).Metadata["check"]);
        Assert.Equal(StatusCode.OK, await OutcomeAsync(a));
    }

    private static string Jwt(string authority, string audience) =>
        $"\"Jwt\": {{ \"Authority\": \"{authority}\", \"Audience\": \"{audience}\", \"RequireHttpsMetadata\": false }}";

    private static StyleGrpcClient Connect(string address, string key) =>
        new(new StyleGrpcClientOptions { Address = new Uri(address), ApiKey = key, MaxAttempts = 1, UnaryTimeout = TimeSpan.FromSeconds(10) });

    private static async Task<StatusCode> OutcomeAsync(StyleGrpcClient client)
    {
        try
        {
            await client.ListStylesAsync();
            return StatusCode.OK;
        }
        catch (StyleGrpcException ex)
        {
            return ex.StatusCode;
        }
    }

    // Written beside and moved over the file, as editors and Kubernetes do: the server never reads half a file.
    private static void WriteKeys(string file, params (string Sha256, string Role)[] keys) => WriteKeys(file, null, keys);

    private static void WriteKeys(string file, string? jwt, params (string Sha256, string Role)[] keys)
    {
        var entries = string.Join(",", keys.Select(k => $$"""{ "Sha256": "{{k.Sha256}}", "Role": "{{k.Role}}" }"""));
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, $$"""{ "StyleGrpc": { {{(jwt is null ? "" : jwt + ",")}} "Keys": [ {{entries}} ] } }""");
        File.Move(temporary, file, overwrite: true);
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return await condition();
    }
}
