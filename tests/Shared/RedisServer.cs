using System.Diagnostics;
using System.Net.Sockets;

namespace StyleGrpc.Tests.Shared;

/// <summary>
/// A private, real <c>redis-server</c> on a loopback port (no persistence, no config file), started and stopped by the
/// test; it can be stopped and started again on the same port to play an outage. Needs Debian's <c>redis-server</c>
/// (installed by <c>.ci/run</c>); without it the test fails saying so.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly string directory = TestData.NewTempDirectory();
    private Process? process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static RedisServer Start()
    {
        var server = new RedisServer(ServerProcess.FreePort());
        server.StartAgain();
        return server;
    }

    /// <summary>Starts it (again) on the same port and waits until it accepts connections.</summary>
    public void StartAgain()
    {
        try
        {
            process = Process.Start(new ProcessStartInfo("redis-server",
                ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory])
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
