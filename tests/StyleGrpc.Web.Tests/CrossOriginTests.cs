using System.Text.Json;
using Microsoft.Playwright;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Web.Tests;

/// <summary>
/// A browser app on another origin (<see cref="OtherOriginSite"/>) calling the server in Debian's Chromium: the JSON API and
/// gRPC-Web (frames and protobuf made by hand in the page's script), allowed from the origin listed in
/// <c>StyleGrpc:Http:CorsOrigins</c> and blocked by the browser from the other one.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CrossOriginTests
{
    private const string AdminKey = "cross-admin-key";
    private const string UserKey = "cross-user-key";

    // A small PNG, 64 × 48: small enough to send inline in a script's argument, big enough for the network's pooling.
    private static readonly string SmallPng = Convert.ToBase64String(ImageCodec.Encode(
        ImageCodec.Resize(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("tubingen.jpg"))), 64, 48)));

    private static Task<CrossOriginSetup> StartAsync(bool anyOrigin = false) =>
        CrossOriginSetup.StartAsync(TestKeys.Settings((AdminKey, "admin"), (UserKey, "user")), anyOrigin);

    private static Task<JsonElement> CallAsync(IPage page, string function, params object?[] args) =>
        page.EvaluateAsync<JsonElement>($"args => {function}(...args)", args);

    [Fact]
    public async Task JsonApi_FromAListedOrigin_Works_FromAnotherTheBrowserBlocksIt()
    {
        await using var setup = await StartAsync();
        var (host, url, site) = (setup.Host, setup.Url, setup.Site);

        var (listed, _) = await setup.OpenAsync(site.Origins[0]);
        var registered = await CallAsync(listed, "registerStyle", url, AdminKey, "from-listed", SmallPng);
        Assert.Equal(200, registered.GetProperty("status").GetInt32());
        Assert.Equal("styles/from-listed", registered.GetProperty("body").GetProperty("name").GetString());
        Assert.Equal("from-listed", (await host.Registry.GetAsync("from-listed", CancellationToken.None)).Id);
        // A refusal reaches the script too (status, body, challenge), so an app can tell a bad key from a blocked call.
        var refused = await CallAsync(listed, "registerStyle", url, "not-a-key", "refused", SmallPng);
        Assert.Equal(401, refused.GetProperty("status").GetInt32());
        Assert.Equal(16, refused.GetProperty("body").GetProperty("code").GetInt32());
        Assert.StartsWith("Bearer", refused.GetProperty("challenge").GetString());

        var (other, console) = await setup.OpenAsync(site.Origins[1]);
        var blocked = await CallAsync(other, "registerStyle", url, AdminKey, "from-other", SmallPng);
        Assert.Equal("TypeError", blocked.GetProperty("error").GetString());
        Assert.Contains(console, m => m.Contains($"from origin '{site.Origins[1]}' has been blocked by CORS policy", StringComparison.Ordinal));
        // The preflight failed, so the POST itself was never sent: nothing was registered.
        Assert.DoesNotContain("from-other", (await host.Registry.ListAsync(null, 100, CancellationToken.None)).Page.Select(s => s.Id));
    }

    [Fact]
    public async Task GrpcWeb_FromAListedOrigin_UnaryAndTextStream_FromAnotherTheBrowserBlocksIt()
    {
        await using var setup = await StartAsync();
        var (host, url, site) = (setup.Host, setup.Url, setup.Site);
        var (listed, _) = await setup.OpenAsync(site.Origins[0]);

        // Unary, binary gRPC-Web: the message, then grpc-status 0 in the trailers frame.
        var info = await CallAsync(listed, "getServerInfo", url, UserKey);
        Assert.Equal(200, info.GetProperty("httpStatus").GetInt32());
        Assert.Equal("application/grpc-web", info.GetProperty("contentType").GetString());
        Assert.Equal(Engine.StyleTransferEngine.Version, info.GetProperty("version").GetString());
        Assert.Equal("user", info.GetProperty("callerRole").GetString());
        Assert.Equal("0", info.GetProperty("trailers").GetProperty("grpc-status").GetString());
        // A refused key: a trailers-only answer, its status in the (exposed) headers.
        var refused = await CallAsync(listed, "getServerInfo", url, "not-a-key");
        Assert.Equal("16", refused.GetProperty("headerStatus").GetString());
        Assert.False(string.IsNullOrEmpty(refused.GetProperty("headerMessage").GetString()));

        // Server streaming over gRPC-Web text: accepted, started, every progress frame, the result, then status 0.
        var stream = await CallAsync(listed, "stylizeText", url, UserKey, SmallPng, 48, 4);
        Assert.True(stream.TryGetProperty("kinds", out var kinds), stream.ToString());
        Assert.Equal("application/grpc-web-text", stream.GetProperty("contentType").GetString());
        var frames = kinds.EnumerateArray().Select(k => k.GetInt32()).ToArray();
        Assert.True(frames is [1, .., 5] && frames.Contains(3) && frames.Contains(4), stream.ToString());
        // Progress frames may be coalesced for a slow reader, never reordered.
        var iterations = stream.GetProperty("iterations").EnumerateArray().Select(i => i.GetInt32()).ToArray();
        Assert.True(iterations.Zip(iterations.Skip(1)).All(p => p.First < p.Second) && iterations[^1] <= 4, stream.ToString());
        Assert.Equal(4, stream.GetProperty("iterationsRun").GetInt32());
        Assert.Equal("0", stream.GetProperty("trailers").GetProperty("grpc-status").GetString());
        var image = ImageCodec.Decode(Convert.FromBase64String(stream.GetProperty("image").GetString()!));
        Assert.Equal(48, Math.Max(image.Width, image.Height));
        Assert.Equal((image.Width, image.Height), (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32()));

        var (other, console) = await setup.OpenAsync(site.Origins[1]);
        var blocked = await CallAsync(other, "getServerInfo", url, UserKey);
        Assert.Equal("TypeError", blocked.GetProperty("error").GetString());
        Assert.Contains(console, m => m.Contains("has been blocked by CORS policy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsonApi_AnyOrigin_TheKeyInItsHeaderStillWorks()
    {
        // "*" allows no credentials (cookies); the key is a header the script sets, which the preflight allows by name.
        await using var setup = await StartAsync(anyOrigin: true);
        var (host, url, site) = (setup.Host, setup.Url, setup.Site);

        var (page, _) = await setup.OpenAsync(site.Origins[1]);
        var registered = await CallAsync(page, "registerStyle", url, AdminKey, "from-anywhere", SmallPng);
        Assert.Equal(200, registered.GetProperty("status").GetInt32());
        Assert.Equal("from-anywhere", (await host.Registry.GetAsync("from-anywhere", CancellationToken.None)).Id);
        var info = await CallAsync(page, "getServerInfo", url, UserKey);
        Assert.Equal("user", info.GetProperty("callerRole").GetString());
    }
}
