using System.Text.Json;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>
/// One JSON object per report (NDJSON) on standard output, for scripts: <c>{"type":"progress",…}</c> while it runs (each with its
/// stream <c>sequence</c>), then <c>{"type":"completed",…}</c> with the file written.
/// </summary>
internal sealed class VideoJsonReporter(TextWriter output) : IVideoReporter
{
    public async Task<VideoCompleted> RunAsync(Func<IProgress<VideoProgress>, Task<VideoCompleted>> run, string outputPath)
    {
        var completed = await run(new InlineProgress<VideoProgress>(p => output.WriteLine(JsonSerializer.Serialize(new
        {
            type = "progress",
            operation = p.OperationName,
            state = OperationJson.State(p.State),
            queuePosition = p.QueuePosition,
            framesDone = p.FramesDone,
            totalFrames = p.TotalFrames,
            framesPerSecond = p.FramesPerSecond,
            elapsedMs = p.Elapsed.TotalMilliseconds,
            etaMs = p.Eta.TotalMilliseconds,
            preview = p.Preview is not null,
            sequence = p.Sequence,
        }, CliJson.Options))));
        await output.WriteLineAsync(JsonSerializer.Serialize(new
        {
            type = "completed",
            jobId = completed.JobId,
            output = outputPath,
            format = VideoText.FormatName(completed.Format),
            bytes = completed.VideoSize,
            frames = completed.Frames,
            width = completed.Width,
            height = completed.Height,
            frameRate = completed.FrameRate,
            audio = completed.HasAudio,
            method = completed.Method,
            temporalWeight = completed.TemporalWeight,
            attempts = completed.Attempts,
            losses = completed.FinalLosses,
            queueMs = completed.QueueTime.TotalMilliseconds,
            runMs = completed.RunTime.TotalMilliseconds,
            reproducibility = completed.Reproducibility,
        }, CliJson.Options));
        await output.FlushAsync();
        return completed;
    }
}
