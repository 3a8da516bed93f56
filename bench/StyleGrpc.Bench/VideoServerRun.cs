using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.LongRunning;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Bench;

/// <summary>
/// A feed-forward video job through the real server (in-process Kestrel on loopback, gRPC over HTTP/2), in a child process
/// of its own so its peak RSS (VmHWM) is the job's: SubmitStylizeVideo, then WaitOperation until it ends. Decoding, the
/// flow, the network, the temporal blend, encoding the parts, storing them and assembling the result all count in the
/// wall time. The style's network is stored straight into the server's style store (the bench trained it beforehand), so
/// no TrainStyleNetwork job runs here.
/// </summary>
internal static class VideoServerRun
{
    /// <param name="Frames">Frames in the result.</param>
    /// <param name="WallSeconds">From SubmitStylizeVideo to the finished operation, upload and result included.</param>
    /// <param name="RunSeconds">The server's own run time of the job (VideoResult.run_time).</param>
    /// <param name="BaselineRssMb">VmHWM once the server was up, the style registered and a warm-up job had run (null when none ran).</param>
    /// <param name="PeakRssMb">VmHWM at the end: the process's peak, the video job included.</param>
    /// <param name="CpuSeconds">CPU time of the job: this process's user + system time and that of its finished children (ffmpeg), from
    /// /proc/self/stat, over the timed job.</param>
    /// <param name="Load">/proc/loadavg at the end (1, 5, 15 minutes).</param>
    /// <param name="FullGcs">Full (generation 2) garbage collections during the timed job.</param>
    /// <param name="ManagedAfterGcMb">The managed heap after the job and a forced, compacting full collection: what the process still holds.</param>
    /// <param name="RssAfterGcMb">VmRSS after that collection.</param>
    internal sealed record Result(int Frames, int Width, int Height, double WallSeconds, double RunSeconds, double BaselineRssMb, double PeakRssMb,
        double ResultMb, double CpuSeconds, string Load, int FullGcs = 0, double ManagedAfterGcMb = double.NaN, double RssAfterGcMb = double.NaN);

