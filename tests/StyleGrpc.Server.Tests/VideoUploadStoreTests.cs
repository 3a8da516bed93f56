extern alias server;

using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using server::StyleGrpc.Server.Settings;
using server::StyleGrpc.Server.Storage;
using server::StyleGrpc.Server.Uploads;
using StackExchange.Redis;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// Both upload stores for real (the data directory, a Redis server): an upload is seen only once its record is written, is
/// read back chunk by chunk, and is gone after its expiry: swept from the folder, expired by Redis itself.
/// </summary>
public sealed class VideoUploadStoreTests : IDisposable
{
    private readonly RedisServer redis = RedisServer.Shared();
    // Now, to the second: Redis keeps its expiries on its own clock.
    private readonly FakeTimeProvider time = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    private DateTimeOffset Start => time.Start;

    public void Dispose() => redis.Dispose();

    public static TheoryData<string> Stores => ["file", "redis"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AnUpload_IsSeenOnlyWhole_ReadBackByChunk_AndDeleted(string kind)
    {
        var (store, dispose) = Create(kind);
        using var _ = dispose;
        var id = UploadNames.NewId();
        var expires = Start.AddHours(1);
        await store.SaveChunkAsync(id, 0, new byte[] { 1, 2, 3 }, expires, CancellationToken.None);
        await store.SaveChunkAsync(id, 1, new byte[] { 4 }, expires, CancellationToken.None);

        Assert.Null(await store.GetAsync(id, CancellationToken.None));
        var record = new VideoUploadRecord(id, "caller", 4, 2, "ab", Start, expires);
        await store.CompleteAsync(record, CancellationToken.None);

        Assert.Equal(record, await store.GetAsync(id, CancellationToken.None));
        Assert.Equal([1, 2, 3], await store.ReadChunkAsync(id, 0, CancellationToken.None));
        Assert.Equal([4], await store.ReadChunkAsync(id, 1, CancellationToken.None));
        Assert.Null(await store.ReadChunkAsync(id, 2, CancellationToken.None));
        await store.DeleteAsync(id, CancellationToken.None);
        Assert.Null(await store.GetAsync(id, CancellationToken.None));
        Assert.Null(await store.ReadChunkAsync(id, 0, CancellationToken.None));
    }

    [Fact]
    public async Task File_ExpiredUploads_FinishedOrNot_AreSweptAndTheOthersKept()
    {
        var data = TestData.NewTempDirectory();
        var store = new FileVideoUploadStore(Options.Create(new StyleGrpcServerOptions { DataDirectory = data }), time);
        var (old, unfinished, fresh) = (UploadNames.NewId(), UploadNames.NewId(), UploadNames.NewId());
        // A folder whose first chunk is being written has neither its expiry nor its record yet: the sweep leaves it.
        var starting = Directory.CreateDirectory(Path.Combine(data, "uploads", UploadNames.NewId()));
        await store.SaveChunkAsync(old, 0, new byte[] { 1 }, Start.AddMinutes(10), CancellationToken.None);
        await store.CompleteAsync(new VideoUploadRecord(old, "c", 1, 1, "x", Start, Start.AddMinutes(10)), CancellationToken.None);
        await store.SaveChunkAsync(unfinished, 0, new byte[] { 1 }, Start.AddMinutes(10), CancellationToken.None);
        await store.SaveChunkAsync(fresh, 0, new byte[] { 1 }, Start.AddHours(2), CancellationToken.None);
        await store.CompleteAsync(new VideoUploadRecord(fresh, "c", 1, 1, "x", Start, Start.AddHours(2)), CancellationToken.None);

        Assert.Equal(0, await store.RemoveExpiredAsync(Start.AddMinutes(5), CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(11));
        // Past its expiry an upload is not given even before the sweep.
        Assert.Null(await store.GetAsync(old, CancellationToken.None));
        Assert.Equal(2, await store.RemoveExpiredAsync(time.GetUtcNow(), CancellationToken.None));
        Assert.Null(await store.ReadChunkAsync(unfinished, 0, CancellationToken.None));
        Assert.NotNull(await store.GetAsync(fresh, CancellationToken.None));
        Assert.True(Directory.Exists(starting.FullName));
    }

    [Fact]
    public async Task Redis_BothKeysCarryTheUploadsExpiry_FinishedOrNot()
    {
        var prefix = "uploads-" + Guid.NewGuid().ToString("N")[..8] + ":";
        using var connection = new RedisConnection(Options.Create(new StyleGrpcServerOptions { Redis = redis.Configuration, RedisKeyPrefix = prefix }));
        var store = new RedisVideoUploadStore(connection);
        var id = UploadNames.NewId();
        var expires = DateTimeOffset.UtcNow.AddSeconds(90);
        await store.SaveChunkAsync(id, 0, new byte[] { 1 }, expires, CancellationToken.None);
        var unfinishedTtl = await connection.Db.KeyTimeToLiveAsync(prefix + "upload:" + id + ":data");
        await store.CompleteAsync(new VideoUploadRecord(id, "c", 1, 1, "x", DateTimeOffset.UtcNow, expires), CancellationToken.None);

        Assert.InRange(unfinishedTtl!.Value.TotalSeconds, 80, 90);
        Assert.InRange((await connection.Db.KeyTimeToLiveAsync(prefix + "upload:" + id))!.Value.TotalSeconds, 80, 90);
        Assert.InRange((await connection.Db.KeyTimeToLiveAsync(prefix + "upload:" + id + ":data"))!.Value.TotalSeconds, 80, 90);
        // Redis expires them itself: nothing to sweep.
        Assert.Equal(0, await store.RemoveExpiredAsync(expires.AddDays(1), CancellationToken.None));
        // An expiry in the past: Redis deletes the keys at once, as it does when their time comes.
        await connection.Db.KeyExpireAsync(prefix + "upload:" + id, DateTime.UtcNow.AddSeconds(-1));
        await connection.Db.KeyExpireAsync(prefix + "upload:" + id + ":data", DateTime.UtcNow.AddSeconds(-1));
        Assert.Null(await store.GetAsync(id, CancellationToken.None));
        Assert.Null(await store.ReadChunkAsync(id, 0, CancellationToken.None));
    }

    private (IVideoUploadStore Store, IDisposable? Dispose) Create(string kind)
    {
        if (kind == "file")
        {
            return (new FileVideoUploadStore(Options.Create(new StyleGrpcServerOptions { DataDirectory = TestData.NewTempDirectory() }), time), null);
        }
        var connection = new RedisConnection(Options.Create(new StyleGrpcServerOptions
        {
            Redis = redis.Configuration,
            RedisKeyPrefix = "uploads-" + Guid.NewGuid().ToString("N")[..8] + ":",
        }));
        return (new RedisVideoUploadStore(connection), connection);
    }
}
