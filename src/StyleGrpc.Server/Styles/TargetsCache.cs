using StyleGrpc.Engine;

namespace StyleGrpc.Server.Styles;

/// <summary>Least-recently-used cache of style targets, bounded by their size in bytes.</summary>
public sealed class TargetsCache(long capacityBytes)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, StyleTargets Targets)>> entries = [];
    private readonly LinkedList<(string Key, StyleTargets Targets)> order = new();
    private long bytes;

    /// <summary>Bytes of targets held.</summary>
    public long Bytes
    {
        get
        {
            lock (gate)
            {
                return bytes;
            }
        }
    }

    public bool TryGet(string key, out StyleTargets targets)
    {
        lock (gate)
        {
            if (entries.TryGetValue(key, out var node))
            {
                order.Remove(node);
                order.AddFirst(node);
                targets = node.Value.Targets;
                return true;
            }
        }
        targets = null!;
        return false;
    }

    public void Add(string key, StyleTargets targets)
    {
        lock (gate)
        {
            RemoveLocked(key);
            if (targets.SizeInBytes > capacityBytes)
            {
                return;
            }
            entries[key] = order.AddFirst((key, targets));
            bytes += targets.SizeInBytes;
            while (bytes > capacityBytes && order.Last is { } last)
            {
                RemoveLocked(last.Value.Key);
            }
        }
    }

    /// <summary>Drops every entry whose key starts with <paramref name="prefix"/>.</summary>
    public void RemovePrefix(string prefix) => RemoveWhere(k => k.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Drops every entry whose key matches.</summary>
    public void RemoveWhere(Func<string, bool> match)
    {
        lock (gate)
        {
            foreach (var key in entries.Keys.Where(match).ToList())
            {
                RemoveLocked(key);
            }
        }
    }

    private void RemoveLocked(string key)
    {
        if (entries.Remove(key, out var node))
        {
            order.Remove(node);
            bytes -= node.Value.Targets.SizeInBytes;
        }
    }
}
