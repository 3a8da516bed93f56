using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StyleGrpc.Client;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Hosting;

namespace StyleGrpc.Bench;

/// <summary>The same job through gRPC (in-process server on loopback, real HTTP/2) and through the engine alone.</summary>
internal static class EndToEnd
{
    public sealed record Result(int Iterations, int Size, int Repeats, double EngineSeconds, double GrpcRegisteredSeconds, double GrpcInlineSeconds,
        double StyleTargetsSeconds, long TargetsComputedByRegisteredCalls)
    {
        public double OverheadPercent => (GrpcRegisteredSeconds - EngineSeconds) / EngineSeconds * 100;

        public double InlineExtraSeconds => GrpcInlineSeconds - GrpcRegisteredSeconds;
    }

    public static async Task<Result> MeasureAsync(BenchSettings settings, int size, int iterations, int repeats)
    {
        var data = Path.Combine(Path.GetTempPath(), $"stylegrpc-bench-{Environment.ProcessId}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StyleGrpc:DataDirectory"] = data,
            ["StyleGrpc:ModelsDirectory"] = Path.Combine(data, "models"),
            ["StyleGrpc:Device"] = "cpu",
        });
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddStyleTransfer(builder.Configuration);
        await using var app = builder.Build();
        app.MapStyleTransfer();
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            var engine = await app.Services.GetRequiredService<ModelHost>().GetEngineAsync(CancellationToken.None);
            using var client = new StyleGrpcClient(new StyleGrpcClientOptions { Address = new Uri(address) });
            var contentBytes = await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "tubingen.jpg"));
            var styleBytes = await File.ReadAllBytesAsync(Path.Combine(settings.ImagesDirectory, "starry_night.jpg"));
            await client.RegisterStyleAsync("starry", styleBytes, new RegisterStyleOptions { StyleSize = size });
            var options = new StylizeOptions { MaxSide = size, Iterations = iterations, StyleScale = 1, RelativeTolerance = 0 };
            var content = ImageCodec.Decode(contentBytes);
            var style = ImageCodec.Decode(styleBytes);

            // One untimed call of each kind: JIT, connection and first-use costs are not per-request costs.
            await TimeCallAsync(client, contentBytes, StyleSpec.Registered("starry"), options with { Iterations = 2 });
            await TimeCallAsync(client, contentBytes, StyleSpec.Inline(styleBytes), options with { Iterations = 2 });
            var engineTimes = new List<double>();
            var registeredTimes = new List<double>();
            var inlineTimes = new List<double>();
            var targetTimes = new List<double>();
            var registry = app.Services.GetRequiredService<StyleGrpc.Server.Styles.StyleRegistry>();
            long computedByRegistered = 0;
            for (var i = 0; i < repeats; i++)
            {
                // Rotate the order so drift on a shared machine does not favour one path.
                var order = new Func<Task>[]
                {
                    async () =>
                    {
                        var clock = Stopwatch.StartNew();
                        var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = size });
                        targetTimes.Add(clock.Elapsed.TotalSeconds);
                        clock.Restart();
                        // RunAsync: the same worker threads the server's jobs use.
                        await foreach (var _ in engine.RunAsync(content, targets, new StyleTransferOptions { MaxSide = size, Iterations = iterations, RelativeTolerance = 0 }))
                        {
                        }
                        engineTimes.Add(clock.Elapsed.TotalSeconds);
                    },
                    async () =>
                    {
                        var before = registry.TargetsComputed;
                        registeredTimes.Add(await TimeCallAsync(client, contentBytes, StyleSpec.Registered("starry"), options));
                        computedByRegistered += registry.TargetsComputed - before;
                    },
                    async () => inlineTimes.Add(await TimeCallAsync(client, contentBytes, StyleSpec.Inline(styleBytes), options)),
                };
                for (var k = 0; k < order.Length; k++)
                {
                    await order[(i + k) % order.Length]();
                }
            }
            return new Result(iterations, size, repeats, Median(engineTimes), Median(registeredTimes), Median(inlineTimes), Median(targetTimes), computedByRegistered);
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<double> TimeCallAsync(StyleGrpcClient client, byte[] content, StyleSpec style, StylizeOptions options)
    {
        var clock = Stopwatch.StartNew();
        await foreach (var update in client.StylizeAsync(content, style, options))
        {
            if (update is JobCompleted)
            {
                return clock.Elapsed.TotalSeconds;
            }
        }
        throw new InvalidOperationException("no result");
    }
}
