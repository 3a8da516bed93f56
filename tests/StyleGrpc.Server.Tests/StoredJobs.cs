extern alias server;

using StyleGrpc.Engine.FeedForward;
using server::StyleGrpc.Server.Jobs;
using server::StyleGrpc.Server.Operations;

namespace StyleGrpc.Server.Tests;

/// <summary>Jobs as the stores keep them, for tests of the stores and the queue: small training specs and records a second apart.</summary>
internal static class StoredJobs
{
    public static readonly DateTimeOffset Start = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    public static JobSpec Spec() => new TrainingJobSpec("starry", 1, new FeedForwardTrainingOptions(), "network", 1);

    /// <summary>The <paramref name="i"/>-th job of <paramref name="caller"/>, created <paramref name="i"/> seconds after <see cref="Start"/>.</summary>
    public static JobRecord Record(int i, string caller) => new()
    {
        Id = $"{i:D4}aaaaaaaa",
        Kind = JobKind.Training,
        Caller = caller,
        CreateTime = Start.AddSeconds(i),
    };
}
