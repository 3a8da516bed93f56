using System.CommandLine;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>
/// <c>stylegrpc stylize-video IN (--style ID | --style-image PATH | --blend id=w,...) [-o OUT]</c>: one video job, followed with a progress
/// bar of frames (or <c>--json</c> lines) until the result is written; <c>--detach</c> submits it and prints its operation.
/// </summary>
internal static class StylizeVideoCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<FileInfo>("video") { Description = "The video to stylise (MP4, WebM, MKV, MOV…, within the server's video limits: 'stylegrpc info')" };
        var style = new Option<string?>("--style") { Description = "Registered style ID" };
        var styleImage = new Option<FileInfo>("--style-image") { Description = "Style image sent with the request" };
        styleImage.AcceptExistingOnly();
        var blend = new Option<string?>("--blend") { Description = "Blend of registered styles: id=weight,id=weight" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the result (default: VIDEO's name + -styled.mp4 or .webm, beside it)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output file if it exists (else the command refuses before submitting)" };
        var maxSide = new Option<int?>("--max-side") { Description = "Longer side of each output frame in pixels (default: min(512, the video's own))" };
        var iterations = new Option<int?>("--iterations", "-n") { Description = "Most optimisation iterations per frame (server default)" };
        var method = new Option<string?>("--method") { Description = "optimization or feed-forward (default: feed-forward when the style has a trained network, else optimization)" };
        method.AcceptOnlyFromAmong("optimization", "feed-forward");
        var temporalWeight = new Option<double?>("--temporal-weight") { Description = "How strongly a frame keeps the previous stylised frame where nothing moved: 0 = not at all (flickers), default 1, at most 100" };
        var first = new Option<int>("--first") { Description = "First frame to stylise, 0-based, at the output's frame rate (default 0)" };
        var count = new Option<int?>("--count") { Description = "How many frames to stylise (default: to the end)" };
        var fps = new Option<double?>("--fps") { Description = "Frames per second of the output (default: the video's own)" };
        var format = new Option<string?>("--format") { Description = "mp4 (H.264 + AAC) or webm (VP9 + Opus); default: from -o's extension, else mp4" };
        format.AcceptOnlyFromAmong("mp4", "webm");
        var seed = new Option<long>("--seed") { Description = "Random seed (same inputs and seed give the same video)" };
        var detach = new Option<bool>("--detach") { Description = "Submit the job, print its operation name (with --json: the operation) and exit; follow it with 'stylegrpc jobs'" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per progress report (NDJSON) and the result, instead of a progress bar" };
        var notify = new Option<string?>("--notify") { Description = "POST the operation to this URL once the job ends (a signed webhook; it must start with one of the server's allowed prefixes)" };
        var timeout = new Option<double?>("--timeout") { Description = "Give up (and cancel the job) after this many seconds" };
        var upload = new Option<bool>("--upload") { Description = $"Send the file in pieces first (UploadVideo), as is done for any file over {InlineMaxBytes / (1024 * 1024)} MiB, instead of inside the request" };

        var command = new Command("stylize-video", "Stylise a video frame by frame with temporal consistency, showing frames done, frames per second and the ETA (docs/video.md)")
        {
            input, style, styleImage, blend, output, overwrite, maxSide, iterations, method, temporalWeight, first, count, fps, format, seed, detach, json, notify, timeout,
            upload,
        };
        command.Validators.Add(result =>
        {
            if (new[] { style, (Option)styleImage, blend }.Count(o => result.GetResult(o) is not null) != 1)
            {
                result.AddError("give exactly one of --style, --style-image or --blend");
            }
        });
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var source = parse.GetValue(input)!;
            if (!source.Exists)
            {
                throw new UsageException($"video: '{source.FullName}' does not exist");
            }
            var videoFormat = FormatOf(parse.GetValue(format), parse.GetValue(output));
            var outputPath = Path.GetFullPath(parse.GetValue(output) ?? DefaultOutput(source.FullName, videoFormat));
            var detached = parse.GetValue(detach);
            if (!detached && File.Exists(outputPath) && !parse.GetValue(overwrite))
            {
                throw new UsageException($"--output: '{outputPath}' exists; give --overwrite to replace it");
            }
            var options = new StylizeVideoOptions
            {
                MaxSide = parse.GetValue(maxSide),
                IterationsPerFrame = parse.GetValue(iterations),
                Method = parse.GetValue(method) switch
                {
                    "optimization" => StylizeMethod.Optimization,
                    "feed-forward" => StylizeMethod.FeedForward,
                    _ => null,
                },
                TemporalWeight = parse.GetValue(temporalWeight),
                FirstFrame = parse.GetValue(first),
                FrameCount = parse.GetValue(count),
                FrameRate = parse.GetValue(fps),
                Format = videoFormat,
                Seed = parse.GetValue(seed),
                NotifyUrl = parse.GetValue(notify),
            };
            var spec = parse.GetValue(style) is { } id ? StyleSpec.Registered(id)
                : parse.GetValue(styleImage) is { } file ? StyleSpec.Inline(await File.ReadAllBytesAsync(file.FullName, token))
                : StylizeCommand.ParseBlendSpec(parse.GetValue(blend)!);
            // A large file goes in pieces, read as it is sent; a small one inside the request.
            VideoUpload? uploaded = null;
            if (parse.GetValue(upload) || source.Length > InlineMaxBytes)
            {
                await using var reader = source.OpenRead();
                uploaded = await client.UploadVideoAsync(reader, token);
            }
            var video = uploaded is null ? await File.ReadAllBytesAsync(source.FullName, token) : null;
            if (detached)
            {
                var operation = uploaded is not null
                    ? await client.SubmitStylizeVideoAsync(uploaded, spec, options, token)
                    : await client.SubmitStylizeVideoAsync(video!, spec, options, token);
                await context.Output.WriteLineAsync(parse.GetValue(json) ? OperationJson.Serialize(operation) : operation.Name);
                return ExitCodes.Ok;
            }
            DateTime? deadline = parse.GetValue(timeout) is { } seconds ? DateTime.UtcNow.AddSeconds(seconds) : null;
            // Ctrl+C cancels the token, which cancels the job on the server.
            await Reporter(context, parse.GetValue(json)).RunAsync(async progress =>
            {
                var completed = uploaded is not null
                    ? await client.StylizeVideoAsync(uploaded, spec, options, progress, deadline, token)
                    : await client.StylizeVideoAsync(video!, spec, options, progress, deadline, token);
                await VideoResultFile.SaveAsync(client, completed, outputPath, token);
                return completed;
            }, outputPath);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>Largest file sent inside the request; a larger one is uploaded first (well inside a server's 32 MiB default message limit).</summary>
    internal const long InlineMaxBytes = 4 * 1024 * 1024;

    /// <summary>"clips/pan.mp4" → "clips/pan-styled.mp4" (or .webm).</summary>
    internal static string DefaultOutput(string input, VideoFormat format) =>
        Path.Combine(Path.GetDirectoryName(input) ?? "", $"{Path.GetFileNameWithoutExtension(input)}-styled.{VideoText.FormatName(format)}");

    // --format, else -o's extension (.webm), else MP4.
    private static VideoFormat FormatOf(string? format, string? output) =>
        (format ?? Path.GetExtension(output ?? "").TrimStart('.').ToLowerInvariant()) == "webm" ? VideoFormat.WebM : VideoFormat.Mp4;

    private static IVideoReporter Reporter(CliContext context, bool json) =>
        json ? new VideoJsonReporter(context.Output)
        : context.Console.Profile.Capabilities.Interactive ? new VideoBarReporter(context.Console)
        : new VideoPlainReporter(context.Console);
}
