using System.Text.Json;

namespace StyleGrpc.Cli.Tests;

/// <summary>
/// <c>--notify URL</c> on <c>stylize</c> (one photo and the folder form) and <c>styles train</c>, in-process against a real server
/// with webhooks on: the URL reaches the server, a real receiver (Kestrel on 127.0.0.1) gets the POST, and <c>--json</c> and
/// <c>jobs get</c> show the delivery.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CliNotifyTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly string[] Small = ["--style", "starry", "--size", "48", "--iterations", "2", "--tolerance", "0"];

    private WebhookReceiver receiver = null!;
    private ServerHost host = null!;

    public async Task InitializeAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        host = await ServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["StyleGrpc:Training:ContentDirectory"] = TrainingPhotosFolder.Create(),
            ["StyleGrpc:Webhooks:AllowedUrls:0"] = receiver.Prefix,
            ["StyleGrpc:Webhooks:SigningSecret"] = "test-signing-secret-0123456789",
        });
        var add = await CliRunner.RunAsync(host.Address, "styles", "add", "starry", TestData.Image("starry_night.jpg"), "--style-size", "64");
        Assert.True(add.ExitCode == 0, add.Error);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await receiver.DisposeAsync();
    }

    // The POSTs of the operation <paramref name="name"/>, as their bodies.
    private List<JsonElement> PostsOf(string name) =>
        [.. receiver.Received.Select(d => JsonDocument.Parse(d.Body).RootElement).Where(b => b.GetProperty("name").GetString() == name)];

    // 'jobs get NAME --json' once its notification has left "pending" (or the wait is over).
    private async Task<JsonElement> JobWhenNotifiedAsync(string name)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var get = await CliRunner.RunAsync(host.Address, "jobs", "get", name, "--json");
            Assert.True(get.ExitCode == 0, get.Error);
            var job = JsonDocument.Parse(get.Output).RootElement.Clone();
            if (job.GetProperty("notification").GetProperty("state").GetString() != "pending" || DateTime.UtcNow > deadline)
            {
                return job;
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Stylize_NotifyDetachJson_ShowsTheUrl_TheReceiverGetsThePost_AndJobsGetShowsItDelivered()
    {
        var detached = await CliRunner.RunAsync(host.Address, ["stylize", TestData.Image("tubingen.jpg"), .. Small, "--notify", receiver.Url, "--detach", "--json"]);
        Assert.True(detached.ExitCode == 0, detached.Error);
        var submitted = JsonDocument.Parse(detached.Output).RootElement;
        var name = submitted.GetProperty("name").GetString()!;

        var job = await JobWhenNotifiedAsync(name);
        var table = await CliRunner.RunAsync(host.Address, "jobs", "get", name);

        Assert.Equal(receiver.Url, submitted.GetProperty("notification").GetProperty("url").GetString());
        Assert.Equal("pending", submitted.GetProperty("notification").GetProperty("state").GetString());
        var notification = job.GetProperty("notification");
        Assert.Equal(("delivered", 1, receiver.Url), (notification.GetProperty("state").GetString(), notification.GetProperty("attempts").GetInt32(),
            notification.GetProperty("url").GetString()));
        Assert.Equal(JsonValueKind.String, notification.GetProperty("deliveredTime").ValueKind);
        Assert.Equal(JsonValueKind.Null, notification.GetProperty("lastError").ValueKind);
        Assert.Equal("SUCCEEDED", Assert.Single(PostsOf(name)).GetProperty("metadata").GetProperty("state").GetString());
        Assert.Contains($"delivered to {receiver.Url}, 1 attempt", table.Console);
    }

    [Fact]
    public async Task StylizeFolder_Notify_EachPhotosOperationIsPosted()
    {
        var photos = TestData.NewTempDirectory();
        foreach (var photo in new[] { "garden.jpg", "storm.jpg" })
        {
            File.Copy(TestData.Image(photo), Path.Combine(photos, photo));
        }
        var output = Path.Combine(TestData.NewTempDirectory(), "out");

        var run = await CliRunner.RunAsync(host.Address, ["stylize", photos, .. Small, "-o", output, "--notify", receiver.Url, "--json"]);

        Assert.True(run.ExitCode == 0, run.Error);
        var names = JsonDocument.Parse(run.Output).RootElement.EnumerateArray().Select(r => r.GetProperty("operation").GetString()!).ToList();
        Assert.Equal(2, names.Count);
        foreach (var name in names)
        {
            Assert.Equal(receiver.Url, (await JobWhenNotifiedAsync(name)).GetProperty("notification").GetProperty("url").GetString());
            Assert.Single(PostsOf(name));
        }
    }

    [Fact]
    public async Task StylesTrain_NotifyDetachJson_ShowsTheUrl_AndTheReceiverGetsTheTrainedStyle()
    {
        var detached = await CliRunner.RunAsync(host.Address, "styles", "train", "starry", "--iterations", "2", "--image-size", "64", "--batch-size", "1",
            "--notify", receiver.Url, "--detach", "--json");
        Assert.True(detached.ExitCode == 0, detached.Error);
        var submitted = JsonDocument.Parse(detached.Output).RootElement;
        var name = submitted.GetProperty("name").GetString()!;

        Assert.True(await ServerTestSetup.EventuallyAsync(() => PostsOf(name).Count > 0, Wait));

        Assert.Equal(receiver.Url, submitted.GetProperty("notification").GetProperty("url").GetString());
        Assert.Equal("type.googleapis.com/stylegrpc.v1.Style", Assert.Single(PostsOf(name)).GetProperty("response").GetProperty("@type").GetString());
    }

    [Fact]
    public async Task Stylize_NotifyOutsideTheAllowedPrefixes_IsAnInvalidArgumentNamingTheField()
    {
        var refused = await CliRunner.RunAsync(host.Address, ["stylize", TestData.Image("tubingen.jpg"), .. Small, "--notify", "https://elsewhere.example.com/hook", "--detach"]);

        Assert.Equal(ExitCodes.InvalidArgument, refused.ExitCode);
        Assert.Contains("notification.url", refused.Error);
    }
}
