namespace StyleGrpc.Server.Jobs;

/// <summary>How a job's run ended, as logged; raised by <see cref="JobRunner.JobEnded"/> when its slot is released.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Caller">Who asked for it.</param>
/// <param name="Outcome">"completed", "cancelled by the client", "reader stalled; result discarded", …</param>
/// <param name="Iterations">Iterations run.</param>
/// <param name="QueueTime">Time waiting for a slot.</param>
/// <param name="RunTime">Time running.</param>
/// <param name="Label">The outcome as a metric label: completed, cancelled, deadline, stalled, max_run_time, shutdown, refused_stopping, failed.</param>
public sealed record JobOutcome(string JobId, string Caller, string Outcome, int Iterations, TimeSpan QueueTime, TimeSpan RunTime, string Label);
