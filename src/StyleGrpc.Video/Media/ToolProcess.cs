using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace StyleGrpc.Video.Media;

/// <summary>
/// One running ffmpeg/ffprobe process: its pipes, a watchdog that kills the whole process tree when the time limit is
/// used up, a kill on cancellation, and the tail of its standard error.
/// </summary>
/// <remarks>
/// The time limit counts the tool's running time while we wait on it. A streaming caller (the decoder handing frames to
/// a slow consumer, the encoder waiting for the next stylised frame) stops the clock with <see cref="PauseClock"/>
/// while it holds the tool idle, so a job that takes an hour between frames is not killed for it. Not thread-safe: one
/// reader or writer at a time, as with the pipes themselves.
/// </remarks>
internal sealed class ToolProcess : IAsyncDisposable
{
    private static readonly TimeSpan WatchdogTick = TimeSpan.FromMilliseconds(200);

    private readonly Process process;
    private readonly TimeSpan timeLimit;
    private readonly Stopwatch clock = new();
    private readonly Lock clockLock = new();
    private readonly StringBuilder stderrTail = new();
    private readonly Task stderrPump;
    private readonly CancellationTokenSource watchdogStop = new();
    private readonly Task watchdog;
    private readonly CancellationToken cancellationToken;
    private readonly CancellationTokenRegistration cancellationRegistration;
    private volatile bool timedOut;
    private bool exited;

    private ToolProcess(Process process, string tool, TimeSpan timeLimit, CancellationToken cancellationToken)
    {
        this.process = process;
        Tool = tool;
        this.timeLimit = timeLimit;
        this.cancellationToken = cancellationToken;
        clock.Start();
        stderrPump = Task.Run(PumpStandardErrorAsync, CancellationToken.None);
        watchdog = Task.Run(WatchAsync, CancellationToken.None);
        cancellationRegistration = cancellationToken.Register(static state => ((ToolProcess)state!).Kill(), this);
    }

    /// <summary>The tool's name, for messages.</summary>
    public string Tool { get; }

    /// <summary>The tool's standard input (only when started with <c>pipeInput</c>).</summary>
    public Stream Input => process.StandardInput.BaseStream;

    /// <summary>The tool's standard output.</summary>
    public Stream Output => process.StandardOutput.BaseStream;

    /// <summary>Starts <paramref name="path"/> with <paramref name="arguments"/> (no shell, nothing quoted).</summary>
    public static ToolProcess Start(string tool, string path, IEnumerable<string> arguments, bool pipeInput, TimeSpan timeLimit,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var info = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            // Always redirected: a tool that reads no input must not inherit ours.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["AV_LOG_FORCE_NOCOLOR"] = "1";
        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new VideoToolException(tool, $"could not be started from '{path}' (is it installed and on PATH?)", "", e);
        }
        if (!pipeInput)
        {
            process.StandardInput.Close();
        }
        return new ToolProcess(process, tool, timeLimit, cancellationToken);
    }

    /// <summary>Stops the time-limit clock while the caller, not the tool, is the one working.</summary>
    public void PauseClock()
    {
        lock (clockLock)
        {
            clock.Stop();
        }
    }

    /// <summary>Restarts the time-limit clock.</summary>
    public void ResumeClock()
    {
        lock (clockLock)
        {
            clock.Start();
        }
    }

    /// <summary>The last few kilobytes of standard error.</summary>
    public string StandardErrorTail
    {
        get
        {
            lock (stderrTail)
            {
                return stderrTail.ToString();
            }
        }
    }

    /// <summary>Closes standard input (the tool sees end of input).</summary>
    public void CloseInput() => process.StandardInput.Close();

    /// <summary>
    /// Waits for the tool to exit and throws when it did not succeed: <see cref="VideoToolTimeoutException"/> after its
    /// time limit, <see cref="OperationCanceledException"/> when cancelled, <see cref="VideoToolException"/> for a
    /// non-zero exit code.
    /// </summary>
    public async Task WaitForSuccessAsync(CancellationToken cancellationToken)
    {
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
        await FinishAsync().ConfigureAwait(false);
        ThrowIfStopped();
        if (process.ExitCode != 0)
        {
            throw new VideoToolException(Tool, $"exited with code {process.ExitCode}", StandardErrorTail);
        }
    }

    /// <summary>
    /// Throws <see cref="VideoToolTimeoutException"/> or <see cref="OperationCanceledException"/> when the tool was
    /// killed by its watchdog or by cancellation: call it when a pipe broke, to report why.
    /// </summary>
    public void ThrowIfStopped()
    {
        if (timedOut)
        {
            throw new VideoToolTimeoutException(Tool, timeLimit, StandardErrorTail);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Waits for the tool to end (it has closed its output or been killed) and gives its exit code.</summary>
    public async Task<int> WaitForExitCodeAsync(CancellationToken cancellationToken)
    {
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await FinishAsync().ConfigureAwait(false);
        return process.ExitCode;
    }

    /// <summary>Kills the whole process tree if it still runs. Never throws.</summary>
    public void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Exited meanwhile: nothing left to kill.
        }
    }

    /// <summary>Kills the tool if it still runs and releases the process.</summary>
    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A process that outlives SIGKILL for 10 s is beyond our help; release our side anyway.
        }
        await FinishAsync().ConfigureAwait(false);
        process.Dispose();
        watchdogStop.Dispose();
    }

    private async Task FinishAsync()
    {
        if (exited)
        {
            return;
        }
        exited = true;
        await cancellationRegistration.DisposeAsync().ConfigureAwait(false);
        await watchdogStop.CancelAsync().ConfigureAwait(false);
        await watchdog.ConfigureAwait(false);
        await stderrPump.ConfigureAwait(false);
    }

    private async Task WatchAsync()
    {
        try
        {
            while (true)
            {
                TimeSpan remaining;
                bool running;
                lock (clockLock)
                {
                    remaining = timeLimit - clock.Elapsed;
                    running = clock.IsRunning;
                }
                if (remaining <= TimeSpan.Zero)
                {
                    timedOut = true;
                    Kill();
                    return;
                }
                var wait = running && remaining < WatchdogTick ? remaining : WatchdogTick;
                await Task.Delay(wait, watchdogStop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The tool ended.
        }
    }

    private async Task PumpStandardErrorAsync()
    {
        var buffer = new char[1024];
        try
        {
            int read;
            while ((read = await process.StandardError.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (stderrTail)
                {
                    stderrTail.Append(buffer, 0, read);
                    if (stderrTail.Length > FfmpegTool.StandardErrorTailChars)
                    {
                        stderrTail.Remove(0, stderrTail.Length - FfmpegTool.StandardErrorTailChars);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process was killed; what was read so far is kept.
        }
    }
}
