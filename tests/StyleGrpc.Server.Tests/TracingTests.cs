using System.Collections.Concurrent;
using System.Diagnostics;
using StyleGrpc.Protos.V1;

namespace StyleGrpc.Server.Tests;

/// <summary>A job makes a span with its three phases as children (what OTLP exports when an endpoint is configured).</summary>
[Collection(ServerCollection.Name)]
public sealed class TracingTests
{
    [Fact]
    public async Task Stylize_EmitsAJobSpanWithQueueTargetsAndRunChildren()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "StyleGrpc.Jobs",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);

        var frames = await Frames.CollectAsync(host.Client, Frames.Request(iterations: 2));

        var jobId = frames[0].Accepted.JobId;
        Assert.True(await ServerTestSetup.EventuallyAsync(() => spans.Any(s => s.OperationName == "stylegrpc.job" && (string?)s.GetTagItem("stylegrpc.job.id") == jobId),
            TimeSpan.FromSeconds(10)));
        var job = spans.Single(s => s.OperationName == "stylegrpc.job" && (string?)s.GetTagItem("stylegrpc.job.id") == jobId);
        Assert.Equal("completed", job.GetTagItem("stylegrpc.job.outcome"));
        var children = spans.Where(s => s.ParentSpanId == job.SpanId).Select(s => s.OperationName).Order().ToList();
        Assert.Equal(["stylegrpc.job.queue_wait", "stylegrpc.job.resolve_targets", "stylegrpc.job.run"], children);
    }

    [Fact]
    public async Task ResumedJob_ItsSecondAttemptsSpanLinksToTheFirst()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "StyleGrpc.Jobs",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var data = TestData.NewTempDirectory();
        string jobId;
        await using (var first = await ServerHost.StartAsync(dataDirectory: data))
        {
            await Frames.RegisterStarryAsync(first);
            var submitted = await first.Client.SubmitStylizeAsync(Frames.Request(iterations: 400));
            jobId = submitted.Name["operations/".Length..];
            // Running, not only holding a slot: a job stopped before it ran is not resumed, it simply starts (as attempt 1).
            var operations = new Google.LongRunning.Operations.OperationsClient(first.Channel);
            Assert.True(await ServerTestSetup.EventuallyAsync(() => operations.GetOperation(new Google.LongRunning.GetOperationRequest { Name = submitted.Name })
                .Metadata.Unpack<StylizeMetadata>().State == StylizeMetadata.Types.State.Running, Frames.Timeout));
            // Stopping the host drains: the running job is checkpointed and handed back to the job store.
            await first.StopAsync();
        }
        await using var second = await ServerHost.StartAsync(dataDirectory: data);
        await new Google.LongRunning.Operations.OperationsClient(second.Channel).WaitOperationAsync(new Google.LongRunning.WaitOperationRequest
        {
            Name = "operations/" + jobId,
            Timeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Frames.Timeout),
        });

        Activity Attempt(int attempt) => spans.Single(s => s.OperationName == "stylegrpc.job" && (string?)s.GetTagItem("stylegrpc.job.id") == jobId
            && Equals(s.GetTagItem("stylegrpc.job.attempt"), attempt));
        Assert.True(await ServerTestSetup.EventuallyAsync(() => spans.Count(s => (string?)s.GetTagItem("stylegrpc.job.id") == jobId) == 2, TimeSpan.FromSeconds(10)));
        var link = Assert.Single(Attempt(2).Links);
        Assert.Equal((Attempt(1).TraceId, Attempt(1).SpanId), (link.Context.TraceId, link.Context.SpanId));
    }
}
