namespace StyleGrpc.Server.Storage;

/// <summary>Where a store moved damaged entries since start (thread-safe); counted in GetServerInfo and the metrics.</summary>
public sealed class QuarantineList
{
    private readonly Lock gate = new();
    private readonly List<string> places = [];

    public int Count
    {
        get
        {
            lock (gate)
            {
                return places.Count;
            }
        }
    }

    public IReadOnlyList<string> Places
    {
        get
        {
            lock (gate)
            {
                return [.. places];
            }
        }
    }

    public void Add(string place)
    {
        lock (gate)
        {
            places.Add(place);
        }
    }
}
