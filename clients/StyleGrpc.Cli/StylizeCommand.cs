using System.CommandLine;
using System.Globalization;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>
/// <c>stylegrpc stylize &lt;content&gt; (--style ID | --style-image PATH | --blend id=w,...) [--region MASK=STYLE]... [--color MODE] -o OUT</c>,
/// and its folder form <c>stylegrpc stylize DIR_OR_GLOB... --style S -o OUTDIR</c> (<see cref="FolderStylize"/>).
/// </summary>
internal static class StylizeCommand
{
    public static Command Create(CliContext context)
    {
        var content = new Argument<string[]>("content")
        {
            Description = "Content image; or several, directories (their jpg/jpeg/png/webp photos) and globs (*, **): one job each, results in the -o folder",
            Arity = ArgumentArity.OneOrMore,
        };
        var style = new Option<string?>("--style") { Description = "Registered style ID" };
        var styleImage = new Option<FileInfo>("--style-image") { Description = "Style image sent with the request" };
        styleImage.AcceptExistingOnly();
        var blend = new Option<string?>("--blend") { Description = "Blend of registered styles: id=weight,id=weight; scale control: id=weight@layer+layer (that component's own style layers)" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the result (required unless --detach); with several photos a folder, each written as NAME.EXT" };
        var size = new Option<int?>("--size") { Description = "Longer side of the output in pixels (server default 512)" };
        var iterations = new Option<int?>("--iterations", "-n") { Description = "Most iterations (server default 500; stops earlier once converged)" };
        var optimizer = new Option<string?>("--optimizer") { Description = "lbfgs (default), adam or rmsprop" };
        optimizer.AcceptOnlyFromAmong("lbfgs", "adam", "rmsprop");
        var learningRate = new Option<double?>("--learning-rate") { Description = "Learning rate (default per optimizer)" };
        var styleWeight = new Option<double?>("--style-weight") { Description = "Style loss weight" };
        var contentWeight = new Option<double?>("--content-weight") { Description = "Content loss weight" };
        var tvWeight = new Option<double?>("--tv-weight") { Description = "Total-variation loss weight" };
        var seed = new Option<long>("--seed") { Description = "Random seed (same inputs and seed give the same image)" };
        var preset = new Option<string?>("--preset") { Description = "Layer preset, e.g. gatys or seed on VGG19" };
        var init = new Option<string?>("--init") { Description = "content (default), noise, blend or feed-forward (the style's trained network's output, refined)" };
        init.AcceptOnlyFromAmong("content", "noise", "blend", "feed-forward");
        var fast = new Option<bool>("--fast") { Description = "One pass of the registered style's trained network (stylegrpc styles train): instant, no iterations" };
        var previewEvery = new Option<int>("--preview-every") { Description = "Ask for a preview every N iterations (default 10 with --preview-dir)" };
        var previewDir = new Option<DirectoryInfo?>("--preview-dir") { Description = "Write previews here as they arrive" };
        var format = new Option<string?>("--format") { Description = "png, jpeg or webp (default: from the output's extension)" };
        format.AcceptOnlyFromAmong("png", "jpeg", "jpg", "webp");
        var quality = new Option<int?>("--quality") { Description = "JPEG/WebP quality 1-100" };
        var keepColors = new Option<bool>("--keep-colors") { Description = "Keep the content's original colours" };
        var styleScale = new Option<double?>("--style-scale") { Description = "Inline style size relative to the output (default 1)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per frame (NDJSON) instead of a progress bar" };
        var timeout = new Option<double?>("--timeout") { Description = "Give up after this many seconds (deadline)" };
        var scales = new Option<int?>("--scales") { Description = "Coarse-to-fine levels √2 apart ending at the output size: 1 = output size only, 0 = automatic (one per √2 step down to 128 px); default: the server's" };
        var coarseIterations = new Option<int?>("--coarse-iterations") { Description = "Most iterations at each coarser level (default: automatic)" };
        var tileSize = new Option<int?>("--tile-size") { Description = "Compute each step in tiles of this many pixels (exact; bounded memory for print sizes); default: the server tiles large outputs" };
        var contentLayers = new Option<string?>("--content-layers") { Description = "Content layers: name[=weight],... e.g. relu4_2 (default: the preset's; 'stylegrpc info' lists the layers)" };
        var styleLayers = new Option<string?>("--style-layers") { Description = "Style layers: name[=weight],... e.g. relu1_1=1,relu2_1=0.5 (default: the preset's)" };
        var tolerance = new Option<double?>("--tolerance") { Description = "Stop when the loss changes by less than this fraction over 20 iterations (default 0.005, 0 = never)" };
        var regions = new Option<string[]>("--region")
        {
            Description = "A region in its own style: MASK=STYLE[*WEIGHT], STYLE a registered ID or an image path; the mask's alpha (or luminance) is the region (repeatable)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var color = new Option<string?>("--color") { Description = "Colour control: none, keep (the photo's colours after the run), luminance (optimise luminance only) or histogram (match the style's colours to the photo's)" };
        color.AcceptOnlyFromAmong("none", "keep", "luminance", "histogram");
        var detach = new Option<bool>("--detach") { Description = "Submit the job, print its operation name (with --json: the operation) and exit; follow it with 'stylegrpc jobs'" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Several photos: take a directory's subdirectories too (mirrored under the -o folder)" };
        var parallel = new Option<int>("--parallel") { Description = "Several photos: watch this many jobs at once (all are submitted; the server queues them)", DefaultValueFactory = _ => 2 };
        parallel.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--parallel: give 1 or more");
            }
        });
        var notify = new Option<string?>("--notify")
        {
            Description = "POST the operation to this URL once the job ends (a signed webhook; it must start with one of the server's allowed prefixes; several photos: one POST each); default: your default URL on the server, if any",
        };
        var overwrite = new Option<bool>("--overwrite") { Description = "Several photos: write results again that are already in the -o folder (else they are kept)" };

        var command = new Command("stylize", "Stylize an image, showing progress; or many (several files, directories, globs) into an -o folder, where running the same command again picks up where it stopped")
        {
            content, style, styleImage, blend, output, size, iterations, optimizer, learningRate, styleWeight, contentWeight, tvWeight,
            seed, preset, init, previewEvery, previewDir, format, quality, keepColors, styleScale, json, timeout, scales, coarseIterations, tolerance, contentLayers, styleLayers,
            tileSize, regions, color, detach, fast, recursive, parallel, overwrite, notify,
        };
        command.Validators.Add(result =>
        {
            var given = new[] { style, (Option)styleImage, blend }.Count(o => result.GetResult(o) is not null);
            if (given != 1)
            {
                result.AddError("give exactly one of --style, --style-image or --blend");
            }
            if (result.GetValue(fast) && result.GetResult(style) is null)
            {
                result.AddError("--fast needs --style (a registered style with a trained network)");
            }
            if (result.GetResult(output) is null && !result.GetValue(detach))
            {
                result.AddError("give --output (-o) for the result, or --detach");
            }
        });
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var inputs = parse.GetValue(content)!;
            var folder = PhotoInputs.IsFolderForm(inputs, parse.GetValue(output));
            IReadOnlyList<PhotoInput>? photos = null;
            if (folder)
            {
                if (new Option[] { previewDir, previewEvery, timeout }.FirstOrDefault(o => parse.GetResult(o) is not null) is { } singleOnly)
                {
                    throw new UsageException($"{singleOnly.Name}: only for a single photo");
                }
                if (parse.GetValue(output) is { } o && File.Exists(o))
                {
                    throw new UsageException($"--output: '{o}' is a file; several photos are written into a folder");
                }
                photos = PhotoInputs.Resolve(inputs, parse.GetValue(recursive));
            }
            else if (!File.Exists(inputs[0]))
            {
                throw new UsageException($"content: '{inputs[0]}' does not exist");
            }
            var outputFile = folder || parse.GetValue(output) is not { } single ? null : new FileInfo(single);
            var options = new StylizeOptions
            {
                MaxSide = parse.GetValue(size),
                Iterations = parse.GetValue(iterations),
                Optimizer = parse.GetValue(optimizer) switch
                {
                    "adam" => OptimizerKind.Adam,
                    "rmsprop" => OptimizerKind.RmsProp,
                    "lbfgs" => OptimizerKind.Lbfgs,
                    _ => null,
                },
                LearningRate = parse.GetValue(learningRate),
                StyleWeight = parse.GetValue(styleWeight),
                ContentWeight = parse.GetValue(contentWeight),
                TotalVariationWeight = parse.GetValue(tvWeight),
                Seed = parse.GetValue(seed),
                Preset = parse.GetValue(preset),
                Init = parse.GetValue(init) switch
                {
                    "noise" => InitKind.Noise,
                    "blend" => InitKind.Blend,
                    "content" => InitKind.Content,
                    "feed-forward" => InitKind.FeedForward,
                    _ => null,
                },
                Method = parse.GetValue(fast) ? StylizeMethod.FeedForward : null,
                PreviewEvery = parse.GetValue(previewEvery) is > 0 and var every ? every : parse.GetValue(previewDir) is null ? 0 : 10,
                // Several photos: --format, else PNG, whatever the folder is called.
                Format = FormatOf(parse.GetValue(format), outputFile?.Name ?? ""),
                Quality = parse.GetValue(quality),
                KeepOriginalColors = parse.GetValue(keepColors),
                StyleScale = parse.GetValue(styleScale),
                ScaleLevels = parse.GetValue(scales),
                CoarseIterations = parse.GetValue(coarseIterations),
                TileSize = parse.GetValue(tileSize),
                ContentLayers = parse.GetValue(contentLayers) is { } cl ? ParseWeighted(cl, "--content-layers", defaultWeight: true) : null,
                StyleLayers = parse.GetValue(styleLayers) is { } sl ? ParseWeighted(sl, "--style-layers", defaultWeight: true) : null,
                RelativeTolerance = parse.GetValue(tolerance),
                ColorControl = parse.GetValue(color) switch
                {
                    "none" => ColorControl.None,
                    "keep" => ColorControl.KeepOriginal,
                    "luminance" => ColorControl.LuminanceOnly,
                    "histogram" => ColorControl.HistogramMatch,
                    _ => null,
                },
                Regions = parse.GetValue(regions) is { Length: > 0 } given ? await ParseRegionsAsync(given, token) : null,
                NotifyUrl = parse.GetValue(notify),
            };
            var spec = parse.GetValue(style) is { } id ? StyleSpec.Registered(id)
                : parse.GetValue(styleImage) is { } file ? StyleSpec.Inline(await File.ReadAllBytesAsync(file.FullName, token))
                : ParseBlendSpec(parse.GetValue(blend)!);
            if (photos is not null)
            {
                return await FolderStylize.RunAsync(context, client, new FolderRun(photos, parse.GetValue(output), spec, options, parse.GetValue(parallel),
                    parse.GetValue(overwrite), parse.GetValue(detach), parse.GetValue(json)), token);
            }
            var contentBytes = await File.ReadAllBytesAsync(inputs[0], token);
            if (parse.GetValue(detach))
            {
                var operation = await client.SubmitStylizeAsync(contentBytes, spec, options, token);
                await context.Output.WriteLineAsync(parse.GetValue(json) ? OperationJson.Serialize(operation) : operation.Name);
                return ExitCodes.Ok;
            }
            DateTime? deadline = parse.GetValue(timeout) is { } seconds ? DateTime.UtcNow.AddSeconds(seconds) : null;

            // The library submits the job and re-attaches its watch when the server restarts or the connection drops;
            // Ctrl+C cancels the token, which cancels the job.
            var updates = client.StylizeAsync(contentBytes, spec, options, deadline, token);
            var previews = parse.GetValue(previewDir);
            var reporter = Reporter(context, parse.GetValue(json), outputFile?.FullName);
            var completed = await reporter.RunAsync(WithSideEffects(client, updates, previews, outputFile, token));
            if (completed is not null && previews is not null)
            {
                // stderr, so --json output stays one JSON object per line.
                var written = Directory.Exists(previews.FullName) ? Directory.GetFiles(previews.FullName, "preview-*").Length : 0;
                await context.Error.WriteLineAsync(completed.PreviewsDropped > 0
                    ? $"previews: {written} written to {previews.FullName}, {completed.PreviewsDropped} skipped by the server because this client read too slowly"
                    : $"previews: {written} written to {previews.FullName}");
            }
            return completed is null ? ExitCodes.ServerError : ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>NDJSON with --json, else a progress bar on an interactive console, else plain lines.</summary>
    internal static IStylizeReporter Reporter(CliContext context, bool json, string? outputPath) =>
        json ? new JsonReporter(context.Output, outputPath)
        : context.Console.Profile.Capabilities.Interactive ? new ProgressBarReporter(context.Console, outputPath)
        : new PlainReporter(context.Console, outputPath);

    // Previews are written as they arrive and the result (a picture, or a watched video job's video) when there is an output,
    // before the completion is reported.
    internal static async IAsyncEnumerable<StylizeUpdate> WithSideEffects(IStyleGrpcClient client, IAsyncEnumerable<StylizeUpdate> updates, DirectoryInfo? previews,
        FileInfo? output, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var update in updates.WithCancellation(cancellationToken))
        {
            if (update is JobProgress { Preview: { } preview } progress && previews is not null)
            {
                Directory.CreateDirectory(previews.FullName);
                var path = Path.Combine(previews.FullName, $"preview-{progress.Iteration:D5}.{Extension(preview.Format)}");
                await File.WriteAllBytesAsync(path, preview.Data, cancellationToken);
            }
            if (update is JobCompleted completed && output is not null)
            {
                if (output.Directory is { } dir)
                {
                    Directory.CreateDirectory(dir.FullName);
                }
                await File.WriteAllBytesAsync(output.FullName, completed.Image.Data, cancellationToken);
            }
            if (update is VideoCompleted video && output is not null)
            {
                await VideoResultFile.SaveAsync(client, video, output.FullName, cancellationToken);
            }
            yield return update;
        }
    }

    // "--region sky.png=starry", "--region sky.png=paintings/scream.jpg*2": the mask file, then a registered ID or (when such a
    // file exists) a style image, then an optional weight after the last '*'.
    internal static async Task<IReadOnlyList<StyleRegionSpec>> ParseRegionsAsync(IEnumerable<string> texts, CancellationToken cancellationToken)
    {
        var regions = new List<StyleRegionSpec>();
        foreach (var text in texts)
        {
            var pieces = text.Split('=', 2);
            if (pieces.Length != 2 || pieces[0].Length == 0 || pieces[1].Length == 0)
            {
                throw new UsageException($"--region: '{text}' is not MASK=STYLE");
            }
            var (style, weight) = (pieces[1], 1.0);
            var star = style.LastIndexOf('*');
            if (star > 0 && double.TryParse(style[(star + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var w))
            {
                (style, weight) = (style[..star], w);
            }
            if (!File.Exists(pieces[0]))
            {
                throw new UsageException($"--region: mask file '{pieces[0]}' does not exist");
            }
            var mask = await File.ReadAllBytesAsync(pieces[0], cancellationToken);
            var spec = File.Exists(style) ? StyleSpec.Inline(await File.ReadAllBytesAsync(style, cancellationToken)) : StyleSpec.Registered(style);
            regions.Add(new StyleRegionSpec(mask, spec, weight));
        }
        return regions;
    }

    internal static (string Id, double Weight)[] ParseBlend(string text) => ParseWeighted(text, "--blend", defaultWeight: false);

    // "--blend starry=1,scream=2" as before; "--blend starry=1@layer2+layer3,scream=1@relu1+layer1" gives each component its
    // own style layers (scale control; a layer may carry a weight as layer:0.5).
    internal static StyleSpec ParseBlendSpec(string text)
    {
        if (!text.Contains('@'))
        {
            return StyleSpec.Blend(ParseBlend(text));
        }
        return StyleSpec.BlendWithLayers([.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
        {
            var at = part.IndexOf('@');
            var (id, weight) = ParseBlend(at < 0 ? part : part[..at])[0];
            IReadOnlyList<(string, double)>? layers = at < 0 ? null : [.. part[(at + 1)..].Split('+', StringSplitOptions.RemoveEmptyEntries).Select(l =>
            {
                var pieces = l.Split(':', 2);
                return pieces.Length == 1 ? (pieces[0], 1.0)
                    : double.TryParse(pieces[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && w > 0 ? (pieces[0], w)
                    : throw new UsageException($"--blend: '{l}' is not layer or layer:weight with a weight > 0");
            })];
            return new BlendComponent(id, weight, layers);
        })]);
    }

    // "a=1,b=0.5" (and, where allowed, "a" for weight 1) into pairs; every weight must be a number > 0.
    internal static (string Id, double Weight)[] ParseWeighted(string text, string option, bool defaultWeight)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Select(part =>
        {
            var pieces = part.Split('=', 2);
            if (pieces.Length == 1 && defaultWeight)
            {
                return (pieces[0], 1.0);
            }
            if (pieces.Length != 2 || !double.TryParse(pieces[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !(weight > 0))
            {
                throw new UsageException($"{option}: '{part}' is not name=weight with a weight > 0");
            }
            return (pieces[0], weight);
        }).ToArray() is { Length: > 0 } result ? result : throw new UsageException($"{option}: give at least one name=weight");
    }

    private static OutputFormat FormatOf(string? format, string outputName) =>
        (format ?? Path.GetExtension(outputName).TrimStart('.').ToLowerInvariant()) switch
        {
            "jpg" or "jpeg" => OutputFormat.Jpeg,
            "webp" => OutputFormat.Webp,
            _ => OutputFormat.Png,
        };

    internal static string Extension(OutputFormat format) => format switch
    {
        OutputFormat.Jpeg => "jpg",
        OutputFormat.Webp => "webp",
        _ => "png",
    };
}
