using System.Runtime.CompilerServices;
using Google.LongRunning;
using Grpc.Core;
using P = StyleGrpc.Protos.V1;

namespace StyleGrpc.Client;

/// <summary>Training a registered style's feed-forward network (admin keys): submit, then follow the operation.</summary>
public sealed partial class StyleGrpcClient
{
    private static readonly TimeSpan DefaultTrainingPoll = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Starts training <paramref name="styleId"/>'s feed-forward network and returns its operation as soon as the server has stored
    /// it. PERMISSION_DENIED without an admin key; NOT_FOUND for an unknown style; FAILED_PRECONDITION when the server has no training
    /// photos or the style trains already; INVALID_ARGUMENT naming the option. Follow it with <see cref="WatchTrainingAsync"/>;
    /// <see cref="CancelOperationAsync"/> stops it.
    /// </summary>
    public Task<TrainingOperation> TrainStyleNetworkAsync(string styleId, TrainStyleNetworkOptions? training = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(styleId);
        return TrainAsync(ProtoConversions.ToRequest(styleId, training), cancellationToken);
    }

    private async Task<TrainingOperation> TrainAsync(P.TrainStyleNetworkRequest request, CancellationToken cancellationToken)
    {
        // AIP-155: a lost submission is tried again as the same request, and the server starts one training.
        request.RequestId = Guid.NewGuid().ToString();
        return ProtoConversions.ToTraining(await SubmitWithRetriesAsync(
            deadline => client.TrainStyleNetworkAsync(request, deadline: deadline, cancellationToken: CancellationToken.None).ResponseAsync, null, cancellationToken)
            .ConfigureAwait(false));
    }

    /// <summary>The training operation as it is now; NOT_FOUND when it is unknown, another key's, or deleted.</summary>
    public Task<TrainingOperation> GetTrainingAsync(string name, CancellationToken cancellationToken = default) =>
        Unary(async (deadline, ct) => ProtoConversions.ToTraining(await operations.GetOperationAsync(
            new GetOperationRequest { Name = JobOperation.NameOf(name) }, deadline: deadline, cancellationToken: ct).ConfigureAwait(false)),
            cancellationToken);

    /// <summary>
    /// The training as it progresses: its operation whenever its metadata changes (asked every <paramref name="pollInterval"/>,
    /// default 1 s; the server answers at once when it ends), ending with the done operation. Ending the enumeration or cancelling
    /// the token never cancels the training.
    /// </summary>
    public async IAsyncEnumerable<TrainingOperation> WatchTrainingAsync(string name, TimeSpan? pollInterval = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? DefaultTrainingPoll;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        TrainingStatus? last = null;
        while (true)
        {
            TrainingOperation current;
            try
            {
                // WaitOperation returns early when the training ends, so its end is seen at once; progress every interval.
                current = ProtoConversions.ToTraining(await operations.WaitOperationAsync(new WaitOperationRequest
                {
                    Name = JobOperation.NameOf(name),
                    Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(interval),
                }, deadline: DateTime.UtcNow + interval + options.UnaryTimeout, cancellationToken: cancellationToken).ConfigureAwait(false));
            }
            catch (RpcException ex)
            {
                throw StyleGrpcException.From(ex);
            }
            if (current.Done || current.Metadata != last)
            {
                last = current.Metadata;
                yield return current;
            }
            if (current.Done)
            {
                yield break;
            }
        }
    }
}
