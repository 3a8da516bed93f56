using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Observability;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Uploads;

/// <summary>
/// Videos sent in pieces (UploadVideo) for jobs that name them (<c>StylizeVideoRequest.video_upload</c>): received into
/// chunks of <see cref="ChunkBytes"/> as they come (the server never holds more than one chunk of an upload in the making),
/// bounded by <see cref="VideoOptions.MaxBytes"/>, kept for <see cref="VideoOptions.UploadRetentionSeconds"/>, and seen only
/// by the caller who sent them. A job reads its upload once, when it is submitted, into its own stored request, so it
/// does not depend on the upload after that.
/// </summary>
public sealed class VideoUploads(IVideoUploadStore store, IOptions<StyleGrpcServerOptions> options, TimeProvider time, ILogger<VideoUploads> logger)
{
    /// <summary>The size of a stored chunk: the last one of an upload may be shorter.</summary>
    public const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Stores the pieces of one upload, in order, and gives its record once the last is stored. Nothing is kept of an upload
    /// that fails or is abandoned.
    /// </summary>
    /// <exception cref="RequestFieldException"><c>data</c>: the upload is empty or passes the limit.</exception>
    /// <exception cref="StorageFullException">The store is full.</exception>
    public async Task<VideoUploadRecord> ReceiveAsync(IAsyncEnumerable<ReadOnlyMemory<byte>> pieces, string caller, CancellationToken cancellationToken)
    {
        var max = options.Value.Video.MaxBytes;
        var id = UploadNames.NewId();
        var retention = TimeSpan.FromSeconds(options.Value.Video.UploadRetentionSeconds);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkBytes];
        var (filled, chunks, size, completed) = (0, 0, 0L, false);
        try
        {
            await foreach (var piece in pieces.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                size += piece.Length;
                if (size > max)
                {
                    throw new RequestFieldException("data", $"the upload passes {size} bytes, above the limit of {max} (Limits.video.max_bytes)");
                }
                hash.AppendData(piece.Span);
                for (var rest = piece; !rest.IsEmpty;)
                {
                    var taken = Math.Min(rest.Length, ChunkBytes - filled);
                    rest[..taken].CopyTo(buffer.AsMemory(filled));
                    (filled, rest) = (filled + taken, rest[taken..]);
                    if (filled == ChunkBytes)
                    {
                        // Each chunk pushes the unfinished upload's expiry on: a slow upload is not cut off part way.
                        await store.SaveChunkAsync(id, chunks++, buffer, time.GetUtcNow() + retention, cancellationToken).ConfigureAwait(false);
                        filled = 0;
                    }
                }
            }
            if (size == 0)
            {
                throw new RequestFieldException("data", "is required: the upload carried no bytes");
            }
            if (filled > 0)
            {
                await store.SaveChunkAsync(id, chunks++, buffer.AsMemory(0, filled), time.GetUtcNow() + retention, cancellationToken).ConfigureAwait(false);
            }
            var created = time.GetUtcNow();
            var record = new VideoUploadRecord(id, caller, size, chunks, Convert.ToHexStringLower(hash.GetHashAndReset()), created, created + retention);
            await store.CompleteAsync(record, cancellationToken).ConfigureAwait(false);
            completed = true;
            ServerLog.VideoUploaded(logger, UploadNames.Of(id), size, chunks);
            return record;
        }
        finally
        {
            if (!completed)
            {
                await ForgetAsync(id).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The bytes of the caller's upload <paramref name="name"/>, for the request field <paramref name="field"/>.</summary>
    /// <exception cref="RequestFieldException">The name is not an upload name.</exception>
    /// <exception cref="UploadNotFoundException">No such upload of this caller (unknown, expired, another caller's).</exception>
    public async Task<ReadOnlyMemory<byte>> ReadAsync(string name, string caller, string field, CancellationToken cancellationToken)
    {
        var id = UploadNames.Id(name) ?? throw new RequestFieldException(field, $"'{name}' is not an upload name (uploads/{{id}}, as UploadVideo gives it)");
        var record = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Caller != caller || record.ExpireTime <= time.GetUtcNow())
        {
            throw new UploadNotFoundException(field, name);
        }
        // Limits.video.max_bytes is validated to at most 1 GiB: an array holds it.
        var bytes = new byte[record.SizeBytes];
        var offset = 0;
        for (var index = 0; index < record.Chunks; index++)
        {
            var chunk = await store.ReadChunkAsync(id, index, cancellationToken).ConfigureAwait(false)
                // Expired (and removed) while it was read.
                ?? throw new UploadNotFoundException(field, name);
            if (offset + chunk.Length > bytes.Length)
            {
                throw new InvalidDataException($"{name}: its chunks hold more than the {record.SizeBytes} bytes its record says");
            }
            chunk.CopyTo(bytes, offset);
            offset += chunk.Length;
        }
        return offset == bytes.Length
            ? bytes
            : throw new InvalidDataException($"{name}: its chunks hold {offset} of the {record.SizeBytes} bytes its record says");
    }

    // Deletes what was stored of an upload that did not finish; a store that fails now leaves it to expire.
    private async Task ForgetAsync(string id)
    {
        try
        {
            await store.DeleteAsync(id, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or StoreUnavailableException)
        {
            ServerLog.UploadNotDeleted(logger, UploadNames.Of(id), ex);
        }
    }
}
