using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using StyleGrpc.Client;

namespace StyleGrpc.Client.Tests;

/// <summary>
/// API keys with roles, per-key quotas, open servers beyond loopback, and TLS, against real servers: a shared keyed
/// server and a shared open one where the test needs no settings of its own, a real process where the point is the
/// process. How the header is parsed is unit-tested on the handler (ApiKeyAuthenticationHandlerTests).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AccessTests(KeyedServer keyed, OpenServer open) : IClassFixture<KeyedServer>, IClassFixture<OpenServer>
{
    private const string AdminKey = KeyedServer.AdminKey;
    private const string UserKey = KeyedServer.UserKey;

    private static StyleGrpcClient Connect(string address, string? apiKey = null, string? ca = null) =>
        new(new StyleGrpcClientOptions { Address = new Uri(address), ApiKey = apiKey, CaCertificatePath = ca, MaxAttempts = 1 });

    private static byte[] Content => File.ReadAllBytes(TestData.Image("tubingen.jpg"));

    private static async Task<JobCompleted> StylizeAsync(StyleGrpcClient client, int iterations = 2)
    {
        JobCompleted? completed = null;
        await foreach (var update in client.StylizeAsync(Content, StyleSpec.Registered("starry"), new StylizeOptions { MaxSide = 64, Iterations = iterations }))
        {
            completed = update as JobCompleted ?? completed;
        }
        return completed!;
    }

    [Fact]
    public async Task Roles_AdminManagesStyles_UserOnlyUsesThem()
    {
        var host = keyed.Host;
        using var admin = Connect(host.Address, AdminKey);
        using var user = Connect(host.Address, UserKey);

        await admin.RegisterStyleAsync("starry", TestData.Image("starry_night.jpg"), new RegisterStyleOptions { StyleSize = 64 });
        Assert.Equal(2, (await StylizeAsync(user)).IterationsRun);
        Assert.Equal("starry", (await user.GetStyleAsync("starry")).Id);
        Assert.Equal(1, (await user.ListStylesAsync()).TotalSize);
        Assert.Equal("vgg19", (await user.GetServerInfoAsync()).Network);

        var register = await Assert.ThrowsAsync<StyleGrpcException>(() =>
            user.RegisterStyleAsync("starry", TestData.Image("the_scream.jpg"), new RegisterStyleOptions { StyleSize = 64, Replace = true }));
        var delete = await Assert.ThrowsAsync<StyleGrpcException>(() => user.DeleteStyleAsync("starry"));
        Assert.Equal(StatusCode.PermissionDenied, register.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, delete.StatusCode);
        Assert.Contains("role", register.Detail);
        var info = ErrorInfoOf(register);
        Assert.Equal(("PERMISSION_DENIED", "stylegrpc", "user"), (info.Reason, info.Domain, info.Metadata["caller_role"]));
        Assert.Equal("/stylegrpc.v1.StyleTransferService/RegisterStyle", info.Metadata["method"]);
        // The user's attempts changed nothing.
        Assert.Equal((await admin.GetStyleAsync("starry")).ImageSha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(TestData.Image("starry_night.jpg")))));
        await admin.DeleteStyleAsync("starry");
    }

    [Theory]
    [InlineData(null, "CREDENTIALS_MISSING")]
    [InlineData("not-a-key-of-this-server", "API_KEY_INVALID")]
    public async Task MissingOrUnknownKey_IsUnauthenticated_WithErrorInfo(string? key, string reason)
    {
        using var client = Connect(keyed.Host.Address, key);

        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => client.ListStylesAsync());

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        var info = ErrorInfoOf(ex);
        Assert.Equal((reason, "stylegrpc"), (info.Reason, info.Domain));
    }

    /// <summary>The google.rpc.ErrorInfo in the status details (grpc-status-details-bin) of a failed call.</summary>
    internal static Google.Rpc.ErrorInfo ErrorInfoOf(StyleGrpcException ex) =>
        Assert.IsType<RpcException>(ex.InnerException).GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>() ?? throw new Xunit.Sdk.XunitException("no ErrorInfo: " + ex.Detail);

    [Fact]
    public async Task AuthorizationHeader_SchemeInAnyCaseWithTheExactKey_IsAcceptedEndToEnd()
    {
        // The header as sent over HTTP/2 reaches the handler unchanged (its parsing, case by case, is unit-tested).
        var client = new Protos.V1.StyleTransferService.StyleTransferServiceClient(keyed.Host.Channel);

        var info = await client.GetServerInfoAsync(new Protos.V1.GetServerInfoRequest(), new Metadata { { "authorization", "bEARER " + UserKey } },
            deadline: DateTime.UtcNow.AddSeconds(60));

        Assert.Equal("vgg19", info.Network.Name);
    }

    [Fact]
    public async Task Quotas_StylizeRateAndJobsPerKey_AreRefusedWithARetryHint()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string?>(TestKeys.Settings((AdminKey, "admin"), (UserKey, "user")))
        {
            ["StyleGrpc:StylizePerMinutePerKey"] = "2",
            ["StyleGrpc:MaxJobsPerKey"] = "1",
        });
        using var admin = Connect(host.Address, AdminKey);
        using var user = Connect(host.Address, UserKey);
        await admin.RegisterStyleAsync("starry", TestData.Image("starry_night.jpg"), new RegisterStyleOptions { StyleSize = 64 });

        // Jobs per key: while one of the user's jobs runs, a second is refused; another key's is not.
        using var running = new CancellationTokenSource();
        var long1 = user.StylizeAsync(Content, StyleSpec.Registered("starry"),
            new StylizeOptions { MaxSide = 64, Iterations = 5000, Optimizer = OptimizerKind.Adam, RelativeTolerance = 0 }, cancellationToken: running.Token)
            .GetAsyncEnumerator(running.Token);
        Assert.True(await long1.MoveNextAsync());
        var busy = await Assert.ThrowsAsync<StyleGrpcException>(() => StylizeAsync(user));
        Assert.Equal(StatusCode.ResourceExhausted, busy.StatusCode);
        Assert.Contains("MaxJobsPerKey", busy.Detail);
        await running.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () => { while (await long1.MoveNextAsync()) { } });
        await long1.DisposeAsync();

        // Rate: the user's bucket of 2 Stylize calls a minute is used up (the refused call above counted too).
        var limited = await Assert.ThrowsAsync<StyleGrpcException>(() => StylizeAsync(user));
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        Assert.NotNull(limited.RetryAfter);
        Assert.InRange(limited.RetryAfter!.Value.TotalSeconds, 0.01, 60);
        // Another key has its own bucket.
        Assert.Equal(2, (await StylizeAsync(admin)).IterationsRun);
    }

    [Fact]
    public async Task InvalidArgument_FieldComesFromTheBadRequestDetail()
    {
        using var client = Connect(open.Host.Address);

        var ex = await Assert.ThrowsAsync<StyleGrpcException>(async () =>
        {
            await foreach (var _ in client.StylizeAsync(Content, StyleSpec.Blend(("starry", 1))))
            {
            }
        });

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("blend.components", ex.Field);
        var rpc = Assert.IsType<RpcException>(ex.InnerException);
        Assert.Equal("blend.components", rpc.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations[0].Field);
    }

    [Fact]
    public async Task OpenServer_BeyondLoopback_RefusesToStartUnlessAllowed()
    {
        var port = ServerProcess.FreePort();
        await using (var refused = ServerProcess.Start(url: $"http://0.0.0.0:{port}"))
        {
            await refused.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, refused.ExitCode);
            Assert.True(refused.LineOf("refusing to listen on http://0.0.0.0") >= 0, string.Join('\n', refused.Output));
        }

        await using var allowed = ServerProcess.Start(new Dictionary<string, string?> { ["StyleGrpc:AllowAnonymous"] = "true" }, url: $"http://0.0.0.0:{port}");
        using var client = Connect($"http://127.0.0.1:{port}");
        Assert.True(await ServerTestSetup.EventuallyAsync(() => Serving(client), TimeSpan.FromSeconds(60)), string.Join('\n', allowed.Output));
        Assert.True(allowed.LineOf("No API keys are configured") >= 0);
    }

    [Fact]
    public async Task Tls_SelfSignedCertificate_ClientTrustsItOnlyWithTheCaFile()
    {
        var dir = TestData.NewTempDirectory();
        var (certPath, keyPath) = SelfSignedCertificate(dir);
        var port = ServerProcess.FreePort();
        await using var server = ServerProcess.Start(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Certificate:Path"] = certPath,
            ["Kestrel:Endpoints:Grpc:Certificate:KeyPath"] = keyPath,
        }, url: $"https://127.0.0.1:{port}");
        var address = $"https://127.0.0.1:{port}";
        using var trusted = Connect(address, ca: certPath);
        Assert.True(await ServerTestSetup.EventuallyAsync(() => Serving(trusted), TimeSpan.FromSeconds(60)), string.Join('\n', server.Output));

        Assert.Equal("vgg19", (await trusted.GetServerInfoAsync()).Network);
        using var untrusted = Connect(address);
        var ex = await Assert.ThrowsAsync<StyleGrpcException>(() => untrusted.GetServerInfoAsync());
        Assert.Contains("SSL", ex.Detail);
        // A plain-text client cannot talk to the TLS endpoint either.
        using var plain = Connect($"http://127.0.0.1:{port}");
        await Assert.ThrowsAsync<StyleGrpcException>(() => plain.GetServerInfoAsync());
    }

    private static bool Serving(StyleGrpcClient client)
    {
        try
        {
            return client.IsServingAsync().Wait(TimeSpan.FromSeconds(5)) && client.IsServingAsync().Result;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    private static (string Cert, string Key) SelfSignedCertificate(string dir)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=StyleGrpc test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(dir, "server.pem");
        var keyPath = Path.Combine(dir, "server.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
