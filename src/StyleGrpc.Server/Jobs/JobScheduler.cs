using Microsoft.Extensions.Options;
using StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Jobs;

/// <summary>
/// A bounded FIFO queue in front of a fixed number of job slots and a memory budget. <see cref="TryEnqueue"/>
/// admits a job or refuses at once when the queue is full; a ticket waits for its turn (a free slot and
/// room in the budget for its estimate), sees its position change, and frees its slot (or its place in
/// the queue) when disposed. <see cref="BeginDrain"/> stops admitting and refuses every queued job.
/// </summary>
public sealed class JobScheduler
{
    private readonly Lock gate = new();
    private readonly LinkedList<JobTicket> waiting = new();
    private readonly int capacity;
    private readonly int slots;
    private readonly long budget;
    private int running;
    private long runningBytes;
    private bool stopping;
    private readonly CancellationTokenSource stoppingSource = new();

    public JobScheduler(IOptions<StyleGrpcServerOptions> options, MemoryBudget memory)
    {
        capacity = options.Value.QueueCapacity;
        slots = options.Value.ConcurrentJobs;
        budget = memory.BudgetBytes;
    }

    /// <summary>Estimated bytes of the running jobs.</summary>
    public long RunningBytes
    {
        get
        {
            lock (gate)
            {
                return runningBytes;
            }
        }
    }

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

    /// <summary>
    /// Admits a job with an estimated peak of <paramref name="bytes"/>: it starts at once when a slot and room in
    /// the budget are free, else waits in the queue. Null when the queue is full.
    /// </summary>
    /// <exception cref="ServerStoppingException">The server is shutting down.</exception>
    public JobTicket? TryEnqueue(string jobId, long bytes = 0)
    {
        lock (gate)
        {
            if (stopping)
            {
                throw new ServerStoppingException();
            }
            var ticket = new JobTicket(this, jobId, bytes);
            if (waiting.Count == 0 && Fits(ticket))
            {
                running++;
                runningBytes += bytes;
                ticket.HoldsSlot = true;
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

    /// <summary>True once <see cref="BeginDrain"/> was called.</summary>
    public bool IsStopping
    {
        get
        {
            lock (gate)
            {
                return stopping;
            }
        }
    }

    /// <summary>Cancelled by <see cref="BeginDrain"/>: watches of jobs that do not run here end then.</summary>
    public CancellationToken Stopping => stoppingSource.Token;

    /// <summary>Stops admitting jobs and refuses every queued one at once; running jobs go on.</summary>
    public void BeginDrain()
    {
        List<JobTicket> queued;
        lock (gate)
        {
            stopping = true;
            queued = [.. waiting];
            waiting.Clear();
            foreach (var ticket in queued)
            {
                ticket.Node = null;
            }
        }
        stoppingSource.Cancel();
        foreach (var ticket in queued)
        {
            ticket.Abandon(new ServerStoppingException("the server is stopping; the job was not started; retry on another replica"));
        }
    }

    /// <summary>True when a job of <paramref name="bytes"/> would start here at once: nobody waits, a slot is free and it fits the budget.</summary>
    public bool WouldStartNow(long bytes)
    {
        lock (gate)
        {
            return waiting.Count == 0 && running < slots && (running == 0 || runningBytes + bytes <= budget);
        }
    }

    private bool Fits(JobTicket ticket) => running < slots && (running == 0 || runningBytes + ticket.Bytes <= budget);

    internal void Leave(JobTicket ticket)
    {
        List<(JobTicket Ticket, int Position)> moved = [];
        List<JobTicket> promoted = [];
        lock (gate)
        {
            if (ticket.Node is { } node)
            {
                waiting.Remove(node);
                ticket.Node = null;
            }
            else if (ticket.HoldsSlot)
            {
                ticket.HoldsSlot = false;
                running--;
                runningBytes -= ticket.Bytes;
            }
            while (waiting.First is { } first && !stopping && Fits(first.Value))
            {
                waiting.RemoveFirst();
                first.Value.Node = null;
                running++;
                runningBytes += first.Value.Bytes;
                first.Value.HoldsSlot = true;
                promoted.Add(first.Value);
            }
            var position = 1;
            foreach (var t in waiting)
            {
                moved.Add((t, position++));
            }
        }
        foreach (var t in promoted)
        {
            t.MarkStarted();
        }
        foreach (var (t, position) in moved)
        {
            t.SetPosition(position);
        }
    }
}
