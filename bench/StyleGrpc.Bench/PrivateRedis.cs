using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace StyleGrpc.Bench;

/// <summary>A redis-server of the bench's own on a free loopback port, without persistence; killed and its folder removed on dispose.</summary>
internal sealed class PrivateRedis : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;

    private PrivateRedis(Process process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts one and waits until it answers; <paramref name="admin"/> is a connection allowed INFO.</summary>
    public static async Task<(PrivateRedis Redis, ConnectionMultiplexer Admin)> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("stylegrpc-bench-redis").FullName;
        var port = FreePort();
        var process = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server)");
        var redis = new PrivateRedis(process, directory, port);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (redis, await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},allowAdmin=true"));
            }
            catch (RedisConnectionException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A free loopback port.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One figure of INFO (<paramref name="section"/>, <paramref name="key"/>), e.g. stats / total_commands_processed.</summary>
    public static async Task<long> StatAsync(IServer server, string section, string key) =>
        long.Parse((await server.InfoAsync(section)).SelectMany(g => g).First(p => p.Key == key).Value, CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
