using System.Diagnostics;
using Grpc.Core;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// The data directory on a real, small filesystem (a tmpfs the test mounts; the tests run as root). If mounting is
/// refused the test fails with that reason: a disk-full test that silently passes would prove nothing.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class DiskFullTests
{
    [Fact]
    public async Task RegisterStyle_DataDirectoryFull_ReturnsResourceExhaustedAndLeavesNothingBehind()
    {
        using var disk = SmallDisk.Mount("2m");
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?> { ["StyleGrpc:DataDirectory"] = disk.Path });
        await Frames.RegisterStarryAsync(host, "fits");
        disk.FillUp();
        var before = Listing(disk.Path);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Frames.RegisterStarryAsync(host, "no-room"));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("data directory full", ex.Status.Detail);
        Assert.Equal(before, Listing(disk.Path));
        var list = await host.Client.ListStylesAsync(new ListStylesRequest());
        Assert.Equal(["fits"], list.Styles.Select(s => s.StyleId));
        // Once there is room again, the same request succeeds.
        disk.FreeUp();
        await Frames.RegisterStarryAsync(host, "no-room");
    }

    [Fact]
    public async Task Stylize_TargetsRecomputedOnAFullDisk_RunsWithTheTargetsInMemory()
    {
        using var disk = SmallDisk.Mount("2m");
        var settings = new Dictionary<string, string?> { ["StyleGrpc:DataDirectory"] = disk.Path };
        await using (var first = await ServerHost.StartAsync(settings))
        {
            await Frames.RegisterStarryAsync(first);
        }
        // Another network needs other targets: they are computed from the stored image when the job runs, and cannot be
        // written. A job is stored before it is accepted, so the disk fills up after that, while it waits behind another.
        settings["StyleGrpc:Vgg19WeightsPath"] = "";
        settings["StyleGrpc:ModelsDirectory"] = Path.Combine(disk.Path, "no-models");
        settings["StyleGrpc:ConcurrentJobs"] = "1";
        await using var second = await ServerHost.StartAsync(settings);
        using var cancel = new CancellationTokenSource();
        var blocker = Frames.LongRequest();
        blocker.StyleName = "";
        blocker.StyleImage = Frames.Image("the_scream.jpg");
        using var running = second.Client.Stylize(blocker, cancellationToken: cancel.Token);
        await Frames.ReadUntilAsync(running, f => f.Progress is not null);
        using var call = second.Client.Stylize(Frames.Request(iterations: 2));
        Assert.Equal(1, (await Frames.ReadUntilAsync(call, f => f.Accepted is not null))[0].Accepted.QueuePosition);
        disk.FillUp();
        await cancel.CancelAsync();

        var frames = await Frames.ReadUntilAsync(call, f => f.Result is not null);

        Assert.Equal("resnet18-onnx", frames[^1].Result.Reproducibility.Network);
        Assert.Empty(Directory.GetFiles(disk.Path, "*.tmp-*", SearchOption.AllDirectories));
        Assert.Single(Directory.GetFiles(Path.Combine(disk.Path, "styles", "starry", "targets")));
    }

    [Fact]
    public async Task Restart_TempFileInsideAStyleFolder_IsSweptAway()
    {
        var data = TestData.NewTempDirectory();
        string styleDir;
        await using (var first = await ServerHost.StartAsync(dataDirectory: data))
        {
            await Frames.RegisterStarryAsync(first);
            styleDir = Path.Combine(first.FileStore.Root, "starry");
        }
        var leftover = Path.Combine(styleDir, "targets", "x.bin.tmp-0123456789abcdef");
        await File.WriteAllBytesAsync(leftover, new byte[4096]);

        await using var second = await ServerHost.StartAsync(dataDirectory: data);

        Assert.False(File.Exists(leftover));
        Assert.Equal(1, await second.Registry.CountAsync(CancellationToken.None));
    }

    private static string[] Listing(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p)).Order()];

    /// <summary>A tmpfs of a given size, mounted for one test and unmounted after.</summary>
    private sealed class SmallDisk : IDisposable
    {
        private SmallDisk(string path) => Path = path;

        public string Path { get; }

        private string Filler => System.IO.Path.Combine(Path, "filler");

        public static SmallDisk Mount(string size)
        {
            var path = TestData.NewTempDirectory();
            var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
            Assert.True(code == 0, $"mounting a {size} tmpfs at {path} was refused ({output.Trim()}); this test needs root to mount one");
            return new SmallDisk(path);
        }

        /// <summary>Writes until the filesystem says it is full.</summary>
        public void FillUp()
        {
            // Unbuffered, so nothing is left to flush (and fail) when the file is closed; large blocks, then single bytes.
            using var file = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
            foreach (var size in new[] { 65536, 1 })
            {
                var block = new byte[size];
                try
                {
                    while (true)
                    {
                        file.Write(block);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        public void FreeUp() => File.Delete(Filler);

        public void Dispose()
        {
            var (code, output) = Run("umount", "-l", Path);
            Assert.True(code == 0, $"umount {Path}: {output}");
        }

        private static (int Code, string Output) Run(string command, params string[] args)
        {
            using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
    }
}
