using Microsoft.Extensions.Options;
using StyleGrpc.Server.Hosting;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// A bounded FIFO queue in front of a fixed number of job slots. <see cref="TryEnqueue"/> admits a
/// job or refuses at once when the queue is full; a ticket waits for its turn, sees its position
/// change, and frees its slot (or its place in the queue) when disposed. On shutdown the scheduler
/// stops admitting, gives running jobs <see cref="StyleGrpcServerOptions.DrainTimeoutSeconds"/>, then
/// cancels them through <see cref="ShutdownToken"/>.
/// </summary>
public sealed class JobScheduler : IDisposable
{
    private readonly Lock gate = new();
    private readonly LinkedList<JobTicket> waiting = new();
    private readonly int capacity;
    private readonly int slots;
    private readonly CancellationTokenSource shutdown = new();
    private int running;
    private bool stopping;

    public JobScheduler(IOptions<StyleGrpcServerOptions> options)
    {
        capacity = Math.Max(0, options.Value.QueueCapacity);
        slots = Math.Max(1, options.Value.ConcurrentJobs);
    }

    /// <summary>Cancelled when the drain timeout after shutdown has passed.</summary>
    public CancellationToken ShutdownToken => shutdown.Token;

    public int Running
    {
        get
        {
            lock (gate)
            {
                return running;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return waiting.Count;
            }
        }
    }

    /// <summary>Admits a job: it starts at once when a slot is free, else waits in the queue. Null when the queue is full.</summary>
    /// <exception cref="ServerStoppingException">The server is shutting down.</exception>
    public JobTicket? TryEnqueue(string jobId)
    {
        lock (gate)
        {
            if (stopping)
            {
                throw new ServerStoppingException();
            }
            var ticket = new JobTicket(this, jobId);
            if (running < slots && waiting.Count == 0)
            {
                running++;
                ticket.MarkStarted();
                return ticket;
            }
            if (waiting.Count >= capacity)
            {
                return null;
            }
            ticket.Node = waiting.AddLast(ticket);
            ticket.SetPosition(waiting.Count);
            return ticket;
        }
    }

    /// <summary>Stops admitting jobs, waits up to <paramref name="drain"/> for running ones, then cancels the rest.</summary>
    public async Task StopAsync(TimeSpan drain, CancellationToken cancellationToken)
    {
        List<JobTicket> queued;
        lock (gate)
        {
            stopping = true;
            queued = [.. waiting];
        }
        foreach (var ticket in queued)
        {
            ticket.Abandon(new ServerStoppingException());
        }
        var deadline = DateTime.UtcNow + drain;
        while (Running > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }
        await shutdown.CancelAsync().ConfigureAwait(false);
    }

    internal void Leave(JobTicket ticket)
    {
        List<(JobTicket Ticket, int Position)> moved = [];
        JobTicket? promoted = null;
        lock (gate)
        {
            if (ticket.Node is { } node)
            {
                waiting.Remove(node);
                ticket.Node = null;
            }
            else if (ticket.HasStarted)
            {
                running--;
            }
            if (running < slots && waiting.First is { } first && !stopping)
            {
                waiting.RemoveFirst();
                first.Value.Node = null;
                running++;
                promoted = first.Value;
            }
            var position = 1;
            foreach (var t in waiting)
            {
                moved.Add((t, position++));
            }
        }
        promoted?.MarkStarted();
        foreach (var (t, position) in moved)
        {
            t.SetPosition(position);
        }
    }

    public void Dispose() => shutdown.Dispose();
}

/// <summary>The server is shutting down and takes no new jobs.</summary>
public sealed class ServerStoppingException() : Exception("the server is shutting down");
