using System.Security.Claims;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Services;
using StyleGrpc.Server.Uploads;

namespace StyleGrpc.Server.Hosting;

/// <summary>
/// UploadVideo over HTTP, where JSON transcoding has no client streaming: <c>POST /v1/uploads</c> with the file's bytes as
/// the body (any content type), streamed into the store as they arrive and bounded by <c>Limits.video.max_bytes</c>, not
/// by the JSON body limit. Answers the <c>VideoUpload</c> as the transcoded methods answer (protobuf JSON mapping), and an
/// error as they do too: the <c>google.rpc.Status</c> as JSON with the HTTP status of its code.
/// </summary>
internal static class UploadEndpoint
{
    /// <summary>The route.</summary>
    public const string Path = "/v1/uploads";

    private const int ReadBytes = 64 * 1024;

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithTypeRegistry(
        TypeRegistry.FromMessages(Google.Rpc.ErrorInfo.Descriptor, Google.Rpc.BadRequest.Descriptor, Google.Rpc.RetryInfo.Descriptor)));

    public static async Task HandleAsync(HttpContext context)
    {
        var uploads = context.RequestServices.GetRequiredService<VideoUploads>();
        var development = context.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment();
        // The upload's own limit (Video:MaxBytes) is counted as the body arrives; Kestrel's, sized for JSON, does not apply.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
        var caller = context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? AccessRoles.Anonymous;
        IMessage answer;
        try
        {
            answer = ResponseMapper.ToProto(await uploads.ReceiveAsync(Pieces(context.Request.Body, context.RequestAborted), caller, context.RequestAborted)
                .ConfigureAwait(false));
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            var status = ErrorStatuses.Of(ex, development);
            context.Response.StatusCode = HttpStatuses.Of((StatusCode)status.Code);
            answer = status;
        }
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(Json.Format(answer), context.RequestAborted).ConfigureAwait(false);
    }

    // The body in the pieces it arrives in (one buffer, reused: the receiver copies each piece before asking for the next).
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Pieces(Stream body,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[ReadBytes];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            yield return buffer.AsMemory(0, read);
        }
    }
}
