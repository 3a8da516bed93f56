using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using P = StyleGrpc.Protos.V1;

namespace StyleGrpc.Client;

/// <summary>
/// Typed client of a StyleGrpc server. Unary calls carry <see cref="StyleGrpcClientOptions.UnaryTimeout"/> as their
/// deadline and are retried on UNAVAILABLE by the channel's policy; Stylize is a stream that is never retried.
/// Every failure surfaces as <see cref="StyleGrpcException"/>.
/// </summary>
public sealed class StyleGrpcClient : IDisposable
{
    private readonly P.StyleTransferService.StyleTransferServiceClient client;
    private readonly Health.HealthClient health;
    private readonly StyleGrpcClientOptions options;
    private readonly GrpcChannel? ownedChannel;

    /// <summary>A client with its own channel to <see cref="StyleGrpcClientOptions.Address"/>.</summary>
    public StyleGrpcClient(StyleGrpcClientOptions options)
        : this(StyleGrpcChannel.Create(options), options)
    {
    }

    /// <summary>A client over an existing channel or call invoker (e.g. from the client factory).</summary>
    public StyleGrpcClient(CallInvoker invoker, StyleGrpcClientOptions? options = null)
    {
        this.options = options ?? new StyleGrpcClientOptions();
        client = new P.StyleTransferService.StyleTransferServiceClient(invoker);
        health = new Health.HealthClient(invoker);
    }

    private StyleGrpcClient(GrpcChannel channel, StyleGrpcClientOptions options)
        : this(channel.CreateCallInvoker(), options)
    {
        ownedChannel = channel;
    }

