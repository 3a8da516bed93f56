using System.Runtime.CompilerServices;
using Google.LongRunning;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using P = StyleGrpc.Protos.V1;

namespace StyleGrpc.Client;

/// <summary>
/// Typed client of a StyleGrpc server. Unary calls carry <see cref="StyleGrpcClientOptions.UnaryTimeout"/> as their
/// deadline and are retried on UNAVAILABLE by the channel's policy; a Stylize job is submitted once and its watch re-attached
/// when lost (<see cref="StyleGrpcClientOptions.ReattachOnDisconnect"/>). Every failure surfaces as <see cref="StyleGrpcException"/>.
/// </summary>
public sealed partial class StyleGrpcClient : IStyleGrpcClient
{
    private readonly P.StyleTransferService.StyleTransferServiceClient client;
    private readonly Google.LongRunning.Operations.OperationsClient operations;
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
        operations = new Google.LongRunning.Operations.OperationsClient(invoker);
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
    /// while waiting, <see cref="JobStarted"/>, <see cref="JobProgress"/>, and one <see cref="JobCompleted"/>; each carries its
    /// <see cref="StylizeUpdate.Sequence"/>. The job is submitted (<see cref="SubmitStylizeAsync"/>) and watched
    /// (<see cref="WatchStylizeAsync"/>): when the watch is lost (the server restarts, a replica goes, the connection drops) it
    /// re-attaches from the last sequence seen, without duplicate frames (<see cref="StyleGrpcClientOptions.ReattachOnDisconnect"/>);
    /// a job resumed on a restarted server sends <see cref="JobStarted"/> again. A submission refused with RESOURCE_EXHAUSTED and a
    /// retry hint is tried again (<see cref="StyleGrpcClientOptions.StylizeAttempts"/>). Cancelling the token, passing the
    /// <paramref name="deadline"/> or leaving the enumeration early cancels the job on the server (best effort) and ends with
    /// CANCELLED or DEADLINE_EXCEEDED; a job that fails ends with its status.
    /// </summary>
    public async IAsyncEnumerable<StylizeUpdate> StylizeAsync(ReadOnlyMemory<byte> content, StyleSpec style, StylizeOptions? stylizeOptions = null,
        DateTime? deadline = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ProtoConversions.ToRequest(content, style, stylizeOptions);
        var submitted = await SubmitAsync(request, deadline, cancellationToken).ConfigureAwait(false);
        await foreach (var update in FollowSubmittedAsync(submitted.Name, deadline, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    // Follows a job this call submitted to its end; cancelling the token, passing the deadline or leaving the enumeration early
    // cancels the job on the server (best effort).
    private async IAsyncEnumerable<StylizeUpdate> FollowSubmittedAsync(string name, DateTime? deadline,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // True once the job has ended by itself (result or its own error): only a job that has not is cancelled on the way out.
        var ended = false;
        var updates = FollowAsync(name, 0, deadline, known: true, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                StylizeUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        ended = true;
                        break;
                    }
                    update = updates.Current;
                }
                catch (StyleGrpcException ex)
                {
                    // Our token or deadline ended the watch; any other status is the job's own end, or a server lost for good.
                    ended = !cancellationToken.IsCancellationRequested && ex.StatusCode != StatusCode.DeadlineExceeded
                        && !(ex.StatusCode == StatusCode.Cancelled && deadline <= DateTime.UtcNow);
                    throw;
                }
                ended = update is JobCompleted;
                yield return update;
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
            if (!ended)
            {
                await CancelQuietlyAsync(name).ConfigureAwait(false);
            }
        }
    }

    // SubmitStylize, asked again when refused before admission with a hint that waiting helps (a full queue, a rate): no work
    // was done, so it is safe, on another replica when the address balances. The call itself is not cut short by the token: a
    // submission the server may have admitted has to be answered, so that a cancelled caller can cancel the job it made.
    private Task<Operation> SubmitAsync(P.StylizeRequest request, DateTime? deadline, CancellationToken cancellationToken)
    {
        // AIP-155: every attempt is the same request, so the server starts the job once however many attempts reach it.
        if (request.RequestId.Length == 0)
        {
            request.RequestId = Guid.NewGuid().ToString();
        }
        return SubmitWithRetriesAsync((attemptDeadline) => client.SubmitStylizeAsync(request, deadline: attemptDeadline, cancellationToken: CancellationToken.None).ResponseAsync,
            deadline, cancellationToken);
    }

    /// <summary>
    /// One submission (its request carries a request ID), attempted again when it was lost (UNAVAILABLE, or an attempt's own
    /// deadline: the server may or may not have stored it) for up to <see cref="StyleGrpcClientOptions.SubmitRetryTimeout"/>,
    /// and when it was refused with RESOURCE_EXHAUSTED and a retry hint, up to <see cref="StyleGrpcClientOptions.StylizeAttempts"/>.
    /// A submission answered after the caller cancelled is cancelled on the server.
    /// </summary>
    private async Task<Operation> SubmitWithRetriesAsync(Func<DateTime, Task<Operation>> call, DateTime? deadline, CancellationToken cancellationToken)
    {
        DateTime? lostSince = null;
        var refusals = 0;
        for (var attempt = 1; ; attempt++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new StyleGrpcException(StatusCode.Cancelled, "cancelled");
            }
            StyleGrpcException failed;
            try
            {
                var unaryDeadline = DateTime.UtcNow + options.UnaryTimeout;
                var operation = await call(deadline < unaryDeadline ? deadline.Value : unaryDeadline).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    await CancelQuietlyAsync(operation.Name).ConfigureAwait(false);
                    throw new StyleGrpcException(StatusCode.Cancelled, "cancelled");
                }
                return operation;
            }
            catch (RpcException ex)
            {
                failed = StyleGrpcException.From(ex);
            }
            TimeSpan wait;
            if (failed.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !(deadline <= DateTime.UtcNow))
            {
                lostSince ??= DateTime.UtcNow;
                if (DateTime.UtcNow - lostSince >= options.SubmitRetryTimeout)
                {
                    throw failed;
                }
                wait = Backoff(attempt, TimeSpan.FromSeconds(5));
            }
            else if (failed.StatusCode == StatusCode.ResourceExhausted && failed.RetryAfter is { } hint && ++refusals < options.StylizeAttempts)
            {
                wait = Backoff(refusals, hint);
            }
            else
            {
                throw failed;
            }
            await DelayAsync(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The frames of a job after <paramref name="afterSequence"/>, re-attaching when the watch is lost (see
    /// <see cref="StyleGrpcClientOptions.ReattachOnDisconnect"/>) and skipping any frame at or below the last sequence seen.
    /// <paramref name="known"/>: this client submitted the job, so NOT_FOUND means the replica that answered does not see it (a
    /// fleet whose replicas do not share a store, behind a balancing address): the next replica is asked, a few times.
    /// </summary>
    private async IAsyncEnumerable<StylizeUpdate> FollowAsync(string name, long afterSequence, DateTime? deadline, bool known,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = afterSequence;
        DateTime? lostSince = null;
        var failures = 0;
        var notFound = 0;
        while (true)
        {
            using (var call = client.WatchStylize(new P.WatchStylizeRequest { Name = name, AfterSequence = last }, deadline: deadline,
                cancellationToken: cancellationToken))
            {
                while (true)
                {
                    P.StylizeResponse frame;
                    try
                    {
                        if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                        {
                            yield break;
                        }
                        frame = call.ResponseStream.Current;
                    }
                    catch (RpcException ex) when (known && ex.StatusCode == StatusCode.NotFound && notFound < MaxNotFound && !cancellationToken.IsCancellationRequested)
                    {
                        notFound++;
                        break;
                    }
                    catch (RpcException ex) when (CanReattach(ex, lostSince, cancellationToken))
                    {
                        lostSince ??= DateTime.UtcNow;
                        failures++;
                        break;
                    }
                    catch (RpcException ex)
                    {
                        throw StyleGrpcException.From(ex);
                    }
                    lostSince = null;
                    failures = 0;
                    notFound = 0;
                    if (frame.Sequence > 0 && frame.Sequence <= last)
                    {
                        continue;
                    }
                    last = Math.Max(last, frame.Sequence);
                    if (ProtoConversions.ToUpdate(frame) is { } update)
                    {
                        yield return update;
                    }
                }
            }
            var wait = failures == 0 ? NotFoundRetryDelay : Backoff(failures, TimeSpan.FromSeconds(5));
            var left = lostSince is null ? wait : lostSince.Value + options.ReattachTimeout - DateTime.UtcNow;
            await DelayAsync(wait < left ? wait : left, cancellationToken).ConfigureAwait(false);
        }
    }

    // A replica that does not see a job this client submitted is one of a fleet without a shared store: ask the next one soon.
    private const int MaxNotFound = 8;
    private static readonly TimeSpan NotFoundRetryDelay = TimeSpan.FromMilliseconds(50);

    // A lost watch, not an end: the server went away (UNAVAILABLE) or the connection broke mid-stream, within the time allowed.
    private bool CanReattach(RpcException ex, DateTime? lostSince, CancellationToken cancellationToken) =>
        options.ReattachOnDisconnect && !cancellationToken.IsCancellationRequested
        && (ex.StatusCode == StatusCode.Unavailable || (ex.StatusCode is StatusCode.Internal or StatusCode.Unknown && IsBrokenConnection(ex)))
        && (lostSince is null || DateTime.UtcNow - lostSince.Value < options.ReattachTimeout);

    private static bool IsBrokenConnection(Exception ex)
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is IOException or HttpRequestException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }
        return false;
    }

    // Ends the job the caller no longer follows (asking other replicas when one does not see it); the server may be unreachable:
    // nothing more to do then.
    private async Task CancelQuietlyAsync(string name)
    {
        for (var attempt = 1; attempt <= MaxNotFound; attempt++)
        {
            try
            {
                await operations.CancelOperationAsync(new CancelOperationRequest { Name = name }, deadline: DateTime.UtcNow.AddSeconds(10),
                    cancellationToken: CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                await Task.Delay(NotFoundRetryDelay, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RpcException)
            {
                return;
            }
        }
    }

    // Task.Delay whose cancellation surfaces like a cancelled call.
    private static async Task DelayAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            throw new StyleGrpcException(StatusCode.Cancelled, "cancelled", ex);
        }
    }

    // Exponential from 200 ms, at most the server's hint and at most 5 s, with jitter so callers do not return together.
    private static TimeSpan Backoff(int attempt, TimeSpan hint)
    {
        var exponential = TimeSpan.FromMilliseconds(200 * Math.Pow(2, Math.Min(attempt, 16) - 1));
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
