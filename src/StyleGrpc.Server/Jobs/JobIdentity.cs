namespace StyleGrpc.Server.Jobs;

/// <summary>Who a job is across its attempts.</summary>
/// <param name="Id">The job's ID (its operation is <c>operations/{Id}</c>).</param>
/// <param name="Attempt">1 for the first run; +1 each time the job is resumed.</param>
/// <param name="CreateTime">When the job was first submitted.</param>
/// <param name="FirstSequence">The sequence number of this attempt's first event (above every earlier attempt's).</param>
/// <param name="PreviousTrace">The W3C trace context (<c>traceparent</c>) of the previous attempt's job span, which this attempt's span links to.</param>
public sealed record JobIdentity(string Id, int Attempt, DateTimeOffset CreateTime, long FirstSequence = 1, string? PreviousTrace = null)
{
    /// <summary>A new job's identity: a fresh ID, attempt 1.</summary>
    public static JobIdentity New(DateTimeOffset now) => new(Guid.NewGuid().ToString("N")[..12], 1, now);
}
