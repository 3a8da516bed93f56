namespace StyleGrpc.Server.Operations;

/// <summary>
/// The file store's in-memory index of its jobs: by creation time, over all callers and per caller (pages of
/// ListOperations, newest first), and each caller's count of jobs not yet ended. Thread-safe.
/// </summary>
public sealed class JobIndex
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly SortedSet<Key> all = new();
    private readonly Dictionary<string, SortedSet<Key>> byCaller = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> requests = new(StringComparer.Ordinal);

    /// <summary>Adds the job or brings its entry up to date.</summary>
    public void Set(JobRecord record)
    {
        lock (gate)
        {
            Remove(record.Id);
            var key = new Key(record.CreateTime.UtcTicks, record.Id);
            var request = string.IsNullOrEmpty(record.RequestId) ? null : RequestKey(record.Caller, record.RequestId);
            entries[record.Id] = new Entry(key, record.Caller, record.Done, request);
            if (request is not null)
            {
                requests[request] = record.Id;
            }
            all.Add(key);
            Of(record.Caller).Add(key);
            if (!record.Done)
            {
                active[record.Caller] = ActiveOf(record.Caller) + 1;
            }
        }
    }

    public void Remove(string id)
    {
        lock (gate)
        {
            if (!entries.Remove(id, out var entry))
            {
                return;
            }
            all.Remove(entry.Key);
            Of(entry.Caller).Remove(entry.Key);
            if (entry.Request is not null && requests.GetValueOrDefault(entry.Request) == id)
            {
                requests.Remove(entry.Request);
            }
            if (!entry.Done)
            {
                active[entry.Caller] = ActiveOf(entry.Caller) - 1;
            }
        }
    }

    /// <summary>The job the caller created with this request ID (AIP-155), if it is stored.</summary>
    public string? JobOfRequest(string caller, string requestId)
    {
        lock (gate)
        {
            return requests.GetValueOrDefault(RequestKey(caller, requestId));
        }
    }

    private static string RequestKey(string caller, string requestId) => caller + "\n" + requestId;

    /// <summary>How many of the caller's jobs have not ended.</summary>
    public int ActiveOf(string caller)
    {
        lock (gate)
        {
            return active.GetValueOrDefault(caller);
        }
    }

    /// <summary>Up to <paramref name="pageSize"/> IDs, newest first, after <paramref name="afterId"/>; null when that ID is not listed.</summary>
    public (IReadOnlyList<string> Ids, bool More)? Page(string? caller, string? afterId, int pageSize)
    {
        lock (gate)
        {
            var set = caller is null ? all : Of(caller);
            IEnumerable<Key> newestFirst;
            if (afterId is null)
            {
                newestFirst = set.Reverse();
            }
            else if (entries.TryGetValue(afterId, out var after) && set.Contains(after.Key))
            {
                newestFirst = set.Min is { } min && min.CompareTo(after.Key) < 0 ? set.GetViewBetween(min, after.Key).Reverse().Skip(1) : [];
            }
            else
            {
                return null;
            }
            var ids = newestFirst.Take(pageSize + 1).Select(k => k.Id).ToList();
            return (ids.Take(pageSize).ToList(), ids.Count > pageSize);
        }
    }

    private SortedSet<Key> Of(string caller) => byCaller.TryGetValue(caller, out var set) ? set : byCaller[caller] = [];

    private readonly record struct Key(long Ticks, string Id) : IComparable<Key>
    {
        public int CompareTo(Key other) => Ticks != other.Ticks ? Ticks.CompareTo(other.Ticks) : string.CompareOrdinal(Id, other.Id);
    }

    private sealed record Entry(Key Key, string Caller, bool Done, string? Request);
}
