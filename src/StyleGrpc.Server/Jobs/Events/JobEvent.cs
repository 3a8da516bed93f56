namespace StyleGrpc.Server.Jobs.Events;

/// <summary>What a job reports to its caller, in order: accepted, queued (when its place changes), started, progress, finished.</summary>
public abstract record JobEvent;