    /// <param name="frameRate">The request's frame_rate: 0 = the clip's own.</param>
    /// <param name="flowScale">The server's <c>StyleGrpc:Video:FlowScale</c>.</param>
    public static Result MeasureInChild(string clip, string weights, string styleImage, int maxSide, double temporalWeight, double frameRate, bool warmUp,
        double flowScale) =>
        ChildRun.Measure<Result>(["--child-video-server", clip, weights, styleImage, maxSide.ToString(CultureInfo.InvariantCulture),
            temporalWeight.ToString(CultureInfo.InvariantCulture), warmUp ? "warm" : "cold", frameRate.ToString(CultureInfo.InvariantCulture),
            flowScale.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>The child's side: <c>--child-video-server clip weights styleImage maxSide temporalWeight warm|cold frameRate flowScale</c>.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var (clip, weights, styleImage) = (args[1], args[2], args[3]);
        var maxSide = int.Parse(args[4], CultureInfo.InvariantCulture);
        var temporalWeight = double.Parse(args[5], CultureInfo.InvariantCulture);
        var limit = (256L << 20).ToString(CultureInfo.InvariantCulture);
        await using var server = await BenchServer.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:MaxRequestBytes"] = limit,
            ["StyleGrpc:Video:MaxBytes"] = limit,
            // Video frames are never tiled, so their side is capped at TileAbove (default 1024): 720p needs 1280.
            ["StyleGrpc:TileAbove"] = "1280",
            ["StyleGrpc:Video:FlowScale"] = args[8],
        });
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        var invoker = channel.CreateCallInvoker();
        await invoker.AsyncUnaryCall(Unary<RegisterStyleRequest, Protos.V1.Style>("stylegrpc.v1.StyleTransferService", "RegisterStyle"), null, default,
            new RegisterStyleRequest { StyleId = "starry", Image = ByteString.CopyFrom(await File.ReadAllBytesAsync(styleImage)) });
        var record = await server.App.Services.GetRequiredService<StyleRegistry>().GetAsync("starry", CancellationToken.None);
        await server.App.Services.GetRequiredService<FeedForwardNetworks>().StoreTrainedAsync("starry", record.Version,
            new FeedForwardTrainingResult(await File.ReadAllBytesAsync(weights), 1, 0, TimeSpan.Zero), server.Engine.Network.Info.Fingerprint,
            "operations/bench", 256, CancellationToken.None);
        var video = ByteString.CopyFrom(await File.ReadAllBytesAsync(clip));
        StylizeVideoRequest Request() => new()
        {
            Video = video,
            StyleName = "starry",
            Options = new StylizeOptions { MaxSide = maxSide },
            TemporalWeight = temporalWeight,
            FrameRate = double.Parse(args[7], CultureInfo.InvariantCulture),
        };
        double? baseline = null;
        if (args[6] == "warm")
        {
            // JIT, the network's first load and ffmpeg's first start are not per-frame costs.
            var warm = Request();
            warm.FrameRange = new VideoFrameRange { First = 0, Count = 6 };
            await RunAsync(invoker, warm);
            baseline = BenchPaths.PeakRssMb();
        }
        var cpu = CpuSeconds();
        var fullGcs = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        var result = await RunAsync(invoker, Request());
        var wall = clock.Elapsed.TotalSeconds;
        cpu = CpuSeconds() - cpu;
        fullGcs = GC.CollectionCount(2) - fullGcs;
        var peak = BenchPaths.PeakRssMb();
        // What is still held once the garbage is gone: a leak shows here, a collector that let garbage pile up does not.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var managed = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
        Console.WriteLine(JsonSerializer.Serialize(new Result(result.Frames, result.Width, result.Height, wall, result.RunTime.ToTimeSpan().TotalSeconds,
            baseline ?? double.NaN, peak, result.VideoSize / 1048576.0, cpu, VideoBench.LoadAverage(), fullGcs, managed, BenchPaths.RssMb())));
        return 0;
    }

    // utime + stime + cutime + cstime of /proc/self/stat (fields 14–17), in seconds: what this process and its waited-for
    // children used, whatever else the machine runs.
    private static double CpuSeconds()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static async Task<VideoResult> RunAsync(CallInvoker invoker, StylizeVideoRequest request)
    {
        var operation = await invoker.AsyncUnaryCall(Unary<StylizeVideoRequest, Operation>("stylegrpc.v1.StyleTransferService", "SubmitStylizeVideo"),
            null, default, request);
        var wait = Unary<WaitOperationRequest, Operation>("google.longrunning.Operations", "WaitOperation");
        while (!operation.Done)
        {
            operation = await invoker.AsyncUnaryCall(wait, null, default,
                new WaitOperationRequest { Name = operation.Name, Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) });
        }
        var result = operation.ResultCase == Operation.ResultOneofCase.Response
            ? operation.Response.Unpack<VideoResult>()
            : throw new InvalidOperationException($"the video job failed: {operation.Error}");
        if (result.Chunked)
        {
            // Read as a client would, a chunk at a time (counted in the wall time; nothing kept).
            var read = new Method<ReadVideoResultRequest, VideoChunk>(MethodType.ServerStreaming, "stylegrpc.v1.StyleTransferService", "ReadVideoResult",
                Marshaller<ReadVideoResultRequest>(), Marshaller<VideoChunk>());
            using var call = invoker.AsyncServerStreamingCall(read, null, default, new ReadVideoResultRequest { Name = operation.Name });
            long bytes = 0;
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                bytes += chunk.Data.Length;
            }
            if (bytes != result.VideoSize)
            {
                throw new InvalidOperationException($"ReadVideoResult gave {bytes} bytes of {result.VideoSize}");
            }
        }
        return result;
    }

    // The server's generated messages with hand-made method descriptors: the bench references the server (whose proto types
    // are public) and so cannot also generate the client stubs without two copies of every type.
    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new() =>
        new(MethodType.Unary, service, name, Marshaller<TRequest>(), Marshaller<TResponse>());

    private static Marshaller<T> Marshaller<T>() where T : IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);
    }
}
