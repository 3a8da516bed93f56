namespace StyleGrpc.Server.Operations;

/// <summary>How a job reached the worker that took it.</summary>
public enum QueueOrigin
{
    /// <summary>Submitted, or handed back by a replica that stopped (<c>handed_back</c> when it had run).</summary>
    Queued,

    /// <summary>Claimed from a replica that stopped renewing its lease (that replica may still write): <c>claimed</c>.</summary>
    Claimed,

    /// <summary>Queued again from the store when this process started: <c>restart</c>.</summary>
    Restored,
}
