using System.Text.Json;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Cli.Tests;

/// <summary>'stylegrpc styles train' and 'stylize --fast' in-process against a real server with training photos.</summary>
[Collection(ServerCollection.Name)]
public sealed class CliTrainingTests
{
    [Fact]
    public async Task StylesTrain_FollowsTheTrainingToTheEnd_ThenStylizeFastWritesTheImage_AndListSaysInstant()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:Training:ContentDirectory"] = TrainingPhotosFolder.Create() });
        Assert.Equal(0, (await CliRunner.RunAsync(host.Address, "styles", "add", "starry", TestData.Image("starry_night.jpg"), "--style-size", "64")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(host.Address, "styles", "add", "scream", TestData.Image("the_scream.jpg"), "--style-size", "64")).ExitCode);
        var output = Path.Combine(TestData.NewTempDirectory(), "fast.png");

        var untrained = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "scream", "--fast", "-o", output);
        var train = await CliRunner.RunAsync(host.Address, "styles", "train", "starry", "--iterations", "4", "--image-size", "64", "--batch-size", "1");
        var list = await CliRunner.RunAsync(host.Address, "styles", "list");
        var info = await CliRunner.RunAsync(host.Address, "info");
        var fast = await CliRunner.RunAsync(host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry", "--fast", "-o", output, "--size", "64");

        Assert.Equal(ExitCodes.InvalidArgument, untrained.ExitCode);
        Assert.Contains("options.method", untrained.Error);
        Assert.True(train.ExitCode == 0, train.Error);
        // Its progress lines depend on how fast the machine trains; its end does not.
        Assert.Contains("done: 4 iterations, network v1", train.Console);
        Assert.Contains("starry is instant: network v1, 4 iterations", train.Console);
        Assert.Contains("yes (v1)", list.Console);
        Assert.Contains($"available, {TrainingPhotosFolder.Count} training photos", info.Console);
        Assert.Matches(@"your role\s+admin", info.Console);
        Assert.True(fast.ExitCode == 0, fast.Error);
        var image = ImageCodec.Decode(await File.ReadAllBytesAsync(output));
        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.DoesNotContain("iter ", fast.Console);
    }

    [Fact]
    public async Task StylesTrain_DetachAndJson_PrintTheOperation_AndRefusalsKeepTheirExitCodes()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:Training:ContentDirectory"] = TrainingPhotosFolder.Create() });
        Assert.Equal(0, (await CliRunner.RunAsync(host.Address, "styles", "add", "starry", TestData.Image("starry_night.jpg"), "--style-size", "64")).ExitCode);

        // Trained for video: the stability term and the shifted loss reach the server (a weight out of range comes back naming it).
        var detached = await CliRunner.RunAsync(host.Address, "styles", "train", "starry", "--iterations", "2", "--image-size", "64", "--batch-size", "1",
            "--stability-weight", "30", "--shifted-loss", "--detach");
        var badStability = await CliRunner.RunAsync(host.Address, "styles", "train", "starry", "--stability-weight", "2000");
        var name = detached.Output.Trim();
        var json = await CliRunner.RunAsync(host.Address, "jobs", "get", name, "--json");
        var badSize = await CliRunner.RunAsync(host.Address, "styles", "train", "starry", "--image-size", "8");
        var unknown = await CliRunner.RunAsync(host.Address, "styles", "train", "nope");

        Assert.Equal(0, detached.ExitCode);
        Assert.StartsWith("operations/", name, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        Assert.Equal(name, JsonDocument.Parse(json.Output).RootElement.GetProperty("name").GetString());
        Assert.Equal(ExitCodes.InvalidArgument, badSize.ExitCode);
        Assert.Contains("image_size", badSize.Error);
        Assert.Equal(ExitCodes.InvalidArgument, badStability.ExitCode);
        Assert.Contains("stability_weight", badStability.Error);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
    }
}
