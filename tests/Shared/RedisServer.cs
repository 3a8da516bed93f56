using System.Diagnostics;
using System.Net.Sockets;

namespace StyleGrpc.Tests.Shared;

/// <summary>
/// A real <c>redis-server</c> on loopback (no persistence, no config file). <see cref="Shared"/> is the one <c>.ci/run</c>
/// started for the whole run (<c>STYLEGRPC_TEST_REDIS</c>), else a private one; <see cref="StartPrivate"/> is always the
/// test's own, which it can stop and start again on the same port to play an outage. Needs Debian's <c>redis-server</c>
/// (installed by <c>.ci/run</c>); without it the test fails saying so. Tests sharing a Redis use their own key prefix.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly string directory = TestData.NewTempDirectory();
    private readonly string? shared;
    private Process? process;
    private bool appendOnly;

    private RedisServer(int port, string? shared = null)
    {
        Port = port;
        this.shared = shared;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Configuration => shared ?? $"127.0.0.1:{Port}";

    /// <summary>The run's Redis when <c>.ci/run</c> started one, else a private one.</summary>
    public static RedisServer Shared() =>
        Environment.GetEnvironmentVariable("STYLEGRPC_TEST_REDIS") is { Length: > 0 } address ? new RedisServer(0, address) : StartPrivate();

    /// <summary>A Redis of the test's own, on a free port; <paramref name="appendOnly"/> keeps an AOF in its folder, as production does.</summary>
    public static RedisServer StartPrivate(bool appendOnly = false)
    {
        var server = new RedisServer(ServerProcess.FreePort()) { appendOnly = appendOnly };
        server.StartAgain();
        return server;
    }

    /// <summary>Starts it (again) on the same port and waits until it accepts connections.</summary>
    public void StartAgain()
    {
        if (shared is not null)
        {
            throw new InvalidOperationException("the run's shared Redis is not stopped or started by a test; use StartPrivate");
        }
        try
        {
            process = Process.Start(new ProcessStartInfo("redis-server",
                ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--dir", directory])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed (apt-get install -y redis-server; .ci/run does it)", ex);
        }
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not accept connections on port {Port}");
    }

    /// <summary>Kills it (an outage: nothing is saved).</summary>
    public void Stop()
    {
        if (shared is not null)
        {
            return;
        }
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit();
        }
        process?.Dispose();
        process = null;
    }

    public void Dispose() => Stop();
}
