namespace StyleGrpc.Server.Storage;

/// <summary>The style store is full (a full disk or quota under the data directory, Redis at maxmemory); nothing was left behind.</summary>
public sealed class StorageFullException(string operation, Exception inner, string? cause = null)
    : Exception(cause is null
        ? $"data directory full: {operation} could not be stored; free space or move StyleGrpc:DataDirectory"
        : $"{cause}: {operation} could not be stored", inner)
{
    /// <summary>True when <paramref name="ex"/> is the filesystem saying it has no room (ENOSPC, EDQUOT) or a file is too large (EFBIG).</summary>
    public static bool IsDiskFull(Exception ex) => ex is IOException io && (io.HResult & 0xFFFF) is 28 or 122 or 27 || ex.InnerException is { } inner && IsDiskFull(inner);
}
