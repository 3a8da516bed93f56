using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Grpc.Net.Client;

namespace StyleGrpc.Tests.Shared;

/// <summary>
/// The real server as its own process (the built <c>StyleGrpc.Server.dll</c> under <c>dotnet</c>), configured by
/// environment variables like an operator would, with the small reference VGG19. For what only a process shows:
/// signals, exit codes, start-up refusals.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();

    private ServerProcess(Process process, string address, string metricsAddress, string httpAddress)
    {
        HttpAddress = httpAddress;
        this.process = process;
        Address = address;
        MetricsAddress = metricsAddress;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
    }

    public string Address { get; }

    /// <summary>The plain-HTTP address of its web page and JSON API.</summary>
    public string HttpAddress { get; }

    /// <summary>The plain-HTTP address of its Prometheus endpoint (<c>/metrics</c>).</summary>
    public string MetricsAddress { get; }

    public GrpcChannel Channel { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Everything the process wrote to stdout and stderr so far, in order.</summary>
    public IReadOnlyList<string> Output => [.. output];

    /// <summary>Starts the server on a free loopback port; <paramref name="settings"/> are configuration keys (<c>StyleGrpc:X</c>).</summary>
    public static ServerProcess Start(IDictionary<string, string?>? settings = null, string? dataDirectory = null, string? url = null)
    {
        dataDirectory ??= TestData.NewTempDirectory();
        var address = url ?? $"http://127.0.0.1:{FreePort()}";
        var metricsAddress = $"http://127.0.0.1:{FreePort()}";
        var httpAddress = $"http://127.0.0.1:{FreePort()}";
        var server = Path.Combine(TestData.RepositoryRoot, "src", "StyleGrpc.Server", "bin", BuildConfiguration, "net10.0", "StyleGrpc.Server.dll");
        var start = new ProcessStartInfo("dotnet", [server])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
            UseShellExecute = false,
        };
        var config = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = address,
            ["StyleGrpc:Vgg19WeightsPath"] = TestData.Reference("vgg19-seed0-conv1_1-conv3_1.pth"),
            ["StyleGrpc:Vgg19DeepestLayer"] = "conv3_1",
            ["StyleGrpc:DataDirectory"] = Path.Combine(dataDirectory, "data"),
            ["StyleGrpc:Device"] = "cpu",
            ["StyleGrpc:MaxSide"] = "256",
            ["StyleGrpc:Metrics:Url"] = metricsAddress,
            ["StyleGrpc:Http:Url"] = httpAddress,
            ["Logging:Console:FormatterName"] = "simple",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }
        foreach (var (key, value) in config)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var result = new ServerProcess(process, address, metricsAddress, httpAddress);
        process.OutputDataReceived += (_, e) => result.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => result.Collect(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Sends a POSIX signal (e.g. 15 = SIGTERM) to the process.</summary>
    public void Signal(int signal)
    {
        if (Kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public Task WaitForExitAsync(TimeSpan timeout) => process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>The value of a metric from its <c>/metrics</c>: summed over its label sets, or over those containing <paramref name="label"/> (e.g. <c>outcome="completed"</c>).</summary>
    public async Task<double> MetricAsync(string name, string? label = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync(MetricsAddress + "/metrics");
        return text.Split('\n')
            .Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            .Where(l => label is null || l.Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Index of the first output line containing <paramref name="text"/>, or -1.</summary>
    public int LineOf(string text) => Output.ToList().FindIndex(l => l.Contains(text, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            output.Enqueue(line);
        }
    }

    private static readonly Lock PortGate = new();
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A free loopback port for a server a test starts. Taken below the kernel's ephemeral range (32768 and up), so no
    /// outgoing connection or port-0 listener can take it between this check and the server's own bind (a port-0 pick could
    /// be, and a run failed on "address already in use"), and never the same port twice in one test process.
    /// </summary>
    public static int FreePort()
    {
        lock (PortGate)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(20000, 32000);
                if (!HandedOut.Add(port))
                {
                    continue;
                }
                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // In use: another one.
                }
            }
        }
        throw new InvalidOperationException("no free loopback port between 20000 and 31999");
    }

    private static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
