namespace StyleGrpc.Server.Operations;

/// <summary>
/// Jobs' large payloads in a folder every replica shares (<c>StyleGrpc:BlobDirectory</c>): <c>jobs/{id}/{name}-{unique}.bin</c>,
/// each written whole under a new name (a temporary file renamed), never changed afterwards, and named in Redis by a
/// reference (<see cref="Prefix"/> and the file's path under the folder). A reader sees an old file or a new one, never half of one.
/// </summary>
public sealed class JobBlobFolder(string root)
{
    /// <summary>What a Redis value holds in place of the bytes it refers to.</summary>
    public const string Prefix = "blob:";

    private readonly string root = Path.GetFullPath(root);

    /// <summary>Writes the bytes as a new file of the job and answers its reference.</summary>
    public async Task<string> WriteAsync(string jobId, string name, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var relative = Path.Combine("jobs", jobId, $"{name}-{Guid.NewGuid():N}.bin");
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path);
        return Prefix + relative.Replace('\\', '/');
    }

    /// <summary>True when a stored value is a reference to a file here.</summary>
    public static bool IsReference(ReadOnlySpan<byte> value) => value.StartsWith("blob:"u8);

    /// <summary>The bytes a reference names; null when the file is gone (the job ended or was deleted meanwhile).</summary>
    public async Task<byte[]?> ReadAsync(string reference, CancellationToken cancellationToken)
    {
        var path = PathOf(reference);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Deletes the file a reference names, if it is still there.</summary>
    public void Delete(string reference) => File.Delete(PathOf(reference));

    /// <summary>Deletes every payload of the job.</summary>
    public void DeleteJob(string jobId)
    {
        var folder = Path.Combine(root, "jobs", jobId);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // A reference names a file under the root, nothing else.
    private string PathOf(string reference)
    {
        var relative = reference.StartsWith(Prefix, StringComparison.Ordinal) ? reference[Prefix.Length..] : reference;
        var path = Path.GetFullPath(Path.Combine(root, relative));
        return path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new InvalidDataException($"'{reference}' is not a job payload under the blob directory");
    }
}
