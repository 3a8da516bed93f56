using System.Security.Cryptography;
using System.Text.Json;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Cli.Tests;

/// <summary><c>stylize --region</c> and <c>--color</c> reach the server and come back in its record.</summary>
[Collection(ServerCollection.Name)]
public sealed class CliControlTests(CliServer server) : IClassFixture<CliServer>
{
    [Fact]
    public async Task Stylize_TwoRegionsAndLuminanceColour_ReachTheServerAndItsRecord()
    {
        var dir = TestData.NewTempDirectory();
        var (sky, ground) = (Path.Combine(dir, "sky.png"), Path.Combine(dir, "ground.png"));
        // 4:3 masks (tubingen's aspect): the upper half, and the lower quarter.
        await File.WriteAllBytesAsync(sky, Mask(row => row < 24));
        await File.WriteAllBytesAsync(ground, Mask(row => row >= 36));
        var output = Path.Combine(dir, "out.png");

        var run = await CliRunner.RunAsync(server.Host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry", "-o", output,
            "--size", "64", "--iterations", "2", "--json", "--color", "luminance",
            "--region", $"{sky}={TestData.Image("the_scream.jpg")}*2", "--region", $"{ground}=starry");

        Assert.True(run.ExitCode == 0, run.Error);
        var record = JsonDocument.Parse(run.Output.Trim().Split('\n')[^1]).RootElement.GetProperty("reproducibility");
        Assert.Equal("LuminanceOnly", record.GetProperty("colorControl").GetString());
        var regions = record.GetProperty("regions").GetString()!;
        Assert.Contains(Sha256(sky), regions);
        Assert.Contains(Sha256(ground), regions);
        Assert.Contains("styles/starry", regions);
        Assert.Contains("\"weight\": 2", regions);
        Assert.Equal((64, 48), (ImageCodec.Decode(await File.ReadAllBytesAsync(output)).Width, ImageCodec.Decode(await File.ReadAllBytesAsync(output)).Height));
    }

    [Fact]
    public async Task Stylize_BlendWithPerComponentLayers_RecordsTheEffectiveLayers()
    {
        var run = await CliRunner.RunAsync(server.Host.Address, "stylize", TestData.Image("tubingen.jpg"), "--blend", "starry=1@relu1_1,starry=3@conv3_1:2",
            "-o", Path.Combine(TestData.NewTempDirectory(), "out.png"), "--size", "64", "--iterations", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var record = JsonDocument.Parse(run.Output.Trim().Split('\n')[^1]).RootElement.GetProperty("reproducibility");
        // Weights ¼ and ¾: relu1_1 ¼ × 1, conv3_1 ¾ × 2.
        Assert.Equal("relu1_1=0.25,conv3_1=1.5", record.GetProperty("styleLayers").GetString());
    }

    [Theory]
    [InlineData("--region", "no-equals-sign", "--region")]
    [InlineData("--region", "/no/such/mask.png=starry", "/no/such/mask.png")]
    [InlineData("--color", "purple", "purple")]
    public async Task Stylize_BadRegionOrColour_ExitsWithUsage(string option, string value, string named)
    {
        var run = await CliRunner.RunAsync(server.Host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry",
            "-o", Path.Combine(TestData.NewTempDirectory(), "out.png"), option, value);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(named, run.Error);
    }

    [Fact]
    public async Task Stylize_MaskOfAnotherAspect_ExitsInvalidArgumentNamingTheRegion()
    {
        var mask = Path.Combine(TestData.NewTempDirectory(), "square.png");
        await File.WriteAllBytesAsync(mask, Mask(row => row < 24, height: 64));
        var run = await CliRunner.RunAsync(server.Host.Address, "stylize", TestData.Image("tubingen.jpg"), "--style", "starry",
            "-o", Path.Combine(TestData.NewTempDirectory(), "out.png"), "--size", "64", "--region", $"{mask}=starry");
        Assert.Equal(ExitCodes.InvalidArgument, run.ExitCode);
        Assert.Contains("regions[0].mask", run.Error);
    }

    private static byte[] Mask(Func<int, bool> white, int width = 64, int height = 48)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < width * height; i++)
        {
            if (white(i / width))
            {
                pixels.AsSpan(i * 3, 3).Fill(255);
            }
        }
        return ImageCodec.Encode(new RgbImage(width, height, pixels));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
