namespace StyleGrpc.Server.Access;

/// <summary>The caller's quota (jobs at once, or calls per minute) is used up; nothing was done.</summary>
/// <param name="message">What the caller reads.</param>
/// <param name="retryAfter">When a retry may succeed, if known.</param>
/// <param name="setting">The setting whose limit was reached (<c>StyleGrpc:MaxJobsPerKey</c>, …), for QuotaFailure.</param>
/// <param name="caller">The caller the limit applies to (the API key's ID, or <c>anonymous</c>).</param>
public sealed class QuotaExceededException(string message, TimeSpan? retryAfter, string setting = "", string caller = "") : Exception(message)
{
    /// <summary>When a retry may succeed, if known.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The setting whose limit was reached.</summary>
    public string Setting { get; } = setting;

    /// <summary>The caller the limit applies to.</summary>
    public string Caller { get; } = caller;
}
