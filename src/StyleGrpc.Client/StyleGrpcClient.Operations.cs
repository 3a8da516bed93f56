using System.Runtime.CompilerServices;
using Google.LongRunning;
using Grpc.Core;
using P = StyleGrpc.Protos.V1;

namespace StyleGrpc.Client;

/// <summary>Submitted jobs as long-running operations (AIP-151): submit, watch, get, wait, list, cancel, delete.</summary>
public sealed partial class StyleGrpcClient
{
    /// <summary>
    /// Submits a style transfer that outlives this call, the connection and the replica, and returns its operation as soon as the
    /// server has admitted and stored the job (same validation and refusals as <see cref="StylizeAsync"/>; a refusal with a retry
    /// hint is tried again, <see cref="StyleGrpcClientOptions.StylizeAttempts"/>, and a lost one too, as the same request: it carries one
    /// <c>request_id</c>, <see cref="StyleGrpcClientOptions.SubmitRetryTimeout"/>). Follow it with <see cref="WatchStylizeAsync"/>,
    /// <see cref="WaitOperationAsync"/> or <see cref="GetOperationAsync"/>; nothing cancels it but <see cref="CancelOperationAsync"/>.
    /// </summary>
    public async Task<JobOperation> SubmitStylizeAsync(ReadOnlyMemory<byte> content, StyleSpec style, StylizeOptions? stylizeOptions = null,
        CancellationToken cancellationToken = default) =>
        ProtoConversions.ToOperation(await SubmitAsync(ProtoConversions.ToRequest(content, style, stylizeOptions), null, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The frames of a submitted job after <paramref name="afterSequence"/> (0 = from the start): those the server kept (every
    /// lifecycle frame, at least the latest progress and preview), then live ones, ending with <see cref="JobCompleted"/>; a failed or
    /// cancelled job ends with its status as <see cref="StyleGrpcException"/>. A lost watch re-attaches from the last sequence seen
    /// (<see cref="StyleGrpcClientOptions.ReattachOnDisconnect"/>). Ending the enumeration or cancelling the token never cancels the job.
    /// </summary>
    /// <param name="name">The operation, <c>operations/{job_id}</c>, or the bare job ID.</param>
    /// <param name="afterSequence">The last sequence already seen; 0 = from the start.</param>
    /// <param name="cancellationToken">Ends the watch (not the job).</param>
    public IAsyncEnumerable<StylizeUpdate> WatchStylizeAsync(string name, long afterSequence = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        return FollowAsync(JobOperation.NameOf(name), afterSequence, null, known: false, cancellationToken);
    }

    /// <summary>
    /// The operation as it is now; NOT_FOUND when it is unknown, another key's, or deleted. Every operation method takes the
    /// operation's name, <c>operations/{job_id}</c>, or the bare job ID.
    /// </summary>
    public Task<JobOperation> GetOperationAsync(string name, CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) => ProtoConversions.ToOperation(await operations.GetOperationAsync(
            new GetOperationRequest { Name = JobOperation.NameOf(name) }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false)),
            cancellationToken);

    /// <summary>
    /// The operation once it is done or <paramref name="timeout"/> has passed, whichever comes first (check <see cref="JobOperation.Done"/>).
    /// The call's own deadline is the timeout plus <see cref="StyleGrpcClientOptions.UnaryTimeout"/>.
    /// </summary>
    public async Task<JobOperation> WaitOperationAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        try
        {
            return ProtoConversions.ToOperation(await operations.WaitOperationAsync(new WaitOperationRequest
            {
                Name = JobOperation.NameOf(name),
                Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(timeout),
            }, deadline: DateTime.UtcNow + timeout + options.UnaryTimeout, cancellationToken: cancellationToken).ConfigureAwait(false));
        }
        catch (RpcException ex)
        {
            throw StyleGrpcException.From(ex);
        }
    }

    /// <summary>Stops the job within one iteration; it ends CANCELLED. An operation already done is left as it is.</summary>
    public Task CancelOperationAsync(string name, CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) =>
        {
            await operations.CancelOperationAsync(new CancelOperationRequest { Name = JobOperation.NameOf(name) }, deadline: deadline, cancellationToken: ct)
                .ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Deletes a done operation with its result and frames (FAILED_PRECONDITION while it runs: cancel it first).</summary>
    public Task DeleteOperationAsync(string name, CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) =>
        {
            await operations.DeleteOperationAsync(new DeleteOperationRequest { Name = JobOperation.NameOf(name) }, deadline: deadline, cancellationToken: ct)
                .ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>One page of the caller's operations (an admin key's: everyone's), newest first; <paramref name="pageSize"/> 0 = 50, at most 1000.</summary>
    public Task<JobOperationPage> ListOperationsAsync(int pageSize = 0, string? pageToken = null, CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) =>
        {
            var page = await operations.ListOperationsAsync(new ListOperationsRequest { Name = "operations", PageSize = pageSize, PageToken = pageToken ?? "" },
                deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
            return new JobOperationPage(page.Operations.Select(ProtoConversions.ToOperation).ToList(),
                string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken);
        }, cancellationToken);

    /// <summary>Every operation of the caller, page after page, newest first.</summary>
    public async IAsyncEnumerable<JobOperation> ListAllOperationsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            var page = await ListOperationsAsync(200, token, cancellationToken).ConfigureAwait(false);
            foreach (var operation in page.Operations)
            {
                yield return operation;
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }
}
