using StyleGrpc.Engine.FeedForward;

namespace StyleGrpc.Server.Styles;

/// <summary>A loaded feed-forward network held by one run; disposing the lease lets the cache dispose a replaced network.</summary>
public sealed class FeedForwardLease : IDisposable
{
    private readonly Action release;
    private int released;

    internal FeedForwardLease(FeedForwardModel model, int version, Action release)
    {
        Model = model;
        Version = version;
        this.release = release;
    }

    /// <summary>The loaded network.</summary>
    public FeedForwardModel Model { get; }

    /// <summary>Its version (<see cref="Storage.FeedForwardInfo.Version"/>), for the result's reproducibility record.</summary>
    public int Version { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            release();
        }
    }
}
