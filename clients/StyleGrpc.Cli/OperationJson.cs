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

    /// <summary>The state as scripts and people read it: queued, running, succeeded, failed, cancelled.</summary>
    public static string State(JobState state) => state.ToString().ToLowerInvariant();
}
