using System.Diagnostics;
using System.Text.Json;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Cli.Tests;

/// <summary>The CLI in-process against real servers: one shared open server (with "starry") unless a test needs its own settings.</summary>
[Collection(ServerCollection.Name)]
public sealed class CliTests(CliServer server) : IClassFixture<CliServer>
{
    [Fact]
    public async Task StylesAddListShowRm_Work()
    {
        // The shared server already has "starry": this test adds and removes a style of its own.
        var host = server.Host;

        var add = await CliRunner.RunAsync(host.Address, "styles", "add", "starry-copy", TestData.Image("starry_night.jpg"), "--name", "Starry Night", "--style-size", "64");
        Assert.Equal(0, add.ExitCode);
        Assert.Contains("registered starry-copy", add.Console);

        var list = await CliRunner.RunAsync(host.Address, "styles", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("starry-copy", list.Console);
        Assert.Contains("Starry Night", list.Console);

        var show = await CliRunner.RunAsync(host.Address, "styles", "show", "starry-copy");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("conv3_1", show.Console);

        var again = await CliRunner.RunAsync(host.Address, "styles", "add", "starry-copy", TestData.Image("starry_night.jpg"));
        Assert.Equal(ExitCodes.AlreadyExists, again.ExitCode);

        var rm = await CliRunner.RunAsync(host.Address, "styles", "rm", "starry-copy");
        Assert.Equal(0, rm.ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await CliRunner.RunAsync(host.Address, "styles", "show", "starry-copy")).ExitCode);
    }

    [Fact]
    public async Task Stylize_RealPhotoToPng_WritesImageAtAskedSize()
    {
        var host = server.Host;
        var dir = TestData.NewTempDirectory();
        var output = Path.Combine(dir, "out.png");
        var previews = Path.Combine(dir, "previews");

        var run = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry", "-o", output,
            "--size", "64", "--iterations", "6", "--preview-dir", previews, "--preview-every", "3");

