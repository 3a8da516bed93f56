using System.CommandLine;
using Spectre.Console;
using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary><c>stylegrpc styles add|list|show|rm|train</c>.</summary>
internal static class StylesCommands
{
    public static Command Create(CliContext context)
    {
        var styles = new Command("styles", "Manage registered styles");
        styles.Subcommands.Add(Add(context));
        styles.Subcommands.Add(List(context));
        styles.Subcommands.Add(Show(context));
        styles.Subcommands.Add(Remove(context));
        styles.Subcommands.Add(TrainCommand.Create(context));
        return styles;
    }

    private static Command Add(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Style ID: [a-z0-9][a-z0-9-_.]{0,62}" };
        var image = new Argument<FileInfo>("image") { Description = "Style image (JPEG, PNG, WebP, BMP, GIF)" };
        image.AcceptExistingOnly();
        var name = new Option<string?>("--name") { Description = "Display name (default: the ID)" };
        var replace = new Option<bool>("--replace") { Description = "Replace an existing style with this ID" };
        var size = new Option<int?>("--style-size") { Description = "Longer side, in pixels, the style is scaled to for its targets (server default 512)" };
        var preset = new Option<string?>("--preset") { Description = "Layer preset (default: the network's)" };
        var json = CliJson.Option();
        var command = new Command("add", "Register a style image under an ID") { id, image, name, replace, size, preset, json };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var style = await client.RegisterStyleAsync(parse.GetValue(id)!, parse.GetValue(image)!.FullName, new RegisterStyleOptions
            {
                DisplayName = parse.GetValue(name),
                Replace = parse.GetValue(replace),
                StyleSize = parse.GetValue(size),
                Preset = parse.GetValue(preset),
            }, token);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(context, style);
                return ExitCodes.Ok;
            }
            context.Console.MarkupLineInterpolated($"registered [bold]{style.Id}[/] ({style.Width}x{style.Height}, preset {style.Preset}, {style.SizeBytes:N0} bytes)");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command List(CliContext context)
    {
        var json = CliJson.Option();
        var command = new Command("list", "List registered styles (--json: one JSON array)") { json };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            if (parse.GetValue(json))
            {
                var all = new List<StyleInfo>();
                await foreach (var style in client.ListAllStylesAsync(token))
                {
                    all.Add(style);
                }
                await CliJson.WriteAsync(context, all);
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("ID", "Name", "Size", "Preset", "Instant", "Created");
            var count = 0;
            await foreach (var style in client.ListAllStylesAsync(token))
            {
                table.AddRow(Markup.Escape(style.Id), Markup.Escape(style.DisplayName), $"{style.Width}x{style.Height}",
                    Markup.Escape(style.Preset), Markup.Escape(Instant(style)), style.CreateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
                count++;
            }
            if (count == 0)
            {
                context.Console.MarkupLine("no styles registered");
            }
            else
            {
                context.Console.Write(table);
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Style ID" };
        var json = CliJson.Option();
        var command = new Command("show", "Show one style") { id, json };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            var style = await client.GetStyleAsync(parse.GetValue(id)!, token);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(context, style);
                return ExitCodes.Ok;
            }
            var grid = new Grid().AddColumn().AddColumn();
            void Row(string key, string value) => grid.AddRow(new Text(key), new Text(value));
            Row("id", style.Id);
            Row("name", style.DisplayName);
            Row("image", $"{style.Width}x{style.Height}, sha256 {style.ImageSha256}");
            Row("targets", $"{style.Network}, preset {style.Preset}, style size {style.StyleSize} px");
            Row("layers", string.Join(", ", style.Layers));
            Row("instant", Instant(style));
            if (style.FeedForward is { State: StyleNetworkState.Ready } network)
            {
                Row("network", $"v{network.Version}, {network.Iterations} iterations at {network.ImageSize} px, loss {network.FinalLoss:G4}, {network.SizeBytes:N0} bytes, "
                    + $"on {network.Network}, trained {network.TrainedTime?.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}");
            }
            Row("size", $"{style.SizeBytes:N0} bytes");
            Row("created", style.CreateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            context.Console.Write(grid);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>Whether the style is instant: "yes (v2)", "training (operations/…)", "failed: …" or "no".</summary>
    internal static string Instant(StyleInfo style) => style.FeedForward switch
    {
        { State: StyleNetworkState.Ready } n => $"yes (v{n.Version})",
        { State: StyleNetworkState.Training } n => $"training ({n.OperationName})",
        { State: StyleNetworkState.Failed } n => $"failed: {n.Error}",
        _ => "no",
    };

    private static Command Remove(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Style ID" };
        var json = CliJson.Option();
        var command = new Command("rm", "Delete a style") { id, json };
        command.SetAction((parse, ct) => CliApp.Guard(context, parse, async (client, token) =>
        {
            await client.DeleteStyleAsync(parse.GetValue(id)!, token);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(context, new { deleted = parse.GetValue(id) });
                return ExitCodes.Ok;
            }
            context.Console.MarkupLineInterpolated($"deleted [bold]{parse.GetValue(id)}[/]");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
