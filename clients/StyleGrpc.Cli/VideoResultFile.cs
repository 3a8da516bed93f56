using StyleGrpc.Client;

namespace StyleGrpc.Cli;

/// <summary>Writes a finished video to a file: its bytes when the server sent them inline, else read from the server a chunk at a time.</summary>
internal static class VideoResultFile
{
    public static async Task SaveAsync(IStyleGrpcClient client, VideoCompleted video, string path, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }
        if (!video.Chunked)
        {
            await File.WriteAllBytesAsync(path, video.Video, cancellationToken);
            return;
        }
        // Written beside the target and moved over it once whole, so a cut-off download leaves no half file under the asked name.
        var partial = path + ".part";
        try
        {
            await using (var file = File.Create(partial))
            {
                await client.ReadVideoResultAsync(video.JobId, file, cancellationToken);
            }
            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
