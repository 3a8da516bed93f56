namespace StyleGrpc.Client;

/// <summary>
/// Turns a video job's stream frames into <see cref="VideoProgress"/> reports, keeping what a frame alone does not say: the state,
/// the total, and the frames done when the current attempt started (for its frames per second).
/// </summary>
internal sealed class VideoProgressTracker(string operationName)
{
    private JobState state = JobState.Queued;
    private int totalFrames;
    private int framesDone;
    private int doneAtAttemptStart;

    /// <summary>The report for <paramref name="update"/>; null for a frame that says nothing new (an unknown kind).</summary>
    public VideoProgress? Next(StylizeUpdate update)
    {
        switch (update)
        {
            case JobAccepted a:
                return Report(a.QueuePosition, TimeSpan.Zero, TimeSpan.Zero, null, 0, a.Sequence);
            case JobQueued q:
                return Report(q.QueuePosition, TimeSpan.Zero, TimeSpan.Zero, null, 0, q.Sequence);
            case JobStarted s:
                // A resumed job starts again: its rate counts from the frames it had.
                state = JobState.Running;
                totalFrames = s.TotalIterations;
                doneAtAttemptStart = framesDone;
                return Report(0, TimeSpan.Zero, TimeSpan.Zero, null, 0, s.Sequence);
            case JobProgress p:
                state = JobState.Running;
                framesDone = p.Iteration;
                totalFrames = p.TotalIterations;
                var made = framesDone - doneAtAttemptStart;
                var rate = made > 0 && p.Elapsed > TimeSpan.Zero ? made / p.Elapsed.TotalSeconds : 0;
                return Report(0, p.Elapsed, p.Eta, p.Preview, rate, p.Sequence);
            default:
                return null;
        }
    }

    private VideoProgress Report(int queuePosition, TimeSpan elapsed, TimeSpan eta, EncodedImage? preview, double rate, long sequence) =>
        new(operationName, state, queuePosition, framesDone, totalFrames, rate, elapsed, eta, preview, sequence);
}
