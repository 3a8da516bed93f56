using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Tests;

/// <summary>The HTTP+JSON face (transcoded from the gRPC contract) over real HTTP/1.1: one shared open server (with "starry"), a keyed one of its own.</summary>
[Collection(ServerCollection.Name)]
public sealed class HttpApiTests(HttpServer server) : IClassFixture<HttpServer>
{
    internal static async Task<(ServerHost Host, HttpClient Http)> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var port = ServerProcess.FreePort();
        settings ??= [];
        settings["StyleGrpc:Http:Url"] = $"http://127.0.0.1:{port}";
        var host = await ServerHost.StartAsync(settings);
        var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Frames.Timeout };
        return (host, http);
    }

    private static string Base64(string image) => Convert.ToBase64String(File.ReadAllBytes(TestData.Image(image)));

    [Fact]
    public async Task Styles_RegisterListGetImageDelete_OverHttp()
    {
        // The shared server already has "starry": this test adds and deletes a style of its own.
        var http = server.Http;

        var created = await http.PostAsJsonAsync("/v1/styles", new { styleId = "starry-http", displayName = "The Starry Night", image = Base64("starry_night.jpg"), styleSize = 64 });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("styles/starry-http", (await created.Content.ReadFromJsonAsync<JsonObject>())!["name"]!.GetValue<string>());

        var list = await http.GetFromJsonAsync<JsonObject>("/v1/styles");
        Assert.Equal(["starry", "starry-http"], list!["styles"]!.AsArray().Select(s => s!["styleId"]!.GetValue<string>()));
        var one = await http.GetFromJsonAsync<JsonObject>("/v1/styles/starry-http");
        Assert.Equal("The Starry Night", one!["displayName"]!.GetValue<string>());
        var info = await http.GetFromJsonAsync<JsonObject>("/v1/info");
        Assert.Equal("vgg19", info!["network"]!["name"]!.GetValue<string>());

        var thumbnail = await http.GetAsync("/v1/styles/starry-http/image?max_side=64");
        Assert.Equal("image/png", thumbnail.Content.Headers.ContentType!.MediaType);
        var decoded = ImageCodec.Decode(await thumbnail.Content.ReadAsByteArrayAsync());
        Assert.Equal(64, Math.Max(decoded.Width, decoded.Height));
        var original = await http.GetAsync("/v1/styles/starry-http/image");
        Assert.Equal("image/jpeg", original.Content.Headers.ContentType!.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(TestData.Image("starry_night.jpg")), await original.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/v1/styles/starry-http")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/styles/starry-http")).StatusCode);
    }

    [Fact]
    public async Task Stylize_StreamsOneJsonObjectPerLine_AsTheJobRuns()
    {
        var http = server.Http;
        var body = new { styleName = "starry", contentImage = Base64("tubingen.jpg"), options = new { maxSide = 64, iterations = 6, previewEvery = 3, relativeTolerance = 0 } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/stylize") { Content = JsonContent.Create(body) };

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var frames = new List<JsonObject>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                frames.Add(JsonNode.Parse(line)!.AsObject());
            }
        }

        Assert.True(frames[0].ContainsKey("accepted"));
        Assert.True(frames[1].ContainsKey("started"));
        Assert.True(frames[^1].ContainsKey("result"));
        var progress = frames.Where(f => f.ContainsKey("progress")).Select(f => f["progress"]!).ToList();
        Assert.Equal(6, progress[^1]["iteration"]!.GetValue<int>());
        Assert.Equal([3, 6], progress.Where(p => p["preview"] is not null).Select(p => p["iteration"]!.GetValue<int>()));
        var image = ImageCodec.Decode(Convert.FromBase64String(frames[^1]["result"]!["image"]!["data"]!.GetValue<string>()));
        Assert.Equal((64, 48), (image.Width, image.Height));
    }

    [Fact]
    public async Task Operations_SubmitWatchListGet_OverHttp()
    {
        var http = server.Http;
        var body = new { styleName = "starry", contentImage = Base64("tubingen.jpg"), options = new { maxSide = 64, iterations = 4, previewEvery = 2, relativeTolerance = 0 } };

        var submitted = await http.PostAsJsonAsync("/v1/stylize:submit", body);
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var name = (await submitted.Content.ReadFromJsonAsync<JsonObject>())!["name"]!.GetValue<string>();
        Assert.StartsWith("operations/", name);
        var watched = await http.GetStringAsync($"/v1/{name}:watch?after_sequence=0");
        var frames = watched.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.True(frames[^1].ContainsKey("result"));

        // GET /v1/operations is ListOperations, not GetOperation of "operations/" (both routes match the path). A job's end
        // is stored before its last frame is passed on, so whoever has the result finds the operation done.
        var list = await http.GetFromJsonAsync<JsonObject>("/v1/operations");
        var listed = list!["operations"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == name)!;
        Assert.True(listed["done"]!.GetValue<bool>());
        Assert.Equal("SUCCEEDED", listed["metadata"]!["state"]!.GetValue<string>());
        var one = await http.GetFromJsonAsync<JsonObject>($"/v1/{name}");
        Assert.Equal("type.googleapis.com/stylegrpc.v1.Result", one!["response"]!["@type"]!.GetValue<string>());
        var image = ImageCodec.Decode(Convert.FromBase64String(one["response"]!["image"]!["data"]!.GetValue<string>()));
        Assert.Equal((64, 48), (image.Width, image.Height));
    }

    // UploadVideo's HTTP form: the file as the body of POST /v1/uploads, then a video job naming it over HTTP+JSON.
    [Fact]
    public async Task VideoUpload_TheFileAsTheBody_ThenAJobNamesIt_OverHttp()
    {
        var http = server.Http;
        var clip = await File.ReadAllBytesAsync(TestData.Video("pan.mp4"));

        var uploaded = await http.PostAsync("/v1/uploads", new ByteArrayContent(clip));
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        var upload = (await uploaded.Content.ReadFromJsonAsync<JsonObject>())!;
        var name = upload["name"]!.GetValue<string>();
        Assert.Matches("^uploads/[0-9a-f]{24}$", name);
        Assert.Equal(clip.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), upload["sizeBytes"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(clip)), upload["sha256"]!.GetValue<string>());

        var submitted = await http.PostAsJsonAsync("/v1/videos:stylize",
            new { videoUpload = name, styleName = "starry", options = new { maxSide = 64, iterations = 2 }, frameRange = new { count = 2 } });
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var operation = (await submitted.Content.ReadFromJsonAsync<JsonObject>())!["name"]!.GetValue<string>();
        var watched = await http.GetStringAsync($"/v1/{operation}:watch?after_sequence=0");
        var last = JsonNode.Parse(watched.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!.AsObject();
        Assert.Equal(2, last["videoResult"]!["frames"]!.GetValue<int>());

        // An empty body, and a name no upload has: the same errors as over gRPC.
        var empty = await http.PostAsync("/v1/uploads", new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.StartsWith("data:", (await empty.Content.ReadFromJsonAsync<JsonObject>())!["message"]!.GetValue<string>());
        var unknown = await http.PostAsJsonAsync("/v1/videos:stylize", new { videoUpload = "uploads/000000000000000000000000", styleName = "starry" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task BadRequest_Returns400NamingTheSameFieldAsGrpc()
    {
        var (host, http) = (server.Host, server.Http);

        var response = await http.PostAsJsonAsync("/v1/stylize", new { styleName = "starry", contentImage = Base64("tubingen.jpg"), options = new { iterations = 999_999 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.StartsWith("options.iterations:", error["message"]!.GetValue<string>());
        Assert.Equal("options.iterations", error["details"]!.AsArray().Single(d => d!["@type"]!.GetValue<string>().EndsWith("google.rpc.BadRequest", StringComparison.Ordinal))!["fieldViolations"]![0]!["field"]!.GetValue<string>());
        // The same AIP-193 ErrorInfo as over gRPC.
        var errorInfo = error["details"]!.AsArray().Single(d => d!["@type"]!.GetValue<string>().EndsWith("google.rpc.ErrorInfo", StringComparison.Ordinal))!;
        Assert.Equal(("INVALID_FIELD", "stylegrpc", "options.iterations"),
            (errorInfo["reason"]!.GetValue<string>(), errorInfo["domain"]!.GetValue<string>(), errorInfo["metadata"]!["field"]!.GetValue<string>()));
        var grpc = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
        {
            var same = Frames.Request();
            same.Options.Iterations = 999_999;
            return Frames.CollectAsync(host.Client, same);
        });
        Assert.Equal(grpc.Status.Detail, error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task JsonBody_CarriesAsManyBytesAsGrpc_ThoughBase64IsAThirdLarger()
    {
        var http = server.Http;
        // 26 MiB of bytes (under MaxRequestBytes, 32 MiB) are 34.7 MiB of base64: over MaxRequestBytes + 1 MiB. The server
        // reads the body and looks at the bytes (not a video: 400 naming it) rather than refusing the body's size (413).
        var bytes = new byte[26 << 20];
        new Random(3).NextBytes(bytes);

        var response = await http.PostAsJsonAsync("/v1/videos:stylize", new { styleName = "starry", video = Convert.ToBase64String(bytes) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.StartsWith("video:", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiKeys_AndRoles_ApplyToTheHttpFaceToo()
    {
        var (host, http) = await StartAsync(TestKeys.Settings(("admin-key", "admin"), ("user-key", "user")));
        await using var _ = host;
        using var __ = http;
        var style = new { styleId = "starry", image = Base64("starry_night.jpg"), styleSize = 64 };

        var missing = await http.GetAsync("/v1/styles");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("CREDENTIALS_MISSING", await missing.Content.ReadAsStringAsync());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "user-key");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/styles")).StatusCode);
        var forbidden = await http.PostAsJsonAsync("/v1/styles", style);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var refusal = (await forbidden.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("role", refusal["message"]!.GetValue<string>());
        // The same AIP-193 status as every other error: the gRPC code and ErrorInfo.
        Assert.Equal(7, refusal["code"]!.GetValue<int>());
        var errorInfo = refusal["details"]!.AsArray().Single(d => d!["@type"]!.GetValue<string>().EndsWith("google.rpc.ErrorInfo", StringComparison.Ordinal))!;
        Assert.Equal(("PERMISSION_DENIED", "stylegrpc", "user"),
            (errorInfo["reason"]!.GetValue<string>(), errorInfo["domain"]!.GetValue<string>(), errorInfo["metadata"]!["caller_role"]!.GetValue<string>()));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "admin-key");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/v1/styles", style)).StatusCode);
        // The page itself is public: it asks for the key.
        http.DefaultRequestHeaders.Authorization = null;
        Assert.Contains("<title>StyleGrpc</title>", await http.GetStringAsync("/"));
    }

    [Fact]
    public async Task OpenApi_DescribesTheTranscodedRoutes_PubliclyOnTheHttpPort()
    {
        // With keys on: the description is public, like the page.
        var (host, http) = await StartAsync(TestKeys.Settings(("admin-key", "admin")));
        await using var _ = host;
        using var __ = http;

        var response = await http.GetAsync("/openapi.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.StartsWith("3.", document["openapi"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject();
        Assert.Contains("get", paths["/v1/styles"]!.AsObject().Select(m => m.Key));
        Assert.Contains("post", paths["/v1/styles"]!.AsObject().Select(m => m.Key));
        // Resource names keep their collection in the path; custom verbs keep their colon.
        Assert.Equal(["get", "delete"], paths["/v1/styles/{name}"]!.AsObject().Select(m => m.Key));
        Assert.NotNull(paths["/v1/styles/{name}/image"]!["get"]);
        Assert.NotNull(paths["/v1/operations/{name}:watch"]!["get"]);
        Assert.NotNull(paths["/v1/info"]!["get"]);
        var submit = paths["/v1/stylize:submit"]!["post"]!;
        // The proto comments are the descriptions.
        Assert.Contains("outlives the call", submit["summary"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/Operation", submit["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        var nameParameter = paths["/v1/styles/{name}"]!["get"]!["parameters"]!.AsArray().Single()!;
        Assert.Equal("path", nameParameter["in"]!.GetValue<string>());
        Assert.Contains("styles/*", nameParameter["description"]!.GetValue<string>());
        // Not the generator's own collapsed rendering, under which GetStyle and GetOperation would clash.
        Assert.Null(paths["/v1/{name}"]);
    }
}
