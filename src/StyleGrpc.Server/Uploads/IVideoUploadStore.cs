namespace StyleGrpc.Server.Uploads;

/// <summary>
/// Where uploads (UploadVideo) are kept until they expire: the data directory (<see cref="FileVideoUploadStore"/>) or Redis
/// (<see cref="RedisVideoUploadStore"/>), as the jobs are. An upload's chunks are written first and its record last, so an
/// upload is visible only whole; chunks of an upload that never got its record expire with it.
/// </summary>
public interface IVideoUploadStore
{
    /// <summary>Stores chunk <paramref name="index"/> of an upload being received, kept until <paramref name="expireTime"/> at most.</summary>
    Task SaveChunkAsync(string id, int index, ReadOnlyMemory<byte> chunk, DateTimeOffset expireTime, CancellationToken cancellationToken);

    /// <summary>Makes the upload visible: its record, kept (with its chunks) until <see cref="VideoUploadRecord.ExpireTime"/>.</summary>
    Task CompleteAsync(VideoUploadRecord record, CancellationToken cancellationToken);

    /// <summary>The upload's record; null when it is unknown, unfinished or expired.</summary>
    Task<VideoUploadRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Chunk <paramref name="index"/> of the upload; null when it is gone.</summary>
    Task<byte[]?> ReadChunkAsync(string id, int index, CancellationToken cancellationToken);

    /// <summary>Deletes the upload (record and chunks); a no-op when it is gone.</summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Deletes what has expired by <paramref name="now"/> and gives how many uploads went (0 where the store expires keys itself).</summary>
    Task<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
