using Google.LongRunning;
using Google.Protobuf.WellKnownTypes;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Services;

/// <summary>
/// Job records to AIP-151 operations: a Stylize job's StylizeMetadata and Result, a video job's StylizeVideoMetadata and
/// VideoResult, a training's TrainStyleNetworkMetadata and the trained Style; the stored status as error.
/// </summary>
public static class OperationMapper
{
    /// <summary>The message types an operation carries as Any (metadata and response), for whoever renders it as JSON.</summary>
    public static readonly Google.Protobuf.Reflection.MessageDescriptor[] AnyTypes =
    [
        StylizeMetadata.Descriptor, Result.Descriptor, TrainStyleNetworkMetadata.Descriptor, Style.Descriptor,
        StylizeVideoMetadata.Descriptor, VideoResult.Descriptor,
    ];

    public static Operation ToOperation(OperationView view)
    {
        var record = view.Record;
        var training = record.Kind == JobKind.Training;
        var operation = new Operation
        {
            Name = OperationNames.Of(record.Id),
            Metadata = record.Kind switch
            {
                JobKind.Training => Any.Pack(ToTrainingMetadata(record)),
                JobKind.Video => Any.Pack(ToVideoMetadata(record)),
                _ => Any.Pack(ToMetadata(record)),
            },
            Done = record.Done,
        };
        if (record.State == JobState.Succeeded && view.Result is not null)
        {
            operation.Response = Any.Pack(view.Result);
        }
        else if (record.State == JobState.Succeeded && view.Video is not null)
        {
            operation.Response = Any.Pack(view.Video);
        }
        else if (record.State == JobState.Succeeded && training && view.Style is not null)
        {
            operation.Response = Any.Pack(ResponseMapper.ToProto(view.Style));
        }
        else if (record.Done && record.State != JobState.Succeeded)
        {
            operation.Error = new Google.Rpc.Status { Code = record.ErrorCode, Message = record.ErrorMessage ?? "" };
        }
        return operation;
    }

    public static TrainStyleNetworkMetadata ToTrainingMetadata(JobRecord record)
    {
        var metadata = new TrainStyleNetworkMetadata
        {
            JobId = record.Id,
            StyleName = StyleId.ToName(record.StyleId ?? ""),
            State = ToProto(record.State),
            QueuePosition = record.State == JobState.Queued ? record.QueuePosition : 0,
            Iteration = record.Iteration,
            TotalIterations = record.TotalIterations,
            Elapsed = Duration.FromTimeSpan(record.Elapsed),
            Eta = Duration.FromTimeSpan(record.Eta),
            Attempt = record.Attempt,
            ResumedFromIteration = record.ResumedFromIteration,
            CheckpointIteration = record.CheckpointIteration,
            Replica = record.State == JobState.Running ? record.Replica : "",
            CreateTime = Timestamp.FromDateTimeOffset(record.CreateTime),
            Losses = ToLosses(record),
            StartTime = ToTimestamp(record.StartTime),
            EndTime = ToTimestamp(record.EndTime),
            Notification = ToNotification(record.Notification),
        };
        return metadata;
    }

    public static StylizeVideoMetadata ToVideoMetadata(JobRecord record)
    {
        var done = record.Iteration - record.ResumedFromIteration;
        return new StylizeVideoMetadata
        {
            JobId = record.Id,
            State = ToProto(record.State),
            QueuePosition = record.State == JobState.Queued ? record.QueuePosition : 0,
            FramesDone = record.Iteration,
            TotalFrames = record.TotalIterations,
            FramesPerSecond = done > 0 && record.Elapsed > TimeSpan.Zero ? done / record.Elapsed.TotalSeconds : 0,
            Elapsed = Duration.FromTimeSpan(record.Elapsed),
            Eta = Duration.FromTimeSpan(record.Eta),
            Attempt = record.Attempt,
            ResumedFromFrame = record.ResumedFromIteration,
            CheckpointFrame = record.CheckpointIteration,
            Replica = record.State == JobState.Running ? record.Replica : "",
            CreateTime = Timestamp.FromDateTimeOffset(record.CreateTime),
            StartTime = ToTimestamp(record.StartTime),
            EndTime = ToTimestamp(record.EndTime),
            Notification = ToNotification(record.Notification),
            Width = record.Width,
            Height = record.Height,
        };
    }

    private static NotificationStatus? ToNotification(JobNotification? notification) => notification is null ? null : new NotificationStatus
    {
        Url = notification.Url,
        State = notification.State switch
        {
            NotificationState.Pending => NotificationStatus.Types.State.Pending,
            NotificationState.Delivered => NotificationStatus.Types.State.Delivered,
            _ => NotificationStatus.Types.State.Failed,
        },
        Attempts = notification.Attempts,
        LastError = notification.LastError ?? "",
        DeliveredTime = ToTimestamp(notification.DeliveredTime),
        NextAttemptTime = notification.State == NotificationState.Pending ? ToTimestamp(notification.NextAttemptTime) : null,
    };

    private static Losses? ToLosses(JobRecord record) =>
        record.Losses is [var content, var style, var tv, var total] ? new Losses { Content = content, Style = style, TotalVariation = tv, Total = total } : null;

    private static Timestamp? ToTimestamp(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;

    private static StylizeMetadata.Types.State ToProto(JobState state) => state switch
    {
        JobState.Queued => StylizeMetadata.Types.State.Queued,
        JobState.Running => StylizeMetadata.Types.State.Running,
        JobState.Succeeded => StylizeMetadata.Types.State.Succeeded,
        JobState.Failed => StylizeMetadata.Types.State.Failed,
        _ => StylizeMetadata.Types.State.Cancelled,
    };

    public static StylizeMetadata ToMetadata(JobRecord record)
    {
        var metadata = new StylizeMetadata
        {
            JobId = record.Id,
            State = ToProto(record.State),
            QueuePosition = record.State == JobState.Queued ? record.QueuePosition : 0,
            Iteration = record.Iteration,
            TotalIterations = record.TotalIterations,
            Level = record.Level,
            Levels = record.Levels,
            Attempt = record.Attempt,
            ResumedFromIteration = record.ResumedFromIteration,
            CheckpointIteration = record.CheckpointIteration,
            Replica = record.State == JobState.Running ? record.Replica : "",
            CreateTime = Timestamp.FromDateTimeOffset(record.CreateTime),
            Losses = ToLosses(record),
            StartTime = ToTimestamp(record.StartTime),
            EndTime = ToTimestamp(record.EndTime),
            Notification = ToNotification(record.Notification),
        };
        return metadata;
    }
}