        Assert.Equal(0, run.ExitCode);
        var image = ImageCodec.Decode(await File.ReadAllBytesAsync(output));
        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.Contains("iter 6/6", run.Console);
        Assert.Contains("wrote", run.Console);
        Assert.Equal(["preview-00003.png", "preview-00006.png"], Directory.GetFiles(previews).Select(Path.GetFileName).Order());
        Assert.Contains($"previews: 2 written to {previews}", run.Error);
        Assert.DoesNotContain("skipped", run.Error);
    }

    [Fact]
    public async Task Stylize_ExplicitLayers_ReachTheServerAndItsRecord()
    {
        var host = server.Host;
        var output = Path.Combine(TestData.NewTempDirectory(), "out.png");

        var run = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry", "-o", output, "--size", "64",
            "--iterations", "2", "--json", "--content-layers", "relu2_2", "--style-layers", "relu1_1,relu2_1=0.5");
        var bad = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry", "-o", output,
            "--style-layers", "relu9_9=1");

        Assert.Equal(0, run.ExitCode);
        var completed = JsonDocument.Parse(run.Output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("relu2_2=1", completed.GetProperty("reproducibility").GetProperty("contentLayers").GetString());
        Assert.Equal("relu1_1=1,relu2_1=0.5", completed.GetProperty("reproducibility").GetProperty("styleLayers").GetString());
        Assert.Equal(ExitCodes.InvalidArgument, bad.ExitCode);
        Assert.Contains("options.style_layers[0].layer", bad.Error);
    }

    [Fact]
    public async Task Stylize_ScalesAndCoarseIterations_RunCoarseToFineAndReportTheLevels()
    {
        var host = server.Host;
        var output = Path.Combine(TestData.NewTempDirectory(), "out.png");

        var run = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style-image", TestData.Image("the_scream.jpg"),
            "-o", output, "--size", "64", "--iterations", "2", "--scales", "2", "--coarse-iterations", "1", "--preview-every", "1", "--json");

        Assert.Equal(0, run.ExitCode);
        var frames = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var progress = frames.Where(f => f.GetProperty("type").GetString() == "progress").ToList();
        Assert.All(progress, p => Assert.Equal(2, p.GetProperty("levels").GetInt32()));
        Assert.Equal(64, progress[^1].GetProperty("levelSide").GetInt32());
        var record = frames[^1].GetProperty("reproducibility");
        Assert.Equal(("2", "1"), (record.GetProperty("scaleLevels").GetString(), record.GetProperty("coarseIterations").GetString()));
    }

    [Fact]
    public async Task KeysNew_PrintsAKeyWhoseSettingsAServerAccepts()
    {
        var made = await CliRunner.RunAsync("http://127.0.0.1:1", "keys", "new", "--role", "admin", "--index", "0");
        Assert.Equal(0, made.ExitCode);
        string Value(string prefix) => made.Output.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
        var key = Value("key:");
        Assert.StartsWith("sgk_", key);
        Assert.Equal(TestKeys.Sha256(key), Value("StyleGrpc__Keys__0__Sha256="));
        Assert.Equal("admin", Value("StyleGrpc__Keys__0__Role="));

        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:Keys:0:Sha256"] = Value("StyleGrpc__Keys__0__Sha256="),
            ["StyleGrpc:Keys:0:Role"] = Value("StyleGrpc__Keys__0__Role="),
        });
        var add = await CliRunner.RunAsync(host.Address, "styles", "add", "starry", TestData.Image("starry_night.jpg"), "--style-size", "64", "--api-key", key);
        Assert.Equal(0, add.ExitCode);
        var refused = await CliRunner.RunAsync(host.Address, "styles", "list", "--api-key", "sgk_not-the-key");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("API key", refused.Error);
    }

    [Fact]
    public async Task PrintingCommands_Json_PrintObjectsScriptsCanParse()
    {
        var address = server.Host.Address;
        async Task<JsonElement> Json(params string[] args)
        {
            var run = await CliRunner.RunAsync(address, [.. args, "--json"]);
            Assert.True(run.ExitCode == 0, run.Error);
            return JsonDocument.Parse(run.Output).RootElement.Clone();
        }

        var info = await Json("info");
        var health = await Json("health");
        var list = await Json("styles", "list");
        var show = await Json("styles", "show", "starry");
        var key = await Json("keys", "new", "--role", "user", "--index", "2");

        using var client = new StyleGrpc.Client.StyleGrpcClient(new StyleGrpc.Client.StyleGrpcClientOptions { Address = new Uri(address) });
        Assert.Equal((await client.GetServerInfoAsync()).MaxSide, info.GetProperty("maxSide").GetInt32());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("network").GetString()));
        Assert.Equal("SERVING", health.GetProperty("status").GetString());
        Assert.Contains("starry", list.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(("starry", 64), (show.GetProperty("id").GetString(), show.GetProperty("styleSize").GetInt32()));
        Assert.Equal(TestKeys.Sha256(key.GetProperty("key").GetString()!), key.GetProperty("sha256").GetString());
        Assert.Equal("user", key.GetProperty("settings").GetProperty("StyleGrpc__Keys__2__Role").GetString());
    }

    [Fact]
    public async Task Token_IsSentAsABearer_ARefusedOneExitsUnauthenticated_AndAKeyWithATokenIsAUsageError()
    {
        await using var provider = await TestIdentityProvider.StartAsync();
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:Jwt:Authority"] = provider.Issuer,
            ["StyleGrpc:Jwt:Audience"] = "api://stylegrpc-cli",
            ["StyleGrpc:Jwt:RequireHttpsMetadata"] = "false",
        });
        var roles = new Dictionary<string, object> { ["roles"] = new[] { "admin" } };

        var info = await CliRunner.RunAsync(host.Address, "info", "--token", provider.Token("cli-admin", "api://stylegrpc-cli", roles));
        var expired = await CliRunner.RunAsync(host.Address, "info", "--token", provider.Token("cli-admin", "api://stylegrpc-cli", roles, TimeSpan.FromMinutes(-5)));
        var both = await CliRunner.RunAsync(host.Address, "info", "--token", "a.b.c", "--api-key", "sgk_x");

        Assert.True(info.ExitCode == ExitCodes.Ok, info.Error);
        Assert.Contains("admin", info.Console + info.Output);
        Assert.Equal(ExitCodes.Unauthenticated, expired.ExitCode);
        Assert.Contains("expired", expired.Error);
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Contains("--api-key and --token", both.Error);
    }

    [Fact]
    public async Task KeyRefusals_ExitWithCodesOfTheirOwn()
    {
        await using var host = await ServerHost.StartAsync(TestKeys.Settings(("sgk_cli-admin", "admin"), ("sgk_cli-user", "user")));

        var noKey = await CliRunner.RunAsync(host.Address, "styles", "list");
        var wrongKey = await CliRunner.RunAsync(host.Address, "info", "--api-key", "sgk_not-a-key");
        var userRegisters = await CliRunner.RunAsync(host.Address, "styles", "add", "x", TestData.Image("starry_night.jpg"), "--api-key", "sgk_cli-user");
        var userLists = await CliRunner.RunAsync(host.Address, "styles", "list", "--api-key", "sgk_cli-user");

        Assert.Equal((ExitCodes.Unauthenticated, ExitCodes.Unauthenticated, ExitCodes.PermissionDenied, ExitCodes.Ok),
            (noKey.ExitCode, wrongKey.ExitCode, userRegisters.ExitCode, userLists.ExitCode));
    }

    [Fact]
    public async Task Stylize_Json_PrintsOneObjectPerFrameEndingWithCompleted()
    {
        var host = server.Host;
        var output = Path.Combine(TestData.NewTempDirectory(), "out.jpg");

        var run = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style-image", TestData.Image("the_scream.jpg"),
            "-o", output, "--size", "48", "--iterations", "4", "--json", "--seed", "5");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var frames = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("accepted", frames[0].GetProperty("type").GetString());
        Assert.Equal("started", frames[1].GetProperty("type").GetString());
        var last = frames[^1];
        Assert.Equal("completed", last.GetProperty("type").GetString());
        Assert.Equal(output, last.GetProperty("output").GetString());
        Assert.Equal("5", last.GetProperty("reproducibility").GetProperty("seed").GetString());
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, (await File.ReadAllBytesAsync(output))[..2]);
    }

    [Fact]
    public async Task Stylize_UnknownStyle_ExitsNotFoundNamingIt()
    {
        var host = server.Host;
        var run = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "no-such-style",
            "-o", Path.Combine(TestData.NewTempDirectory(), "x.png"));
        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.Contains("no-such-style", run.Error);
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Fact]
    public async Task Stylize_ServerRefusesField_ExitsInvalidArgument()
    {
        var host = server.Host;
        var run = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style-image", TestData.Image("the_scream.jpg"),
            "-o", Path.Combine(TestData.NewTempDirectory(), "x.png"), "--iterations", "999999");
        Assert.Equal(ExitCodes.InvalidArgument, run.ExitCode);
        Assert.Contains("options.iterations", run.Error);
    }

    [Fact]
    public async Task UnreachableServer_ExitsWithItsOwnCode()
    {
        var run = await CliRunner.RunAsync("http://127.0.0.1:1", "info");
        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("unreachable", run.Error);
    }

    [Theory]
    [InlineData("stylize")]
    [InlineData("stylize", "/no/such/file.jpg", "--style", "x", "-o", "out.png")]
    [InlineData("frobnicate")]
    public async Task BadUsage_ExitsTwo(params string[] args)
    {
        var run = await CliRunner.RunAsync("http://127.0.0.1:1", args);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("error:", run.Error);
    }

    [Fact]
    public async Task Stylize_BothStyleAndImage_ExitsTwo()
    {
        var run = await CliRunner.RunAsync("http://127.0.0.1:1", "stylize", TestData.Image("tubingen.jpg"), "--style", "a",
            "--style-image", TestData.Image("the_scream.jpg"), "-o", "x.png");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
    }

    [Fact]
    public async Task Stylize_Cancelled_Exits130AndStopsServerJob()
    {
        var host = server.Host;
        using var cts = new CancellationTokenSource();
        var run = CliRunner.RunAsync(host.Address, cts.Token, "stylize", TestData.Image("tubingen.jpg"), "--style-image", TestData.Image("the_scream.jpg"),
            "-o", Path.Combine(TestData.NewTempDirectory(), "x.png"), "--size", "64", "--iterations", "5000", "--tolerance", "0", "--optimizer", "adam");
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 1, TimeSpan.FromSeconds(60)));
        await cts.CancelAsync();
        var outcome = await run;
        Assert.Equal(ExitCodes.Cancelled, outcome.ExitCode);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 0, TimeSpan.FromSeconds(10)));
        // The job was cancelled as an operation (CancelOperation), not merely left behind.
        // (Even when the token is cancelled while the submission is still being answered.)
        var listed = (await CliRunner.RunAsync(host.Address, "jobs", "list", "--json")).Output;
        var newest = JsonDocument.Parse(listed.Split('\n')[0]).RootElement;
        Assert.True(newest.GetProperty("state").GetString() == "cancelled", listed);
        Assert.Equal(0, (await CliRunner.RunAsync(host.Address, "jobs", "delete", newest.GetProperty("name").GetString()!)).ExitCode);
    }

    [Fact]
    public async Task StylizeDetach_PrintsTheOperationName_ThenJobsWatchGetListDelete()
    {
        var host = server.Host;
        var output = Path.Combine(TestData.NewTempDirectory(), "watched.png");

        var detached = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry", "--size", "64",
            "--iterations", "5", "--tolerance", "0", "--detach");
        var name = detached.Output.Trim();
        var id = name["operations/".Length..];
        var watch = await CliRunner.RunAsync(host.Address, "jobs", "watch", id, "-o", output);
        var get = await CliRunner.RunAsync(host.Address, "jobs", "get", name, "--json");
        var show = await CliRunner.RunAsync(host.Address, "jobs", "get", id);
        var list = await CliRunner.RunAsync(host.Address, "jobs", "list");
        var listJson = await CliRunner.RunAsync(host.Address, "jobs", "list", "--json");
        var delete = await CliRunner.RunAsync(host.Address, "jobs", "delete", name);
        var gone = await CliRunner.RunAsync(host.Address, "jobs", "get", name);

        Assert.Equal(0, detached.ExitCode);
        Assert.Matches("^operations/[0-9a-f]{12}$", name);
        Assert.Equal(0, watch.ExitCode);
        Assert.Contains("iter 5/5", watch.Console);
        Assert.Contains($"wrote {output}", watch.Console);
        var image = ImageCodec.Decode(await File.ReadAllBytesAsync(output));
        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.Equal(0, get.ExitCode);
        var operation = JsonDocument.Parse(get.Output).RootElement;
        Assert.Equal(name, operation.GetProperty("name").GetString());
        Assert.True(operation.GetProperty("done").GetBoolean());
        Assert.Equal("succeeded", operation.GetProperty("state").GetString());
        Assert.Equal(5, operation.GetProperty("result").GetProperty("iterations").GetInt32());
        Assert.Equal(1, operation.GetProperty("attempt").GetInt32());
        Assert.Contains("succeeded", show.Console);
        Assert.Contains("5/5", show.Console);
        Assert.Contains(name, list.Console);
        Assert.Contains(listJson.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            l => JsonDocument.Parse(l).RootElement.GetProperty("name").GetString() == name);
        Assert.Equal(0, delete.ExitCode);
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
    }

    [Fact]
    public async Task StylizeDetachJson_PrintsTheOperation_AndJobsCancelEndsTheJob()
    {
        var host = server.Host;

        var detached = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry", "--size", "64",
            "--iterations", "5000", "--tolerance", "0", "--optimizer", "adam", "--detach", "--json");
        var submitted = JsonDocument.Parse(detached.Output).RootElement;
        var name = submitted.GetProperty("name").GetString()!;
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 1, TimeSpan.FromSeconds(60)));
        var cancel = await CliRunner.RunAsync(host.Address, "jobs", "cancel", name);
        var watch = await CliRunner.RunAsync(host.Address, "jobs", "watch", name, "--json");
        var delete = await CliRunner.RunAsync(host.Address, "jobs", "delete", name);

        Assert.Equal(0, detached.ExitCode);
        Assert.False(submitted.GetProperty("done").GetBoolean());
        Assert.Contains(submitted.GetProperty("state").GetString(), new[] { "queued", "running" });
        Assert.Equal(0, cancel.ExitCode);
        Assert.Contains($"{name}: cancelled", cancel.Console);
        Assert.Equal(ExitCodes.Cancelled, watch.ExitCode);
        // The frames up to the end, each with its sequence, then the job's status as the exit code.
        var frames = watch.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("accepted", frames[0].GetProperty("type").GetString());
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.First.GetProperty("sequence").GetInt64() < p.Second.GetProperty("sequence").GetInt64()));
        Assert.Equal(0, delete.ExitCode);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 0, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Stylize_NeitherOutputNorDetach_ExitsTwo()
    {
        var run = await CliRunner.RunAsync("http://127.0.0.1:1", "stylize", TestData.Image("tubingen.jpg"), "--style", "a");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--detach", run.Error);
    }

    [Fact]
    public async Task Health_And_Info_Work()
    {
        var host = server.Host;
        var health = await CliRunner.RunAsync(host.Address, "health");
        Assert.Equal(0, health.ExitCode);
        Assert.Contains("SERVING", health.Console);
        var info = await CliRunner.RunAsync(host.Address, "info");
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("vgg19", info.Console);
    }
}
