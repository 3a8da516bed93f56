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
    public sealed record Result(int Iterations, int Size, double EngineSeconds, double GrpcRegisteredSeconds, double GrpcInlineSeconds, double StyleTargetsSeconds)
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
            var options = new StylizeOptions { MaxSide = size, Iterations = iterations, StyleScale = 1 };
            var content = ImageCodec.Decode(contentBytes);
            var style = ImageCodec.Decode(styleBytes);

            var engineTimes = new List<double>();
            var registeredTimes = new List<double>();
            var inlineTimes = new List<double>();
            var targetTimes = new List<double>();
            for (var i = 0; i < repeats; i++)
            {
                var clock = Stopwatch.StartNew();
                var targets = engine.ComputeStyleTargets(style, new StyleTargetOptions { MaxSide = size });
                targetTimes.Add(clock.Elapsed.TotalSeconds);
                clock.Restart();
                engine.Run(content, targets, new StyleTransferOptions { MaxSide = size, Iterations = iterations });
                engineTimes.Add(clock.Elapsed.TotalSeconds);
                registeredTimes.Add(await TimeCallAsync(client, contentBytes, StyleSpec.Registered("starry"), options));
                inlineTimes.Add(await TimeCallAsync(client, contentBytes, StyleSpec.Inline(styleBytes), options));
            }
            return new Result(iterations, size, engineTimes.Min(), registeredTimes.Min(), inlineTimes.Min(), targetTimes.Min());
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(data, recursive: true);
        }
    }

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
