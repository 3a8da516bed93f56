using System.Text.Json;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>An operation as one JSON object (camelCase, no image bytes), for <c>--json</c> output.</summary>
internal static class OperationJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(JobOperation operation)
    {
        var m = operation.Metadata;
        return JsonSerializer.Serialize(new
        {
            name = operation.Name,
            jobId = operation.JobId,
            kind = operation.Kind.ToString().ToLowerInvariant(),
            done = operation.Done,
            state = State(m.State),
            queuePosition = m.QueuePosition,
            iteration = m.Iteration,
            totalIterations = m.TotalIterations,
            level = m.Level,
            levels = m.Levels,
            losses = m.Losses,
            attempt = m.Attempt,
            resumedFromIteration = m.ResumedFromIteration,
            checkpointIteration = m.CheckpointIteration,
            replica = m.Replica,
            createTime = m.CreateTime,
            startTime = m.StartTime,
            endTime = m.EndTime,
            notification = Notification(m.Notification),
            error = operation.Error is { } e ? new { code = e.StatusCode.ToString(), message = e.Detail } : null,
            result = operation.Result is { } r ? new
            {
                width = r.Image.Width,
                height = r.Image.Height,
                bytes = r.Image.Data.Length,
                iterations = r.IterationsRun,
                losses = r.FinalLosses,
                totalMs = r.TotalTime.TotalMilliseconds,
            } : null,
        }, Options);
    }

    /// <summary>A video job's operation as one JSON object: frames, rate, ETA, and the result without its bytes.</summary>
    public static string Serialize(VideoJobOperation operation)
    {
        var m = operation.Metadata;
        return JsonSerializer.Serialize(new
        {
            name = operation.Name,
            jobId = operation.JobId,
            kind = "video",
            done = operation.Done,
            state = State(m.State),
            queuePosition = m.QueuePosition,
            framesDone = m.FramesDone,
            totalFrames = m.TotalFrames,
            framesPerSecond = m.FramesPerSecond,
            elapsedMs = m.Elapsed.TotalMilliseconds,
            etaMs = m.Eta.TotalMilliseconds,
            width = m.Width,
            height = m.Height,
            attempt = m.Attempt,
            resumedFromFrame = m.ResumedFromFrame,
            checkpointFrame = m.CheckpointFrame,
            replica = m.Replica,
            createTime = m.CreateTime,
            startTime = m.StartTime,
            endTime = m.EndTime,
            notification = Notification(m.Notification),
            error = operation.Error is { } e ? new { code = e.StatusCode.ToString(), message = e.Detail } : null,
            result = operation.Result is { } r ? new
            {
                format = VideoText.FormatName(r.Format),
                bytes = r.VideoSize,
                frames = r.Frames,
                width = r.Width,
                height = r.Height,
                frameRate = r.FrameRate,
                audio = r.HasAudio,
                attempts = r.Attempts,
                runMs = r.RunTime.TotalMilliseconds,
            } : null,
        }, Options);
    }

    /// <summary>
    /// The completion webhook's delivery as a JSON object (state pending, delivered or failed; times ISO 8601); null when the
    /// operation has none.
    /// </summary>
    public static object? Notification(NotificationStatus? notification) => notification is not { } n ? null : new
    {
        url = n.Url,
        state = n.State.ToString().ToLowerInvariant(),
        attempts = n.Attempts,
        lastError = n.LastError.Length > 0 ? n.LastError : null,
        deliveredTime = n.DeliveredTime,
        nextAttemptTime = n.NextAttemptTime,
    };

    /// <summary>
    /// The delivery as people read it: "delivered to URL, 1 attempt, at …", "pending: URL, 2 attempts so far, next at … (last error: …)",
    /// "failed: URL, gave up after 9 attempts (last error: …)"; null when the operation has none.
    /// </summary>
    public static string? Describe(NotificationStatus? notification)
    {
        if (notification is not { } n)
        {
            return null;
        }
        var last = n.LastError.Length > 0 ? $" (last error: {n.LastError})" : "";
        var attempts = n.Attempts == 1 ? "1 attempt" : $"{n.Attempts} attempts";
        return n.State switch
        {
            NotificationState.Delivered => $"delivered to {n.Url}, {attempts}"
                + (n.DeliveredTime is { } at ? $", at {at.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}" : "") + last,
            NotificationState.Failed => $"failed: {n.Url}, gave up after {attempts}{last}",
            _ when n.NextAttemptTime is { } next => $"pending: {n.Url}, {attempts} so far, next at {next.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}{last}",
            _ => $"pending: {n.Url} (not posted yet: once the job ends)",
        };
    }

    /// <summary>The state as scripts and people read it: queued, running, succeeded, failed, cancelled.</summary>
    public static string State(JobState state) => state.ToString().ToLowerInvariant();
}