    /// <summary>Registers a style from encoded image bytes; its Gram targets are computed once on the server.</summary>
    public Task<StyleInfo> RegisterStyleAsync(string id, ReadOnlyMemory<byte> image, RegisterStyleOptions? registration = null,
        CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) => ProtoConversions.ToStyle(await client.RegisterStyleAsync(new P.RegisterStyleRequest
        {
            StyleId = id,
            Image = ByteString.CopyFrom(image.Span),
            DisplayName = registration?.DisplayName ?? "",
            StyleSize = registration?.StyleSize ?? 0,
            Preset = registration?.Preset ?? "",
            Replace = registration?.Replace ?? false,
        }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false)), cancellationToken);

    /// <summary>Registers a style from an image file.</summary>
    public async Task<StyleInfo> RegisterStyleAsync(string id, string imagePath, RegisterStyleOptions? registration = null,
        CancellationToken cancellationToken = default) =>
        await RegisterStyleAsync(id, await File.ReadAllBytesAsync(imagePath, cancellationToken).ConfigureAwait(false), registration, cancellationToken)
            .ConfigureAwait(false);

    /// <summary>Registers a style from a stream (read to the end).</summary>
    public async Task<StyleInfo> RegisterStyleAsync(string id, Stream image, RegisterStyleOptions? registration = null,
        CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await image.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return await RegisterStyleAsync(id, buffer.ToArray(), registration, cancellationToken).ConfigureAwait(false);
    }

    public Task<StyleInfo> GetStyleAsync(string id, CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) => ProtoConversions.ToStyle(
            await client.GetStyleAsync(new P.GetStyleRequest { Name = id }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false)),
            cancellationToken);

    /// <summary>One page of styles ordered by ID.</summary>
    public Task<StylePage> ListStylesAsync(int pageSize = 0, string? pageToken = null, CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) =>
        {
            var page = await client.ListStylesAsync(new P.ListStylesRequest { PageSize = pageSize, PageToken = pageToken ?? "" },
                deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
            return new StylePage(page.Styles.Select(ProtoConversions.ToStyle).ToList(),
                string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken, page.TotalSize);
        }, cancellationToken);

    /// <summary>Every style, page after page.</summary>
    public async IAsyncEnumerable<StyleInfo> ListAllStylesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            var page = await ListStylesAsync(200, token, cancellationToken).ConfigureAwait(false);
            foreach (var style in page.Styles)
            {
                yield return style;
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    public Task DeleteStyleAsync(string id, CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) =>
        {
            await client.DeleteStyleAsync(new P.DeleteStyleRequest { Name = id }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task<ServerDetails> GetServerInfoAsync(CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) => ProtoConversions.ToDetails(
            await client.GetServerInfoAsync(new P.GetServerInfoRequest(), deadline: deadline, cancellationToken: ct).ConfigureAwait(false)),
            cancellationToken);

    /// <summary>
    /// True when the server is ready for jobs: the standard health service says SERVING for the readiness name
    /// <c>stylegrpc.v1.StyleTransferService</c> (model loaded, style store reachable, not draining). The empty name is liveness.
    /// </summary>
    public Task<bool> IsServingAsync(CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) => (await health.CheckAsync(new HealthCheckRequest { Service = StyleGrpcChannel.ServiceName }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false)).Status
            == HealthCheckResponse.Types.ServingStatus.Serving, cancellationToken);

    /// <summary>
    /// Runs a style transfer and yields its frames as they arrive: <see cref="JobAccepted"/>, <see cref="JobQueued"/>
    /// while waiting, <see cref="JobStarted"/>, <see cref="JobProgress"/>, and one <see cref="JobCompleted"/>.
    /// Cancelling the token cancels the job on the server.
    /// </summary>
    public async IAsyncEnumerable<StylizeUpdate> StylizeAsync(ReadOnlyMemory<byte> content, StyleSpec style, StylizeOptions? stylizeOptions = null,
        DateTime? deadline = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ProtoConversions.ToRequest(content, style, stylizeOptions);
        for (var attempt = 1; ; attempt++)
        {
            using var call = Start(request, deadline, cancellationToken);
            var received = 0;
            while (true)
            {
                P.StylizeResponse frame;
                StyleGrpcException? refused = null;
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        yield break;
                    }
                    frame = call.ResponseStream.Current;
                }
                catch (RpcException ex)
                {
                    var error = StyleGrpcException.From(ex);
                    // Refused before it was admitted, with a hint that waiting helps (a full queue, a rate): no work was done,
                    // so it is safe to ask again, on another replica when the address balances.
                    if (received > 0 || error.StatusCode != StatusCode.ResourceExhausted || error.RetryAfter is null || attempt >= options.StylizeAttempts)
                    {
                        throw error;
                    }
                    refused = error;
                    frame = null!;
                }
                if (refused is not null)
                {
                    await Task.Delay(Backoff(attempt, refused.RetryAfter!.Value), cancellationToken).ConfigureAwait(false);
                    break;
                }
                received++;
                if (ProtoConversions.ToUpdate(frame) is { } update)
                {
                    yield return update;
                }
            }
        }
    }

    private AsyncServerStreamingCall<P.StylizeResponse> Start(P.StylizeRequest request, DateTime? deadline, CancellationToken cancellationToken)
    {
        try
        {
            return client.Stylize(request, deadline: deadline, cancellationToken: cancellationToken);
        }
        catch (RpcException ex)
        {
            throw StyleGrpcException.From(ex);
        }
    }

    // Exponential from 200 ms, at most the server's hint and at most 5 s, with jitter so callers do not return together.
    private static TimeSpan Backoff(int attempt, TimeSpan hint)
    {
        var exponential = TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1));
        var cap = TimeSpan.FromSeconds(5);
        var wait = exponential < hint ? exponential : hint;
        wait = wait < cap ? wait : cap;
        return wait * (0.5 + Random.Shared.NextDouble() / 2);
    }

    /// <summary>Runs a style transfer from files and writes the result to <paramref name="outputPath"/>, reporting each frame.</summary>
    public async Task<JobCompleted> StylizeToFileAsync(string contentPath, StyleSpec style, string outputPath, StylizeOptions? stylizeOptions = null,
        IProgress<StylizeUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        var content = await File.ReadAllBytesAsync(contentPath, cancellationToken).ConfigureAwait(false);
        await using var output = new MemoryStream();
        var completed = await StylizeToStreamAsync(content, style, output, stylizeOptions, progress, cancellationToken).ConfigureAwait(false);
        var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        await File.WriteAllBytesAsync(outputPath, output.ToArray(), cancellationToken).ConfigureAwait(false);
        return completed;
    }

    /// <summary>Runs a style transfer and writes the encoded result to <paramref name="output"/>.</summary>
    public async Task<JobCompleted> StylizeToStreamAsync(ReadOnlyMemory<byte> content, StyleSpec style, Stream output, StylizeOptions? stylizeOptions = null,
        IProgress<StylizeUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        JobCompleted? completed = null;
        await foreach (var update in StylizeAsync(content, style, stylizeOptions, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            progress?.Report(update);
            completed = update as JobCompleted ?? completed;
        }
        if (completed is null)
        {
            throw new StyleGrpcException(StatusCode.Internal, "the server closed the stream without a result");
        }
        await output.WriteAsync(completed.Image.Data, cancellationToken).ConfigureAwait(false);
        return completed;
    }

    private async Task<T> Unary<T>(Func<DateTime, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(DateTime.UtcNow + options.UnaryTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw StyleGrpcException.From(ex);
        }
    }

    public void Dispose() => ownedChannel?.Dispose();
}
