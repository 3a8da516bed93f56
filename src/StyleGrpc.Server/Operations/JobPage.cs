namespace StyleGrpc.Server.Operations;

/// <summary>A page of job records, newest first, and the ID to continue after (null on the last page).</summary>
public sealed record JobPage(IReadOnlyList<JobRecord> Records, string? NextAfterId);
