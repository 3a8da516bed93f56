using System.Diagnostics;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Server.Jobs;
using StyleGrpc.Server.Jobs.Events;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Styles;
using StyleGrpc.Video.Flow;
using StyleGrpc.Video.Media;

namespace StyleGrpc.Server.Videos;

/// <summary>
/// Runs a video job: decodes its frames as they are needed (memory does not grow with the video's length), stylises each
/// from the previous stylised frame warped by the optical flow (Ruder et al. 2016: the optimisation starts there and keeps
/// it where the flow is reliable; the feed-forward output is blended with it there), and encodes the finished frames in
/// stored parts. A checkpoint follows every finished frame, so a resumed attempt (after a crash, on another replica) goes
/// on from the next frame. At the end the parts are joined, with the source's audio.
/// </summary>
public sealed class VideoRun(IJobStore store, StyleRegistry registry, FeedForwardNetworks networks, VideoAdmission admission,
    IOptions<StyleGrpcServerOptions> options, TimeProvider time, ILogger<VideoRun> logger)
{
    /// <summary>Runs the job to its end; gives the frames made in this attempt and how long it ran.</summary>
    public async Task<(int Frames, TimeSpan RunTime)> RunAsync(Job job, VideoJobSpec spec, StyleTransferEngine engine, TimeSpan queueTime)
    {
        var token = job.StopToken;
        var frame = spec.Frame;
        var decode = spec.Decode;
        var tool = admission.Tool;
        var resume = job.ResumeFrom?.Video;
        var folder = Directory.CreateTempSubdirectory("stylegrpc-video-");
        try
        {
            var source = Path.Combine(folder.FullName, "source");
            await File.WriteAllBytesAsync(source, spec.Video, token).ConfigureAwait(false);
            using var network = frame.Method == StylizeMethod.FeedForward ? await AcquireNetworkAsync(frame, engine, token).ConfigureAwait(false) : null;
            var targets = network is null
                ? await frame.Style.ResolveAsync(registry, engine, frame.Plan, ImageCodec.Decode(frame.Content.Span), token).ConfigureAwait(false)
                : null;
            job.MarkRunning();
            job.Publish(new JobStarted(decode.Size.Width, decode.Size.Height, spec.TotalIterations, queueTime, engine.Network.Info.Name, spec.EstimatedBytes));

            var state = new VideoProgress(resume);
            var schedule = new CheckpointSchedule(job, TimeSpan.FromSeconds(options.Value.CheckpointSeconds), time);
            var started = time.GetTimestamp();
            StyleTransferResult? last = null;
            // From the frame before the first to do: the flow needs it.
            var from = Math.Max(0, state.Done - 1);
            var range = new FrameRange(decode.Range.First + from, decode.Range.Count is { } count ? count - from : null);
            var index = from;
            RgbImage? previousInput = null;
            RunPlan? warmStart = null;
            await using var part = new VideoPartWriter(tool, folder.FullName, decode.Size, decode.FramesPerSecond);
            await foreach (var input in new VideoDecoder(tool).ReadFramesAsync(source, decode with { Range = range }, token).ConfigureAwait(false))
            {
                if (index++ < state.Done)
                {
                    previousInput = input;
                    continue;
                }
                // The guide needs only the inputs and the previous output: found beside the network's pass.
                var guiding = previousInput is not null && state.LastOutput is { } previousOutput && spec.TemporalWeight > 0
                    ? GuideAsync(previousInput, input, previousOutput, spec.TemporalWeight, options.Value.Video.FlowScale, token)
                    : Task.FromResult<TemporalGuide?>(null);
                RgbImage output;
                var motion = state.Motion;
                if (network is not null)
                {
                    var pass = time.GetTimestamp();
                    // With temporal consistency asked for, the network's grid follows the picture's motion, so a pan's
                    // strokes move with it instead of being drawn anew (GridPhase).
                    var phase = GridPhase.None;
                    if (previousInput is not null && spec.TemporalWeight > 0)
                    {
                        (motion, phase) = GlobalMotion.Follow(motion, previousInput, input);
                    }
                    output = await network.Model.StylizeOnWorkerAsync(input, phase, token).ConfigureAwait(false);
                    var guide = await guiding.ConfigureAwait(false);
                    output = guide is null ? output : TemporalBlend.Blend(output, guide);
                    last = FeedForwardResults.Of(output, frame.Plan, engine, time.GetElapsedTime(pass));
                }
                else
                {
                    var guide = await guiding.ConfigureAwait(false);
                    // Inside a frame the optimiser's state is checkpointed on the jobs' rhythm (CheckpointSeconds), as a picture's is.
                    var checkpointing = new RunCheckpointing
                    {
                        ResumeFrom = state.TakeResumedFrame(),
                        IsDue = _ => schedule.IsDue,
                        OnCheckpoint = run =>
                        {
                            schedule.Taken();
                            job.OnCheckpoint(new JobCheckpoint { Video = state.Checkpoint(run) });
                        },
                    };
                    // A frame after the first starts from the previous output warped to it (Ruder et al.), as an
                    // INIT_FEED_FORWARD plan starts from its start image; the first starts as the request says.
                    var plan = guide is null ? frame.Plan : warmStart ??= frame.Plan with { Options = frame.Plan.Options with { Init = InitKind.FeedForward } };
                    last = await engine.RunOnWorkerAsync(input, targets!, plan,
                        new RunInputs { Start = guide?.Warped, Temporal = guide, Checkpointing = checkpointing }, token).ConfigureAwait(false);
                    output = last.Image;
                }
                state.Finish(output, motion);
                await part.WriteAsync(state.Pending, output, token).ConfigureAwait(false);
                if (state.Pending.Count >= options.Value.Video.PartFrames)
                {
                    await StorePartAsync(job, state, part, token).ConfigureAwait(false);
                }
                job.OnCheckpoint(new JobCheckpoint { Video = state.Checkpoint() });
                schedule.Taken();
                var elapsed = time.GetElapsedTime(started);
                var made = state.Done - state.ResumedFrom;
                var eta = TimeSpan.FromTicks(elapsed.Ticks / made * Math.Max(0, spec.TotalIterations - state.Done));
                var losses = last.Final;
                job.Publish(new JobProgressed(new StyleTransferProgress(state.Done, Math.Max(spec.TotalIterations, state.Done), losses.ContentLoss,
                    losses.StyleLoss, losses.TotalVariationLoss, losses.TotalLoss, elapsed, eta, output)));
                previousInput = input;
            }
            if (state.Pending.Count > 0)
            {
                await StorePartAsync(job, state, part, token).ConfigureAwait(false);
            }
            if (state.Done == 0 || last is null && state.LastOutput is null)
            {
                throw new VideoRejectedException("video", $"no frame could be decoded from frame {decode.Range.First}");
            }
            var assembled = await AssembleAsync(job, spec, state, tool, folder.FullName, source, token).ConfigureAwait(false);
            var (video, size, chunked) = await KeepResultAsync(job, assembled, token).ConfigureAwait(false);
            var runTime = time.GetElapsedTime(started);
            last ??= FeedForwardResults.Of(state.LastOutput!, frame.Plan, engine, TimeSpan.Zero);
            job.Publish(new VideoFinished(job.Id, video, spec.Format, state.Done, decode.Size, decode.FramesPerSecond, decode.Source.HasAudio, frame.Method,
                spec.TemporalWeight, last, queueTime, runTime) { Attempt = job.Identity.Attempt, VideoSize = size, Chunked = chunked });
            return (state.Done - state.ResumedFrom, runTime);
        }
        finally
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException ex)
            {
                ServerLog.VideoScratchNotDeleted(logger, job.Id, folder.FullName, ex);
            }
        }
    }

    // The previous stylised frame warped to this frame by the flow between their inputs, and where that flow holds (Ruder et
    // al.'s forward–backward consistency and motion boundaries), on a pool thread.
    private static Task<TemporalGuide?> GuideAsync(RgbImage previousInput, RgbImage input, RgbImage previousOutput, double weight,
        double flowScale, CancellationToken cancellationToken) =>
        Task.Run<TemporalGuide?>(() => TemporalGuides.Between(previousInput, input, previousOutput, weight, flowScale), cancellationToken);

    // Finishes the part of the pending frames and stores it (before any checkpoint counts it). Then hands the memory the
    // allocator kept from the part's frames back to the system: the engine keeps freed memory mapped for its optimisation
    // loops, and a video's frames (tensors, OpenCV and Skia buffers of many sizes) would otherwise fragment it, the process
    // growing with the video's length (docs/performance.md, "Video").
    private async Task StorePartAsync(Job job, VideoProgress state, VideoPartWriter part, CancellationToken token)
    {
        var bytes = await part.FinishAsync(state.Pending, token).ConfigureAwait(false);
        if (!await store.SaveVideoPartAsync(job.Id, job.Identity.Attempt, state.Parts, bytes, CancellationToken.None).ConfigureAwait(false))
        {
            // A later attempt owns the job: this one stops.
            job.Stop(JobStopReason.Cancelled);
            token.ThrowIfCancellationRequested();
        }
        state.PartStored();
        TorchRuntime.ReturnFreedMemory();
    }

    // Joins the stored parts, with the source's audio cut to the range, into the asked format; gives the file's path.
    private async Task<string> AssembleAsync(Job job, VideoJobSpec spec, VideoProgress state, FfmpegTool tool, string folder, string source, CancellationToken token)
    {
        var parts = new List<string>();
        for (var i = 0; i < state.Parts; i++)
        {
            var bytes = await store.ReadVideoPartAsync(job.Id, i, token).ConfigureAwait(false)
                ?? throw new InvalidDataException($"part {i} of the video is not in the job store");
            var path = Path.Combine(folder, $"stored-{i}.mp4");
            await File.WriteAllBytesAsync(path, bytes, token).ConfigureAwait(false);
            parts.Add(path);
        }
        var output = Path.Combine(folder, spec.Format == VideoContainer.WebmVp9 ? "result.webm" : "result.mp4");
        await new VideoAssembler(tool).AssembleAsync(parts, source, spec.Format, spec.Decode.FramesPerSecond,
            new FrameRange(spec.Decode.Range.First, state.Done), output, token).ConfigureAwait(false);
        return output;
    }

    // The finished file as the result keeps it: inline up to StyleGrpc:Video:InlineResultBytes, else stored in chunks of
    // VideoResultChunks.ChunkBytes read one at a time from the file (never held whole), before the result that counts them.
    private async Task<(byte[] Inline, long Size, bool Chunked)> KeepResultAsync(Job job, string path, CancellationToken token)
    {
        var size = new FileInfo(path).Length;
        if (size <= options.Value.Video.InlineResultBytes)
        {
            return (await File.ReadAllBytesAsync(path, token).ConfigureAwait(false), size, false);
        }
        await using var file = File.OpenRead(path);
        var buffer = new byte[VideoResultChunks.ChunkBytes];
        for (var index = 0; ; index++)
        {
            var read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            if (!await store.SaveVideoResultChunkAsync(job.Id, job.Identity.Attempt, index, buffer.AsMemory(0, read), CancellationToken.None).ConfigureAwait(false))
            {
                // A later attempt owns the job: this one stops.
                job.Stop(JobStopReason.Cancelled);
                token.ThrowIfCancellationRequested();
            }
        }
        return ([], size, true);
    }

    // The network of the job's one registered style (the request was checked for one).
    private async Task<FeedForwardLease> AcquireNetworkAsync(StylizeJobSpec frame, StyleTransferEngine engine, CancellationToken cancellationToken)
    {
        var style = await registry.GetAsync(frame.Style.RegisteredIds[0], cancellationToken).ConfigureAwait(false);
        return await networks.AcquireAsync(style, engine.Network.Info.Fingerprint, "options.method", cancellationToken).ConfigureAwait(false);
    }
}
