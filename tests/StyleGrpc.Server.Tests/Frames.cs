using Google.Protobuf;
using Grpc.Core;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

internal static class Frames
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static ByteString Image(string name) => ByteString.CopyFrom(File.ReadAllBytes(TestData.Image(name)));

    /// <summary>Runs a Stylize call to the end and returns every frame, bounded by a timeout.</summary>
    public static async Task<List<StylizeResponse>> CollectAsync(StyleTransferService.StyleTransferServiceClient client, StylizeRequest request,
        CancellationToken cancellationToken = default, DateTime? deadline = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var call = client.Stylize(request, deadline: deadline, cancellationToken: timeout.Token);
        var frames = new List<StylizeResponse>();
        await foreach (var frame in call.ResponseStream.ReadAllAsync(timeout.Token))
        {
            frames.Add(frame);
        }
        return frames;
    }

    public static StylizeRequest Request(string? styleId = "starry", int iterations = 5, int maxSide = 64) => new()
    {
        ContentImage = Image("tubingen.jpg"),
        StyleName = styleId ?? "",
        Options = new StylizeOptions { MaxSide = maxSide, Iterations = iterations, Seed = 3, RelativeTolerance = 0 },
    };

    /// <summary>A job that runs until cancelled: Adam never reports convergence, and the tolerance stop is off.</summary>
    public static StylizeRequest LongRequest()
    {
        var request = Request(iterations: 5000);
        request.Options.Optimizer = Optimizer.Adam;
        return request;
    }

    public static async Task<Style> RegisterStarryAsync(ServerHost host, string id = "starry", int styleSize = 64) =>
        await host.Client.RegisterStyleAsync(new RegisterStyleRequest
        {
            StyleId = id,
            DisplayName = "The Starry Night",
            Image = Image("starry_night.jpg"),
            StyleSize = styleSize,
        }, deadline: DateTime.UtcNow + Timeout);

    /// <summary>Reads frames until <paramref name="until"/> holds; the call stays open.</summary>
    public static async Task<List<StylizeResponse>> ReadUntilAsync(AsyncServerStreamingCall<StylizeResponse> call, Func<StylizeResponse, bool> until)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var frames = new List<StylizeResponse>();
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            frames.Add(call.ResponseStream.Current);
            if (until(call.ResponseStream.Current))
            {
                return frames;
            }
        }
        throw new InvalidOperationException("stream ended before the expected frame");
    }
}
