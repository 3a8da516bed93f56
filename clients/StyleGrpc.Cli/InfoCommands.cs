using System.CommandLine;
using Spectre.Console;

namespace StyleGrpc.Cli;

/// <summary><c>stylegrpc info</c> and <c>stylegrpc health</c>.</summary>
internal static class InfoCommands
{
    public static Command CreateInfo(CliContext context)
    {
        var json = CliJson.Option();
        var command = new Command("info", "Show the server's version, network, device and limits") { json };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var info = await client.GetServerInfoAsync(token);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(context, info);
                return ExitCodes.Ok;
            }
            var grid = new Grid().AddColumn().AddColumn();
            void Row(string key, string value) => grid.AddRow(new Text(key), new Text(value));
            Row("version", info.Version);
            Row("network", $"{info.Network}{(info.OfflineDefault ? " (offline default)" : "")}: {info.NetworkDescription}");
            Row("device", $"{info.Device}, {info.Precision}");
            Row("presets", string.Join(", ", info.Presets));
            Row("limits", $"max side {info.MaxSide} px, {info.MaxPixels:N0} pixels, {info.MaxIterations} iterations, {info.MaxRequestBytes:N0} bytes/request");
            if (info.Video is { } video)
            {
                Row("videos", video.Available
                    ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{video.MaxBytes:N0} bytes, {video.MaxDurationSeconds:0.#} s, {video.MaxFrames} frames, {video.MaxFrameRate:0.#} fps, frames up to {video.MaxSide} px ('stylegrpc stylize-video')")
                    : "not on this server (no ffmpeg)");
            }
            Row("jobs", $"{info.RunningJobs} running of {info.ConcurrentJobs}, {info.QueuedJobs} queued of {info.QueueCapacity}");
            Row("styles", info.Styles.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Row("your role", info.CallerRole.Length > 0 ? info.CallerRole : "(not told by this server)");
            Row("instant styles", info.FeedForwardAvailable
                ? $"available, {info.TrainingPhotos} training photos ('stylegrpc styles train ID')"
                : $"no training photos on this server (StyleGrpc:Training:ContentDirectory); styles trained elsewhere still serve");
            context.Console.Write(grid);
            return 0;
        }, ct));
        return command;
    }

    public static Command CreateHealth(CliContext context)
    {
        var json = CliJson.Option();
        var command = new Command("health", "Check the server's health (exit 0 when SERVING, 3 otherwise)") { json };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var serving = await client.IsServingAsync(token);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(context, new { status = serving ? "SERVING" : "NOT_SERVING" });
            }
            else
            {
                context.Console.MarkupLine(serving ? "SERVING" : "NOT_SERVING");
            }
            return serving ? ExitCodes.Ok : ExitCodes.Unreachable;
        }, ct));
        return command;
    }
}
