namespace StyleGrpc.Server.Styles;

/// <summary>The data directory's filesystem is full (or over quota); nothing was left behind.</summary>
public sealed class StorageFullException(string operation, Exception inner)
    : Exception($"data directory full: {operation} could not be stored; free space or move StyleGrpc:DataDirectory", inner)
{
    /// <summary>True when <paramref name="ex"/> is the filesystem saying it has no room (ENOSPC, EDQUOT) or a file is too large (EFBIG).</summary>
    public static bool IsDiskFull(Exception ex) => ex is IOException io && (io.HResult & 0xFFFF) is 28 or 122 or 27 || ex.InnerException is { } inner && IsDiskFull(inner);
}
