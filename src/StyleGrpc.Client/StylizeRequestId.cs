using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace StyleGrpc.Client;

/// <summary>
/// Request IDs (AIP-155) made from the request itself, for callers that submit the same work again after they stopped (a
/// rerun of a batch): the same content, style and options give the same ID, so the server answers the first submission's
/// operation instead of starting the job again; any change to them gives another ID, so a changed request is a new job, never
/// the INVALID_ARGUMENT a reused ID earns.
/// </summary>
public static class StylizeRequestId
{
    // Keeps these IDs apart from any other use of the request's hash (the server fingerprints the same bytes).
    private static readonly byte[] Namespace = Encoding.UTF8.GetBytes("stylegrpc.v1.StylizeRequest.request_id\n");
    private static readonly byte[] VideoNamespace = Encoding.UTF8.GetBytes("stylegrpc.v1.StylizeVideoRequest.request_id\n");

    /// <summary>
    /// A name-based UUID (RFC 9562 version 8, from SHA-256) of the request as it would be sent, with its own
    /// <see cref="StylizeOptions.RequestId"/> left out: every byte of the content, the style (inline images and blends
    /// included), every option and region. The caller still matters to the server: the same ID from another caller is another request.
    /// </summary>
    public static string For(ReadOnlyMemory<byte> content, StyleSpec style, StylizeOptions? options = null)
    {
        var request = ProtoConversions.ToRequest(content, style, options is null ? null : options with { RequestId = null });
        return FromBytes(Namespace, request.ToByteArray());
    }

    /// <summary>
    /// As <see cref="For"/>, for a video: the same video bytes, style and <see cref="StylizeVideoOptions"/> (its own
    /// <see cref="StylizeVideoOptions.RequestId"/> left out) give the same ID.
    /// </summary>
    public static string ForVideo(ReadOnlyMemory<byte> video, StyleSpec style, StylizeVideoOptions? options = null)
    {
        var request = VideoProtoConversions.ToRequest(video, style, options is null ? null : options with { RequestId = null });
        return FromBytes(VideoNamespace, request.ToByteArray());
    }

    private static string FromBytes(byte[] space, byte[] request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(space);
        hash.AppendData(request);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        var bytes = digest[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // the RFC's variant
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}
