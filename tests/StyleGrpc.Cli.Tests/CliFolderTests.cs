using System.Text.Json;
using StyleGrpc.Client;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Cli.Tests;

/// <summary>
/// <c>stylize DIR_OR_GLOB... -o OUTDIR</c> against the shared server: a job per photo with a request ID made from the request, so a
/// rerun answers the jobs already made. Each test has its own --seed, so its request IDs are its own.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CliFolderTests(CliServer server) : IClassFixture<CliServer>
{
    private static readonly string[] Small = ["--style", "starry", "--size", "48", "--iterations", "2"];

    [Fact]
    public async Task StylizeFolder_ThreePhotos_WritesThree_AndARerunStartsNothingAndKeepsThem()
    {
        var photos = Photos("garden.jpg", "storm.jpg", "dune.jpg");
        var outDir = Path.Combine(TestData.NewTempDirectory(), "out");
        var before = await OperationCountAsync();

        var first = await StylizeAsync(photos, "-o", outDir, "--seed", "101", "--json");
        var made = await OperationCountAsync();
        var written = Outputs(outDir).ToDictionary(p => p, File.GetLastWriteTimeUtc);
        var rerun = await StylizeAsync(photos, "-o", outDir, "--seed", "101");
        var kept = Outputs(outDir).ToDictionary(p => p, File.GetLastWriteTimeUtc);
        var again = await StylizeAsync(photos, "-o", outDir, "--seed", "101", "--overwrite", "--json", "--parallel", "3");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal(before + 3, made);
        Assert.Equal(["dune.png", "garden.png", "storm.png"], written.Keys.Select(Path.GetFileName));
        Assert.All(written.Keys, path => Assert.Equal(48, LongerSide(path)));
        var firstRows = Rows(first);
        Assert.All(firstRows, r => Assert.Equal("written", r.GetProperty("status").GetString()));
        Assert.Equal(3, firstRows.Select(r => r.GetProperty("requestId").GetString()).Distinct().Count());

        // The rerun asks nothing of the server for results already written; --overwrite asks again with the same request IDs and
        // gets the same (done) operations' results: no job either way.
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        Assert.Equal(3, rerun.Console.Split('\n').Count(l => l.Contains(": kept ", StringComparison.Ordinal)));
        Assert.Contains("3/3 photos: 0 written, 3 kept, 0 failed", rerun.Console);
        Assert.Equal(written, kept);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Equal(made, await OperationCountAsync());
        Assert.Equal(Operations(first), Operations(again));
        Assert.All(Rows(again), r => Assert.Equal("written", r.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task StylizeFolder_DetachThenRerun_PicksUpTheSameOperations()
    {
        var photos = Photos("garden.jpg", "storm.jpg", "dune.jpg");
        var outDir = Path.Combine(TestData.NewTempDirectory(), "out");

        var detached = await StylizeAsync(photos, "--seed", "102", "--detach", "--json");
        var made = await OperationCountAsync();
        var plain = await StylizeAsync(photos, "--seed", "102", "--detach");
        var rerun = await StylizeAsync(photos, "-o", outDir, "--seed", "102", "--json");

        Assert.True(detached.ExitCode == 0, detached.Error);
        Assert.All(Rows(detached), r => Assert.Equal("submitted", r.GetProperty("status").GetString()));
        Assert.All(Operations(detached), name => Assert.Matches("^operations/[0-9a-f]{12}$", name));
        Assert.Equal(Operations(detached), plain.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]));
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        Assert.Equal(Operations(detached), Operations(rerun));
        Assert.Equal(made, await OperationCountAsync());
        Assert.Equal(["dune.png", "garden.png", "storm.png"], Outputs(outDir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task StylizeGlob_TakesItsMatchesOnly_ABrokenPhotoFailsItsRowAndTheExitCode_AndOneFileIntoAFolderWorks()
    {
        var photos = Photos("garden.jpg", "storm.jpg");
        await File.WriteAllTextAsync(Path.Combine(photos, "broken.jpg"), "not a jpeg");
        await File.WriteAllTextAsync(Path.Combine(photos, "notes.txt"), "not a photo");
        File.Copy(TestData.Image("dune.jpg"), Path.Combine(photos, "dune.jpeg.bak"));
        var outDir = TestData.NewTempDirectory();
        var single = TestData.NewTempDirectory();

        var run = await StylizeAsync(Path.Combine(photos, "*.jpg"), "-o", outDir, "--seed", "103", "--format", "jpeg");
        var one = await StylizeAsync(Path.Combine(photos, "garden.jpg"), "-o", single + Path.DirectorySeparatorChar, "--seed", "103");

        Assert.Equal(ExitCodes.PhotosFailed, run.ExitCode);
        Assert.Contains("broken.jpg: failed: ", run.Console);
        Assert.Contains($"error: {Path.Combine(photos, "broken.jpg")}: ", run.Error);
        Assert.Contains("content_image", run.Error);
        Assert.Contains("3/3 photos: 2 written, 0 kept, 1 failed", run.Console);
        Assert.Equal(["garden.jpg", "storm.jpg"], Outputs(outDir).Select(Path.GetFileName));
        Assert.All(Outputs(outDir), path => Assert.Equal(new byte[] { 0xFF, 0xD8 }, File.ReadAllBytes(path)[..2]));
        Assert.True(one.ExitCode == 0, one.Error);
        Assert.Equal(["garden.png"], Outputs(single).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("*.gif", "matches no photo")]
    [InlineData("empty-dir", "has no photo")]
    public async Task StylizeFolder_MissingPathOrNothingMatched_IsAUsageErrorNamingIt(string input, string says)
    {
        var dir = TestData.NewTempDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "empty-dir"));
        File.Copy(TestData.Image("garden.jpg"), Path.Combine(dir, "garden.jpg"));
        var named = Path.Combine(dir, input);

        var run = await CliRunner.RunAsync("http://127.0.0.1:1", "stylize", Path.Combine(dir, "garden.jpg"), named, "--style", "starry", "-o", dir);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"'{named}' {says}", run.Error);
    }

    [Fact]
    public void StylizeRequestId_IsTheSameForTheSameRequest_AndAnotherForAnotherPhotoStyleOrOption()
    {
        byte[] photo = [1, 2, 3];
        var starry = StyleSpec.Registered("starry");
        var options = new StylizeOptions { MaxSide = 48, Seed = 1, StyleLayers = [("relu1_1", 1)] };
        var id = StylizeRequestId.For(photo, starry, options);

        Assert.True(Guid.TryParse(id, out var uuid));
        Assert.Equal((8, 0b10), (uuid.Version, uuid.Variant >> 2)); // RFC 9562 version 8 (name-based, SHA-256), variant 10xx
        Assert.Equal(id, StylizeRequestId.For(new byte[] { 1, 2, 3 }, StyleSpec.Registered("starry"), options with { StyleLayers = [("relu1_1", 1)] }));
        Assert.Equal(id, StylizeRequestId.For(photo, starry, options with { RequestId = Guid.NewGuid().ToString() }));
        Assert.Equal(4, new[]
        {
            id,
            StylizeRequestId.For(new byte[] { 1, 2, 4 }, starry, options),
            StylizeRequestId.For(photo, StyleSpec.Registered("scream"), options),
            StylizeRequestId.For(photo, starry, options with { Seed = 2 }),
        }.Distinct().Count());
    }

    private Task<CliRunner.Outcome> StylizeAsync(string input, params string[] args) =>
        CliRunner.RunAsync(server.Host.Address, ["stylize", input, .. Small, .. args]);

    private async Task<int> OperationCountAsync()
    {
        using var client = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(server.Host.Address) });
        return await client.ListAllOperationsAsync().CountAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
    }

    // A new folder with copies of these test photos.
    private static string Photos(params string[] names)
    {
        var dir = TestData.NewTempDirectory();
        foreach (var name in names)
        {
            File.Copy(TestData.Image(name), Path.Combine(dir, name));
        }
        return dir;
    }

    private static List<string> Outputs(string dir) => [.. Directory.GetFiles(dir).Order(StringComparer.Ordinal)];

    private static int LongerSide(string path)
    {
        var image = ImageCodec.Decode(File.ReadAllBytes(path));
        return Math.Max(image.Width, image.Height);
    }

    private static List<JsonElement> Rows(CliRunner.Outcome run) => [.. JsonDocument.Parse(run.Output).RootElement.EnumerateArray().Select(e => e.Clone())];

    private static List<string> Operations(CliRunner.Outcome run) =>
        [.. Rows(run).OrderBy(r => r.GetProperty("file").GetString(), StringComparer.Ordinal).Select(r => r.GetProperty("operation").GetString()!)];
}
