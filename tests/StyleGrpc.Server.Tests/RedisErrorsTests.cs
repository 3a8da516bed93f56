extern alias server;

using Microsoft.Extensions.Options;
using server::StyleGrpc.Server.Settings;
using server::StyleGrpc.Server.Storage;
using server::StyleGrpc.Server.Uploads;
using StackExchange.Redis;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// A real Redis of the test's own at its limits: full (maxmemory, no eviction) and gone (the process killed). Every store on
/// the connection answers with the service's own errors (RedisConnection.CallAsync), which the gRPC layer maps to
/// RESOURCE_EXHAUSTED and UNAVAILABLE, not an internal error.
/// </summary>
public sealed class RedisErrorsTests : IDisposable
{
    private readonly RedisServer redis = RedisServer.StartPrivate();

    public void Dispose() => redis.Dispose();

    [Fact]
    public async Task AFullRedis_IsStorageFull_AndAGoneOne_IsUnavailable_NamingTheStore()
    {
        using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true"))
        {
            var settings = admin.GetServer(admin.GetEndPoints()[0]);
            var used = long.Parse((await settings.InfoAsync("memory")).SelectMany(g => g).First(p => p.Key == "used_memory").Value,
                System.Globalization.CultureInfo.InvariantCulture);
            await settings.ConfigSetAsync("maxmemory-policy", "noeviction");
            // Room for a few 1 MiB chunks (a queued command and the query buffer count as well while it runs).
            await settings.ConfigSetAsync("maxmemory", (used + (6L << 20)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var connection = new RedisConnection(Options.Create(new StyleGrpcServerOptions { Redis = redis.Configuration, RedisKeyPrefix = "full:" }));
        var uploads = new RedisVideoUploadStore(connection);
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        var id = UploadNames.NewId();

        // Chunks of 1 MiB until Redis refuses one: the refusal is StorageFull, naming the upload and the limit.
        var saved = 0;
        var full = await Assert.ThrowsAsync<StorageFullException>(async () =>
        {
            for (; saved < 16; saved++)
            {
                await uploads.SaveChunkAsync(id, saved, new byte[1 << 20], expires, CancellationToken.None);
            }
        });
        Assert.InRange(saved, 1, 6);
        Assert.Contains($"upload '{id}'", full.Message, StringComparison.Ordinal);
        Assert.Contains("maxmemory", full.Message, StringComparison.Ordinal);
        Assert.Contains("upload store", full.Message, StringComparison.Ordinal);
        // What was stored before is still read back whole.
        Assert.Equal(1 << 20, (await uploads.ReadChunkAsync(id, 0, CancellationToken.None))!.Length);

        redis.Stop();
        var gone = await Assert.ThrowsAsync<StoreUnavailableException>(() => uploads.ReadChunkAsync(id, 0, CancellationToken.None));
        Assert.Contains("upload store", gone.Message, StringComparison.Ordinal);
        Assert.Contains(connection.Description, gone.Message, StringComparison.Ordinal);
    }
}
