namespace StyleGrpc.Server.Access;

/// <summary>The caller's quota (jobs at once, or calls per minute) is used up; nothing was done.</summary>
public sealed class QuotaExceededException(string message, TimeSpan? retryAfter) : Exception(message)
{
    /// <summary>When a retry may succeed, if known.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
