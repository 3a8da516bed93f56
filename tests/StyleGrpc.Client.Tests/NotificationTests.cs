using System.Text.Json;
using StyleGrpc.Client;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// Completion webhooks through the library against a real server: a notification URL asked for on SubmitStylize, Stylize and
/// TrainStyleNetwork is POSTed to a real receiver (Kestrel on 127.0.0.1), a JWT caller's default URL from the settings' list
/// form is used when its request names none, and the delivery is read back as <see cref="NotificationStatus"/>.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class NotificationTests(NotifyServer server) : IClassFixture<NotifyServer>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static byte[] Content => File.ReadAllBytes(TestData.Image("tubingen.jpg"));

    private static StylizeOptions Small(string? notifyUrl) =>
        new() { MaxSide = 64, Iterations = 2, RelativeTolerance = 0, NotifyUrl = notifyUrl };

    // The operation once its notification leaves PENDING (or the wait is over).
    private static Task<JobOperation> DeliveredAsync(StyleGrpcClient client, string name) =>
        UntilSettledAsync(() => client.GetOperationAsync(name), o => o.Metadata.Notification);

    private static async Task<T> UntilSettledAsync<T>(Func<Task<T>> get, Func<T, NotificationStatus?> notification)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var operation = await get().WaitAsync(Wait);
            if (notification(operation)?.State is not NotificationState.Pending || DateTime.UtcNow > deadline)
            {
                return operation;
            }
            await Task.Delay(100);
        }
    }

    // The POSTs that carried the operation <paramref name="name"/>, as their JSON bodies.
    private static List<JsonElement> PostsOf(WebhookReceiver receiver, string name) =>
        [.. receiver.Received.Select(d => JsonDocument.Parse(d.Body).RootElement).Where(b => b.GetProperty("name").GetString() == name)];

    [Fact]
    public async Task SubmitStylize_WithNotifyUrl_TheReceiverGetsThePost_AndTheDeliveryIsReadBack()
    {
        using var client = server.Connect("alice", "user");

        var submitted = await client.SubmitStylizeAsync(Content, StyleSpec.Registered("starry"), Small(server.Receiver.Url)).WaitAsync(Wait);
        var done = await DeliveredAsync(client, submitted.Name);

        Assert.Equal((NotificationState.Pending, 0, server.Receiver.Url), (submitted.Metadata.Notification!.State, submitted.Metadata.Notification.Attempts,
            submitted.Metadata.Notification.Url));
        var notification = done.Metadata.Notification!;
        Assert.Equal((NotificationState.Delivered, 1, server.Receiver.Url, ""), (notification.State, notification.Attempts, notification.Url, notification.LastError));
        Assert.NotNull(notification.DeliveredTime);
        Assert.Null(notification.NextAttemptTime);
        Assert.InRange(notification.DeliveredTime!.Value, done.Metadata.EndTime!.Value, DateTimeOffset.UtcNow);
        var post = Assert.Single(PostsOf(server.Receiver, submitted.Name));
        Assert.Equal("SUCCEEDED", post.GetProperty("metadata").GetProperty("state").GetString());
        Assert.Equal(2, post.GetProperty("response").GetProperty("iterationsRun").GetInt32());
    }

    [Fact]
    public async Task Stylize_WithNotifyUrl_ReceiverFailsOnce_TheRetryIsDelivered_WithTheAttemptsAndLastErrorReadBack()
    {
        using var client = server.Connect("bob", "user");
        using var timeout = new CancellationTokenSource(Wait);
        string? name = null;

        await foreach (var update in client.StylizeAsync(Content, StyleSpec.Registered("starry"), Small(server.Flaky.Url), cancellationToken: timeout.Token))
        {
            name = update is JobAccepted accepted ? accepted.OperationName : name;
        }
        var done = await DeliveredAsync(client, name!);

        var notification = done.Metadata.Notification!;
        Assert.Equal((NotificationState.Delivered, 2), (notification.State, notification.Attempts));
        Assert.Contains("500", notification.LastError, StringComparison.Ordinal);
        Assert.NotNull(notification.DeliveredTime);
        Assert.Equal(2, PostsOf(server.Flaky, name!).Count);
    }

    [Fact]
    public async Task SubmitStylize_JwtCallerWithoutNotifyUrl_ItsDefaultFromTheDefaultsListGetsThePost()
    {
        using var dana = server.Connect(NotifyServer.DefaultSubject, "user");
        using var erin = server.Connect("erin", "user");

        var danas = await dana.SubmitStylizeAsync(Content, StyleSpec.Registered("starry"), Small(null)).WaitAsync(Wait);
        var erins = await erin.SubmitStylizeAsync(Content, StyleSpec.Registered("starry"), Small(null)).WaitAsync(Wait);
        var done = await DeliveredAsync(dana, danas.Name);
        var erinsDone = await erin.WaitOperationAsync(erins.Name, Wait).WaitAsync(Wait + Wait);

        var notification = done.Metadata.Notification!;
        Assert.Equal((NotificationState.Delivered, server.DefaultUrl), (notification.State, notification.Url));
        Assert.Single(PostsOf(server.Receiver, danas.Name));
        // A caller with no default and no URL of its own has no notification.
        Assert.True(erinsDone.Done);
        Assert.Null(erinsDone.Metadata.Notification);
        Assert.Empty(PostsOf(server.Receiver, erins.Name));
    }

    [Fact]
    public async Task TrainStyleNetwork_WithNotifyUrl_TheReceiverGetsThePost_AndTheTrainingsDeliveryIsReadBack()
    {
        using var admin = server.Connect("carol", "admin");
        var url = server.Receiver.Url + "?training";

        var submitted = await admin.TrainStyleNetworkAsync("starry", new TrainStyleNetworkOptions { Iterations = 2, ImageSize = 64, BatchSize = 1, NotifyUrl = url })
            .WaitAsync(Wait);
        using var timeout = new CancellationTokenSource(Wait);
        TrainingOperation? last = null;
        await foreach (var update in admin.WatchTrainingAsync(submitted.Name, cancellationToken: timeout.Token))
        {
            last = update;
        }
        var delivered = await UntilSettledAsync(() => admin.GetTrainingAsync(submitted.Name), t => t.Metadata.Notification);

        Assert.Equal(JobState.Succeeded, last!.Metadata.State);
        Assert.Equal(url, submitted.Metadata.Notification!.Url);
        var notification = delivered.Metadata.Notification!;
        Assert.Equal((NotificationState.Delivered, 1, url), (notification.State, notification.Attempts, notification.Url));
        Assert.NotNull(notification.DeliveredTime);
        var post = Assert.Single(PostsOf(server.Receiver, submitted.Name));
        Assert.Equal("type.googleapis.com/stylegrpc.v1.Style", post.GetProperty("response").GetProperty("@type").GetString());
    }

    [Fact]
    public void StylizeRequestId_AnotherNotifyUrl_IsAnotherRequest()
    {
        var content = Content;
        var style = StyleSpec.Registered("starry");

        Assert.Equal(StylizeRequestId.For(content, style, Small(server.Receiver.Url)), StylizeRequestId.For(content, style, Small(server.Receiver.Url)));
        Assert.NotEqual(StylizeRequestId.For(content, style, Small(server.Receiver.Url)), StylizeRequestId.For(content, style, Small(server.Flaky.Url)));
    }
}
