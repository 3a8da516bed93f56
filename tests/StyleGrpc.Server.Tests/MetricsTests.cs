using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Core;

namespace StyleGrpc.Server.Tests;

/// <summary>The Prometheus endpoint on its own port, scraped over real HTTP.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class MetricsTests
{
    [GeneratedRegex("""^stylegrpc_jobs_total\{[^}]*outcome="(?<outcome>[a-z_]+)"[^}]*\} (?<value>\d+)""", RegexOptions.Multiline)]
    private static partial Regex JobsTotal();

    private static Dictionary<string, long> Jobs(string text) =>
        JobsTotal().Matches(text).GroupBy(m => m.Groups["outcome"].Value)
            .ToDictionary(g => g.Key, g => g.Sum(m => long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));

    [Fact]
    public async Task Metrics_AfterCompletedCancelledAndRefusedJobs_CountersMoveByExactlyThat()
    {
        var port = ServerProcess.FreePort();
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:Metrics:Url"] = $"http://127.0.0.1:{port}",
            ["StyleGrpc:QueueCapacity"] = "1",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        await Frames.RegisterStarryAsync(host);
        var before = Jobs(await http.GetStringAsync("/metrics"));

        await Frames.CollectAsync(host.Client, Frames.Request(iterations: 2));
        using (var cancel = new CancellationTokenSource())
        {
            using var running = host.Client.Stylize(Frames.LongRequest(), cancellationToken: cancel.Token);
            await Frames.ReadUntilAsync(running, f => f.Progress is not null);
            using var queued = host.Client.Stylize(Frames.LongRequest(), cancellationToken: cancel.Token);
            await Frames.ReadUntilAsync(queued, f => f.Accepted is not null);
            var depth = await http.GetStringAsync("/metrics");
            Assert.Matches(new Regex(@"^stylegrpc_queue_depth(\{[^}]*\})? 1\b", RegexOptions.Multiline), depth);
            Assert.Matches(new Regex(@"^stylegrpc_jobs_running(\{[^}]*\})? 1\b", RegexOptions.Multiline), depth);
            var refused = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(host.Client, Frames.Request()));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            await cancel.CancelAsync();
        }
        Assert.True(await ServerTestSetup.EventuallyAsync(() => host.Scheduler.Running == 0 && host.Scheduler.Waiting == 0, Frames.Timeout));
        string text = "";
        Assert.True(await ServerTestSetup.EventuallyAsync(() =>
        {
            text = http.GetStringAsync("/metrics").GetAwaiter().GetResult();
            return Jobs(text).GetValueOrDefault("cancelled") - before.GetValueOrDefault("cancelled") == 2;
        }, TimeSpan.FromSeconds(10)), text);

        var after = Jobs(text);
        long Delta(string outcome) => after.GetValueOrDefault(outcome) - before.GetValueOrDefault(outcome);
        Assert.Equal(1, Delta("completed"));
        Assert.Equal(2, Delta("cancelled"));
        Assert.Equal(1, Delta("refused_queue_full"));
        Assert.Equal(4, after.Keys.Union(before.Keys).Sum(Delta));
        Assert.Contains("stylegrpc_job_queue_wait_seconds_count", text);
        Assert.Contains("stylegrpc_job_run_time_seconds_bucket", text);
        Assert.Contains("stylegrpc_iterations_total", text);
        Assert.Contains("stylegrpc_style_targets_computations_total", text);
        Assert.Contains("stylegrpc_model_load_time_seconds", text);
        Assert.Contains("stylegrpc_styles_quarantined", text);
        Assert.Contains("http_server_request_duration_seconds", text);
    }
}
