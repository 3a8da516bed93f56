using System.Runtime.CompilerServices;
using Google.Protobuf;
using StyleGrpc.Protos.V1;
using StyleGrpc.Server.Operations;

namespace StyleGrpc.Server.Videos;

/// <summary>
/// A finished video read piece by piece (ReadVideoResult): from the job store's chunks when the result was too large to go
/// inline (<see cref="Settings.VideoOptions.InlineResultBytes"/>), else from the result's own bytes; one chunk in memory at a time.
/// </summary>
public static class VideoResultChunks
{
    /// <summary>The size of a stored chunk and of every message ReadVideoResult sends (the last may be shorter): 1 MiB.</summary>
    public const int ChunkBytes = 1 << 20;

    /// <summary>The video of <paramref name="result"/> (job <paramref name="id"/>'s), in order.</summary>
    /// <exception cref="InvalidDataException">A chunk is missing from the store or the chunks do not add up to the result's size.</exception>
    public static async IAsyncEnumerable<VideoChunk> ReadAsync(IJobStore store, string id, VideoResult result,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(result);
        var total = result.Chunked ? result.VideoSize : result.Video.Length;
        long offset = 0;
        for (var index = 0; offset < total; index++)
        {
            ByteString data;
            if (result.Chunked)
            {
                var chunk = await store.ReadVideoResultChunkAsync(id, index, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"chunk {index} of job {id}'s video is not in the job store");
                data = UnsafeByteOperations.UnsafeWrap(chunk);
            }
            else
            {
                data = UnsafeByteOperations.UnsafeWrap(result.Video.Memory.Slice((int)offset, (int)Math.Min(ChunkBytes, total - offset)));
            }
            if (data.Length == 0 || offset + data.Length > total)
            {
                throw new InvalidDataException($"the stored chunks of job {id}'s video do not add up to its {total} bytes");
            }
            yield return new VideoChunk { Data = data, Offset = offset, TotalSize = total };
            offset += data.Length;
        }
    }
}
