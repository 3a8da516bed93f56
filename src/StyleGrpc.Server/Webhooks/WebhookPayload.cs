using Google.Protobuf;
using Google.Protobuf.Reflection;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Operations;
using StyleGrpc.Server.Services;

namespace StyleGrpc.Server.Webhooks;

/// <summary>
/// A webhook's body: the ended operation as its proto JSON (<c>name</c>, <c>done</c>, <c>metadata</c>, <c>response</c> or
/// <c>error</c>; Any values with their <c>@type</c>; default values written; 64-bit integers as strings, as the protobuf JSON
/// mapping has them), as GetOperation over HTTP answers it, except that a Stylize result's image bytes (<c>response.image.data</c>) are left out: an image can be megabytes, so the body stays small and the receiver asks
/// GetOperation for the image (its format, size and <c>sizeBytes</c> are kept).
/// </summary>
public static class WebhookPayload
{
    /// <summary>The message types operations carry as Any, for JSON (the HTTP face's transcoding uses the same).</summary>
    public static readonly TypeRegistry AnyTypes = TypeRegistry.FromMessages(OperationMapper.AnyTypes);

    // Default values written, as the HTTP face writes them, so a receiver reads `queuePosition: 0` rather than nothing.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(AnyTypes).WithFormatDefaultValues(true));

    public static byte[] Of(OperationView view)
    {
        if (view.Video is { } video)
        {
            // The video is left out the same way: the receiver calls GetOperation for it.
            var withoutVideo = video.Clone();
            withoutVideo.Video = ByteString.Empty;
            var body = System.Text.Json.Nodes.JsonNode.Parse(Formatter.Format(OperationMapper.ToOperation(view with { Video = withoutVideo })))!;
            body["response"]!.AsObject().Remove("video");
            return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body);
        }
        if (view.Result is not { Image: not null } result)
        {
            return System.Text.Encoding.UTF8.GetBytes(Formatter.Format(OperationMapper.ToOperation(view)));
        }
        var trimmed = result.Clone();
        trimmed.Image.Data = ByteString.Empty;
        // Left out, not written empty: an empty "data" would read as an empty image.
        var json = System.Text.Json.Nodes.JsonNode.Parse(Formatter.Format(OperationMapper.ToOperation(view with { Result = trimmed })))!;
        json["response"]!["image"]!.AsObject().Remove("data");
        return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(json);
    }
}
