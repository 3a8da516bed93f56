extern alias server;

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json;
using Google.LongRunning;
using Google.Rpc;
using Grpc.Core;
using StyleGrpc.Protos.V1;
using server::StyleGrpc.Server.Settings;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// Completion webhooks (issue 27) against a real receiver on 127.0.0.1: signed deliveries, retries with the attempts in the
/// operation's metadata, a delivery that outlives a restart, and URLs refused at submission naming the field.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WebhookTests
{
    private const string Secret = "test-signing-secret-0123456789";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> Settings(params string[] allowed)
    {
        var settings = new Dictionary<string, string?>
        {
            ["StyleGrpc:Webhooks:SigningSecret"] = Secret,
            ["StyleGrpc:Webhooks:FirstRetrySeconds"] = "0.2",
            ["StyleGrpc:Webhooks:MaxRetrySeconds"] = "0.5",
            ["StyleGrpc:Webhooks:TimeoutSeconds"] = "5",
        };
        for (var i = 0; i < allowed.Length; i++)
        {
            settings[$"StyleGrpc:Webhooks:AllowedUrls:{i}"] = allowed[i];
        }
        return settings;
    }

    private static StylizeRequest Request(string url)
    {
        var request = Frames.Request(iterations: 2);
        request.Notification = new Notification { Url = url };
        return request;
    }

    // The receiver's check, as docs/http.md shows it: HMAC-SHA256 of "<t>.<body>" with the secret.
    private static bool SignatureHolds(WebhookReceiver.Delivery delivery)
    {
        var parts = delivery.Signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var signed = Encoding.UTF8.GetBytes(parts["t"] + ".").Concat(delivery.Body).ToArray();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed));
        var age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts["t"], CultureInfo.InvariantCulture));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts["v1"])) && age < TimeSpan.FromMinutes(5);
    }

    private static async Task<NotificationStatus> NotificationAsync(ServerHost host, string name, Func<NotificationStatus, bool> until)
    {
        var operations = new Operations.OperationsClient(host.Channel);
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var operation = await operations.GetOperationAsync(new GetOperationRequest { Name = name }, deadline: DateTime.UtcNow + Frames.Timeout);
            var status = operation.Metadata.Unpack<StylizeMetadata>().Notification;
            if (until(status) || DateTime.UtcNow > deadline)
            {
                return status;
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task SubmitStylize_WithNotification_PostsTheSignedOperationWithoutTheImageBytes()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await ServerHost.StartAsync(Settings(receiver.Prefix));
        await Frames.RegisterStarryAsync(host);

        var submitted = await host.Client.SubmitStylizeAsync(Request(receiver.Url));
        var status = await NotificationAsync(host, submitted.Name, s => s.State == NotificationStatus.Types.State.Delivered);
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());

        Assert.Equal((true, 24.0), (info.WebhooksEnabled, info.WebhookRetryHours));
        Assert.Equal(NotificationStatus.Types.State.Pending, submitted.Metadata.Unpack<StylizeMetadata>().Notification.State);
        Assert.Equal((NotificationStatus.Types.State.Delivered, 1, receiver.Url), (status.State, status.Attempts, status.Url));
        Assert.NotNull(status.DeliveredTime);
        var delivery = Assert.Single(receiver.Received);
        Assert.True(SignatureHolds(delivery), delivery.Signature);
        using var json = JsonDocument.Parse(delivery.Body);
        var root = json.RootElement;
        Assert.Equal(submitted.Name, root.GetProperty("name").GetString());
        Assert.True(root.GetProperty("done").GetBoolean());
        Assert.Equal("type.googleapis.com/stylegrpc.v1.StylizeMetadata", root.GetProperty("metadata").GetProperty("@type").GetString());
        Assert.Equal("SUCCEEDED", root.GetProperty("metadata").GetProperty("state").GetString());
        var response = root.GetProperty("response");
        Assert.Equal("type.googleapis.com/stylegrpc.v1.Result", response.GetProperty("@type").GetString());
        Assert.Equal(2, response.GetProperty("iterationsRun").GetInt32());
        // The image's bytes stay out of the body (GetOperation has them); what it is stays in.
        Assert.False(response.GetProperty("image").TryGetProperty("data", out _));
        Assert.True(response.GetProperty("image").GetProperty("width").GetInt32() > 0);
        // A tampered body fails the check.
        Assert.False(SignatureHolds(delivery with { Body = [.. delivery.Body, (byte)' '] }));
    }

    [Fact]
    public async Task SubmitOverHttp_WithoutNotification_UsesTheCallersDefault_AndTheBodyIsWhatGetOperationAnswers()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var settings = Settings(receiver.Prefix);
        // The open server's caller is "anonymous".
        settings["StyleGrpc:Webhooks:DefaultUrls:anonymous"] = receiver.Url;
        var (host, http) = await HttpApiTests.StartAsync(settings);
        await using var _ = host;
        using var __ = http;
        await Frames.RegisterStarryAsync(host);

        var submitted = await http.PostAsJsonAsync("/v1/stylize:submit", new
        {
            styleName = "starry",
            contentImage = Convert.ToBase64String(Frames.Image("tubingen.jpg").ToByteArray()),
            options = new { maxSide = 64, iterations = 2, relativeTolerance = 0 },
        });
        var name = (await submitted.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["name"]!.GetValue<string>();
        var status = await NotificationAsync(host, name, s => s.State == NotificationStatus.Types.State.Delivered);
        var got = (await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/v1/{name}"))!;

        Assert.Equal((NotificationStatus.Types.State.Delivered, receiver.Url), (status.State, status.Url));
        var body = System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(receiver.Received).Body)!.AsObject();
        // The same operation as GetOperation answers over HTTP, less the image's bytes (and with the delivery as it was then).
        got["response"]!["image"]!.AsObject().Remove("data");
        got["metadata"]!.AsObject().Remove("notification");
        body["metadata"]!.AsObject().Remove("notification");
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(Int64sAsNumbers(got), Int64sAsNumbers(body)), $"webhook: {body}\nGET: {got}");
    }

    // The protobuf JSON mapping writes 64-bit integers as strings (the webhook does); the HTTP face writes them as numbers.
    private static System.Text.Json.Nodes.JsonNode? Int64sAsNumbers(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Int64sAsNumbers(p.Value)))),
        System.Text.Json.Nodes.JsonArray a => new System.Text.Json.Nodes.JsonArray([.. a.Select(Int64sAsNumbers)]),
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var number) => number,
        _ => node?.DeepClone(),
    };

    [Fact]
    public async Task CancelledOperation_PostsItsError()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await ServerHost.StartAsync(Settings(receiver.Prefix));
        await Frames.RegisterStarryAsync(host);
        var request = Frames.LongRequest();
        request.Notification = new Notification { Url = receiver.Url };

        var submitted = await host.Client.SubmitStylizeAsync(request);
        await new Operations.OperationsClient(host.Channel).CancelOperationAsync(new CancelOperationRequest { Name = submitted.Name });
        var status = await NotificationAsync(host, submitted.Name, s => s.State == NotificationStatus.Types.State.Delivered);

        Assert.Equal(NotificationStatus.Types.State.Delivered, status.State);
        var root = JsonDocument.Parse(Assert.Single(receiver.Received).Body).RootElement;
        Assert.True(root.GetProperty("done").GetBoolean());
        Assert.Equal((int)StatusCode.Cancelled, root.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("CANCELLED", root.GetProperty("metadata").GetProperty("state").GetString());
        Assert.False(root.TryGetProperty("response", out _));
    }

    [Fact]
    public async Task TrainStyleNetwork_WithNotification_PostsTheTrainedStyle_AndItsMetadataShowsTheDelivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var settings = Settings(receiver.Prefix);
        foreach (var (key, value) in Training.Settings())
        {
            settings[key] = value;
        }
        await using var host = await ServerHost.StartAsync(settings);
        await Frames.RegisterStarryAsync(host);
        var request = Training.Request(iterations: 3);
        request.Notification = new Notification { Url = receiver.Url };
        var operations = new Operations.OperationsClient(host.Channel);

        var submitted = await host.Client.TrainStyleNetworkAsync(request);
        await Training.DoneAsync(operations, submitted.Name);
        var metadata = await Training.MetadataWhenAsync(operations, submitted.Name, _ => true);
        Assert.True(await ServerTestSetup.EventuallyAsync(() =>
            operations.GetOperation(new GetOperationRequest { Name = submitted.Name }).Metadata.Unpack<TrainStyleNetworkMetadata>().Notification.State
                == NotificationStatus.Types.State.Delivered, Wait));

        var root = JsonDocument.Parse(Assert.Single(receiver.Received).Body).RootElement;
        Assert.True(SignatureHolds(Assert.Single(receiver.Received)));
        Assert.Equal("type.googleapis.com/stylegrpc.v1.TrainStyleNetworkMetadata", root.GetProperty("metadata").GetProperty("@type").GetString());
        Assert.Equal("type.googleapis.com/stylegrpc.v1.Style", root.GetProperty("response").GetProperty("@type").GetString());
        Assert.Equal("READY", root.GetProperty("response").GetProperty("feedForward").GetProperty("state").GetString());
        Assert.Equal(receiver.Url, metadata.Notification.Url);
    }

    [Fact]
    public async Task Delivery_ReceiverAnswers500Then200_IsDeliveredOnRetry_WithTheAttemptsInTheMetadata()
    {
        await using var receiver = await WebhookReceiver.StartAsync(running: true, 500);
        await using var host = await ServerHost.StartAsync(Settings(receiver.Prefix));
        await Frames.RegisterStarryAsync(host);
        var meter = host.Services.GetRequiredService<server::StyleGrpc.Server.Observability.ServerMetrics>().Meter;
        var outcomes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter && instrument.Name == "stylegrpc.webhook.attempts")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => outcomes.Enqueue((string)tags[0].Value!));
        listener.Start();

        var submitted = await host.Client.SubmitStylizeAsync(Request(receiver.Url));
        var status = await NotificationAsync(host, submitted.Name, s => s.State == NotificationStatus.Types.State.Delivered);

        Assert.Equal((NotificationStatus.Types.State.Delivered, 2), (status.State, status.Attempts));
        Assert.Contains("500", status.LastError, StringComparison.Ordinal);
        Assert.Equal([500, 200], receiver.Received.Select(d => d.Answered));
        Assert.Equal(["retry", "delivered"], outcomes);
        Assert.All(receiver.Received, d => Assert.True(SignatureHolds(d)));
    }

    [Fact]
    public async Task Delivery_ReceiverAlwaysFails_IsFailedOnceTheRetryTimeHasPassed()
    {
        await using var receiver = await WebhookReceiver.StartAsync(running: true, Enumerable.Repeat(503, 100).ToArray());
        var settings = Settings(receiver.Prefix);
        // About two seconds of retries.
        settings["StyleGrpc:Webhooks:RetryHours"] = "0.0006";
        await using var host = await ServerHost.StartAsync(settings);
        await Frames.RegisterStarryAsync(host);

        var submitted = await host.Client.SubmitStylizeAsync(Request(receiver.Url));
        var status = await NotificationAsync(host, submitted.Name, s => s.State == NotificationStatus.Types.State.Failed);
        var attempts = receiver.Received.Count;
        await Task.Delay(1500);

        Assert.Equal(NotificationStatus.Types.State.Failed, status.State);
        Assert.Contains("503", status.LastError, StringComparison.Ordinal);
        Assert.True(status.Attempts >= 2, $"{status.Attempts} attempts");
        Assert.Equal(status.Attempts, attempts);
        Assert.Null(status.NextAttemptTime);
        // Given up: nothing more is sent.
        Assert.Equal(attempts, receiver.Received.Count);
    }

    [Fact]
    public async Task Delivery_ReceiverDownAcrossARestart_IsDeliveredOnceItIsUp()
    {
        await using var receiver = await WebhookReceiver.StartAsync(running: false);
        var data = TestData.NewTempDirectory();
        string name;
        await using (var host = await ServerHost.StartAsync(Settings(receiver.Prefix), data))
        {
            await Frames.RegisterStarryAsync(host);
            name = (await host.Client.SubmitStylizeAsync(Request(receiver.Url))).Name;
            // The job ends and its first attempts fail (nobody listens): the delivery is pending when the server stops.
            var failing = await NotificationAsync(host, name, s => s.Attempts >= 1);
            Assert.Equal(NotificationStatus.Types.State.Pending, failing.State);
            Assert.NotEmpty(failing.LastError);
        }

        await receiver.StartAsync();
        await using var again = await ServerHost.StartAsync(Settings(receiver.Prefix), data);
        var status = await NotificationAsync(again, name, s => s.State == NotificationStatus.Types.State.Delivered);

        Assert.Equal(NotificationStatus.Types.State.Delivered, status.State);
        Assert.True(status.Attempts >= 2, $"{status.Attempts} attempts");
        var delivery = Assert.Single(receiver.Received);
        Assert.True(SignatureHolds(delivery));
        Assert.Equal(name, JsonDocument.Parse(delivery.Body).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Delivery_OnRedis_TheReplicaThatRanTheJobStops_AnotherDeliversIt()
    {
        using var redis = RedisServer.Shared();
        await using var receiver = await WebhookReceiver.StartAsync(running: false);
        var settings = Settings(receiver.Prefix);
        settings["StyleGrpc:Store"] = "redis";
        settings["StyleGrpc:Redis"] = redis.Configuration;
        settings["StyleGrpc:RedisKeyPrefix"] = $"hooks-{Guid.NewGuid():N}:";
        settings["StyleGrpc:Webhooks:TimeoutSeconds"] = "1";
        var a = await ServerHost.StartAsync(settings);
        await using var b = await ServerHost.StartAsync(settings);
        string name;
        await using (a)
        {
            await Frames.RegisterStarryAsync(a);
            name = (await a.Client.SubmitStylizeAsync(Request(receiver.Url))).Name;
            Assert.Equal(NotificationStatus.Types.State.Pending, (await NotificationAsync(a, name, s => s.Attempts >= 1)).State);
        }

        await receiver.StartAsync();
        var status = await NotificationAsync(b, name, s => s.State == NotificationStatus.Types.State.Delivered);

        Assert.Equal(NotificationStatus.Types.State.Delivered, status.State);
        var delivery = Assert.Single(receiver.Received);
        Assert.True(SignatureHolds(delivery));
        Assert.Equal(name, JsonDocument.Parse(delivery.Body).RootElement.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/elsewhere", "allowed prefixes")]
    [InlineData("ftp://127.0.0.1/hooks", "allowed prefixes")]
    public async Task Submit_UrlNoAllowedPrefixStarts_IsInvalidArgumentNamingTheField(string url, string message)
    {
        await using var receiver = await WebhookReceiver.StartAsync(running: false);
        await using var host = await ServerHost.StartAsync(Settings(receiver.Prefix));
        await Frames.RegisterStarryAsync(host);

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Client.SubmitStylizeAsync(Request(url)).ResponseAsync);

        AssertRefused(ex, message);
    }

    [Fact]
    public async Task Submit_HostResolvingToAPrivateAddressNoPrefixNames_IsInvalidArgumentNamingTheField()
    {
        // "localhost" is allowed by name, but it resolves to loopback, which no prefix names as an address.
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await ServerHost.StartAsync(Settings($"http://localhost:{receiver.Port}/"));
        await Frames.RegisterStarryAsync(host);

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Client.SubmitStylizeAsync(Request($"http://localhost:{receiver.Port}/hooks/stylegrpc")).ResponseAsync);

        AssertRefused(ex, "private, loopback or link-local");
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Submit_WebhooksOff_IsInvalidArgumentSayingSo()
    {
        await using var host = await ServerHost.StartAsync();
        await Frames.RegisterStarryAsync(host);

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Client.SubmitStylizeAsync(Request("https://hooks.example.com/x")).ResponseAsync);
        var info = await host.Client.GetServerInfoAsync(new GetServerInfoRequest());

        AssertRefused(ex, "webhooks are off");
        Assert.False(info.WebhooksEnabled);
    }

    [Fact]
    public async Task Sender_ConnectingToAnAddressNoPrefixNames_RefusesAtConnectTime()
    {
        // What DNS rebinding would do: a name that passed at submission resolves inward when the POST connects. The sender
        // resolves on connect itself, so the check holds there too: "localhost" is allowed by name, its address is not.
        await using var receiver = await WebhookReceiver.StartAsync();
        var options = new StyleGrpcServerOptions();
        options.Webhooks.AllowedUrls = [$"http://localhost:{receiver.Port}/", receiver.Prefix];
        options.Webhooks.SigningSecret = Secret;
        using var sender = new server::StyleGrpc.Server.Webhooks.WebhookSender(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);

        var refused = await sender.SendAsync($"http://localhost:{receiver.Port}/hooks/stylegrpc", "0123456789ab", 1, "{}"u8.ToArray(), CancellationToken.None);
        var sent = await sender.SendAsync(receiver.Url, "0123456789ab", 1, "{}"u8.ToArray(), CancellationToken.None);

        Assert.Contains("private, loopback or link-local", refused, StringComparison.Ordinal);
        Assert.Null(sent);
        Assert.True(SignatureHolds(Assert.Single(receiver.Received)));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("93.184.216.34", false)]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946", false)]
    public void MayConnect_InternalAddresses_OnlyWhenThePrefixNamesThem(string address, bool internalAddress)
    {
        var ip = System.Net.IPAddress.Parse(address);

        Assert.Equal(!internalAddress, server::StyleGrpc.Server.Webhooks.WebhookUrls.MayConnect(ip, new Uri("https://hooks.example.com/")));
        var named = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !ip.IsIPv4MappedToIPv6 ? $"[{ip}]" : ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : ip.ToString();
        Assert.True(server::StyleGrpc.Server.Webhooks.WebhookUrls.MayConnect(ip, new Uri($"http://{named}:8080/")));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hooks/a", "http://127.0.0.1:8080/hooks/", true)]
    [InlineData("http://127.0.0.1:80801/hooks/a", "http://127.0.0.1:8080", false)]
    [InlineData("http://127.0.0.1:8080@evil.example/hooks/a", "http://127.0.0.1:8080/", false)]
    [InlineData("HTTP://Hooks.Example.com/x", "http://hooks.example.com/", true)]
    [InlineData("http://hooks.example.com.evil.example/x", "http://hooks.example.com", false)]
    [InlineData("file:///etc/passwd", "file:///", false)]
    public void AllowedPrefix_ComparesNormalisedUrls(string url, string prefix, bool allowed) =>
        Assert.Equal(allowed, server::StyleGrpc.Server.Webhooks.WebhookUrls.AllowedPrefix(url, [prefix]) is not null);

    private static void AssertRefused(RpcException ex, string message)
    {
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("notification.url", Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        Assert.Contains(message, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WebhookSettings_EachFailureNamesItsSetting()
    {
        var validator = new StyleGrpcServerOptionsValidator();
        var o = new StyleGrpcServerOptions();
        o.Webhooks.AllowedUrls = ["https://hooks.example.com/", "hooks.example.com"];
        o.Webhooks.DefaultUrls["key-0123456789ab"] = "https://elsewhere.example.com/x";
        o.Webhooks.Defaults.Add(new WebhookDefault { Caller = "jwt:https://login.example.com/|alice", Url = "https://elsewhere.example.com/y" });
        o.Webhooks.Defaults.Add(new WebhookDefault { Caller = "", Url = "https://hooks.example.com/z" });
        o.Webhooks.Defaults.Add(new WebhookDefault { Caller = "key-0123456789ab", Url = "https://hooks.example.com/z" });
        o.Webhooks.FirstRetrySeconds = 0;
        o.ResultRetentionHours = 12;

        var failures = validator.Validate(null, o).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Webhooks:AllowedUrls:1 must be an absolute http(s) URL", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Webhooks:SigningSecret must be set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Webhooks:DefaultUrls:key-0123456789ab ('https://elsewhere.example.com/x') must", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Webhooks:FirstRetrySeconds must be between", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Webhooks:RetryHours (24) must not exceed StyleGrpc:ResultRetentionHours (12)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Webhooks:Defaults:0:Url ('https://elsewhere.example.com/y') must", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Webhooks:Defaults:1:Caller must be set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StyleGrpc:Webhooks:Defaults:2:Caller 'key-0123456789ab' has a default URL already", StringComparison.Ordinal));
        Assert.Equal(8, failures.Count);
        o.Webhooks.Defaults.RemoveRange(1, 2);
        o.ResultRetentionHours = 24;
        o.Webhooks.AllowedUrls = ["https://hooks.example.com/", "https://elsewhere.example.com/"];
        o.Webhooks.SigningSecret = Secret;
        o.Webhooks.FirstRetrySeconds = 1;
        Assert.True(validator.Validate(null, o).Succeeded);
        Assert.Equal("https://elsewhere.example.com/y", o.Webhooks.DefaultUrlOf("jwt:https://login.example.com/|alice"));
        Assert.Equal("https://elsewhere.example.com/x", o.Webhooks.DefaultUrlOf("key-0123456789ab"));
        Assert.Null(o.Webhooks.DefaultUrlOf("anonymous"));
    }

    [Fact]
    public void Bind_DefaultsList_HoldsCallerIdsWithColons()
    {
        var bound = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StyleGrpc:Webhooks:Defaults:0:Caller"] = "jwt:https://login.example.com/|alice",
            ["StyleGrpc:Webhooks:Defaults:0:Url"] = "https://hooks.example.com/alice",
        }).Build().GetSection(StyleGrpcServerOptions.Section).Get<StyleGrpcServerOptions>()!;

        Assert.Equal("https://hooks.example.com/alice", bound.Webhooks.DefaultUrlOf("jwt:https://login.example.com/|alice"));
    }
}
