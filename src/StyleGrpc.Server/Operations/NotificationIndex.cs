namespace StyleGrpc.Server.Operations;

/// <summary>
/// The file store's in-memory schedule of due webhooks, by due time: rebuilt from the records at start (like
/// <see cref="JobIndex"/>), so finding due deliveries reads no other job. Thread-safe.
/// </summary>
public sealed class NotificationIndex
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, long> dueOf = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Ticks, string Id)> schedule = new();

    /// <summary>Makes the job due at <paramref name="due"/>, or never (null).</summary>
    public void Set(string id, DateTimeOffset? due)
    {
        lock (gate)
        {
            if (dueOf.Remove(id, out var old))
            {
                schedule.Remove((old, id));
            }
            if (due is { } d)
            {
                dueOf[id] = d.UtcTicks;
                schedule.Add((d.UtcTicks, id));
            }
        }
    }

    /// <summary>Up to <paramref name="max"/> jobs due at <paramref name="now"/>, each moved to <paramref name="now"/> + <paramref name="lease"/>.</summary>
    public IReadOnlyList<string> Claim(DateTimeOffset now, TimeSpan lease, int max)
    {
        lock (gate)
        {
            var due = schedule.TakeWhile(e => e.Ticks <= now.UtcTicks).Take(max).Select(e => e.Id).ToList();
            foreach (var id in due)
            {
                Set(id, now + lease);
            }
            return due;
        }
    }
}
