using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StyleGrpc.Server.Settings;
using StyleGrpc.Server.Storage;

namespace StyleGrpc.Server.Uploads;

/// <summary>
/// Uploads in the data directory (<c>Store=file</c>): <c>{data}/uploads/{id}/</c> holds <c>chunk-{index}.bin</c>, then
/// <c>upload.json</c> (the record) once the last piece is in; <c>expires</c> says until when an unfinished upload's chunks
/// are kept (each chunk moves it on). <see cref="VideoUploadRetention"/> deletes what has expired.
/// </summary>
public sealed class FileVideoUploadStore(IOptions<StyleGrpcServerOptions> options, TimeProvider time) : IVideoUploadStore
{
    private const string RecordFile = "upload.json";
    private const string ExpiresFile = "expires";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string root = Path.GetFullPath(Path.Combine(options.Value.DataDirectory, "uploads"));

    public async Task SaveChunkAsync(string id, int index, ReadOnlyMemory<byte> chunk, DateTimeOffset expireTime, CancellationToken cancellationToken)
    {
        var folder = Folder(id);
        try
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, ExpiresFile), expireTime.ToString("O", CultureInfo.InvariantCulture), cancellationToken)
                .ConfigureAwait(false);
            await using var file = new FileStream(Path.Combine(folder, ChunkFile(index)), FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await file.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (StorageFullException.IsDiskFull(ex))
        {
            throw new StorageFullException($"upload '{id}'", ex);
        }
    }

    public async Task CompleteAsync(VideoUploadRecord record, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder(record.Id), RecordFile);
        var temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(record, Json), cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    public async Task<VideoUploadRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder(id), RecordFile);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var record = JsonSerializer.Deserialize<VideoUploadRecord>(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), Json);
            return record is not null && record.ExpireTime > time.GetUtcNow() ? record : null;
        }
        catch (FileNotFoundException)
        {
            // Expired and deleted in between.
            return null;
        }
    }

    public async Task<byte[]?> ReadChunkAsync(string id, int index, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(Path.Combine(Folder(id), ChunkFile(index)), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            Directory.Delete(Folder(id), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        return Task.CompletedTask;
    }

    public async Task<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(root))
        {
            return 0;
        }
        var removed = 0;
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            var expires = await ExpiryAsync(folder, cancellationToken).ConfigureAwait(false);
            if (expires is null || expires <= now)
            {
                await DeleteAsync(Path.GetFileName(folder), cancellationToken).ConfigureAwait(false);
                removed++;
            }
        }
        return removed;
    }

    // When a folder's upload expires: its record's time, else (unfinished) the time its last chunk gave; a folder with neither
    // (its first chunk being written, or left so by a crash) a day after it was last written to.
    private static async Task<DateTimeOffset?> ExpiryAsync(string folder, CancellationToken cancellationToken)
    {
        try
        {
            var record = Path.Combine(folder, RecordFile);
            if (File.Exists(record))
            {
                return JsonSerializer.Deserialize<VideoUploadRecord>(await File.ReadAllBytesAsync(record, cancellationToken).ConfigureAwait(false), Json)?.ExpireTime;
            }
            var text = await File.ReadAllTextAsync(Path.Combine(folder, ExpiresFile), cancellationToken).ConfigureAwait(false);
            return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        }
        catch (FileNotFoundException)
        {
            return Directory.GetLastWriteTimeUtc(folder) + TimeSpan.FromDays(1);
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or JsonException or FormatException)
        {
            return null;
        }
    }

    private static string ChunkFile(int index) => $"chunk-{index:D6}.bin";

    private string Folder(string id) => UploadNames.Id(UploadNames.Of(id)) is not null
        ? Path.Combine(root, id)
        : throw new ArgumentException($"'{id}' is not an upload ID", nameof(id));
}
