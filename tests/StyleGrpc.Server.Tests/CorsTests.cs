using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// The HTTP face for browser apps on other origins (<c>StyleGrpc:Http:CorsOrigins</c>) over real HTTP/1.1: what a preflight
/// answers to a listed origin and to another, and gRPC-Web on the same port. The browser's side is in StyleGrpc.Web.Tests.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CorsTests
{
    private const string App = "http://app.example:5173";

    private static readonly string[] AllowedHeaders = ["authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"];

    private static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string[] Values(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? [.. values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries))] : [];

    private static string[] CorsHeaders(HttpResponseMessage response) =>
        [.. response.Headers.Select(h => h.Key).Where(k => k.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase))];

    [Fact]
    public async Task Preflight_ListedOrigin_AllowsTheHeadersOfJsonAndGrpcWeb_OtherOriginGetsNone()
    {
        var (host, http) = await HttpApiTests.StartAsync(new() { ["StyleGrpc:Http:CorsOrigins:0"] = App, ["StyleGrpc:Http:CorsOrigins:1"] = "https://other.example" });
        await using var _ = host;
        using var __ = http;

        using var json = await http.SendAsync(Preflight("/v1/styles", App, "POST", "authorization,content-type"));
        Assert.Equal(HttpStatusCode.NoContent, json.StatusCode);
        Assert.Equal([App], Values(json, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Values(json, "Access-Control-Allow-Methods"));
        // The policy's whole list, whatever the preflight asked for.
        Assert.Equal(AllowedHeaders, Values(json, "Access-Control-Allow-Headers"));
        Assert.Equal(["600"], Values(json, "Access-Control-Max-Age"));
        // No credentials mode: the key travels in a header, never in a cookie.
        Assert.Empty(Values(json, "Access-Control-Allow-Credentials"));

        using var grpcWeb = await http.SendAsync(Preflight("/stylegrpc.v1.StyleTransferService/Stylize", App, "POST",
            "authorization,content-type,x-grpc-web,x-user-agent,grpc-timeout"));
        Assert.Equal(HttpStatusCode.NoContent, grpcWeb.StatusCode);
        Assert.Equal([App], Values(grpcWeb, "Access-Control-Allow-Origin"));
        Assert.Equal(AllowedHeaders, Values(grpcWeb, "Access-Control-Allow-Headers"));

        using var other = await http.SendAsync(Preflight("/v1/styles", "http://evil.example", "POST", "authorization,content-type"));
        Assert.Empty(CorsHeaders(other));

        // The answer itself names the origin and exposes gRPC's status headers.
        using var info = new HttpRequestMessage(HttpMethod.Get, "/v1/info");
        info.Headers.Add("Origin", App);
        using var answer = await http.SendAsync(info);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal([App], Values(answer, "Access-Control-Allow-Origin"));
        Assert.Equal(["grpc-status", "grpc-message", "grpc-status-details-bin", "www-authenticate"], Values(answer, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task Preflight_NoOriginsSet_NoCorsHeadersAtAll_AnyOriginAnswersStar()
    {
        var (host, http) = await HttpApiTests.StartAsync();
        await using (host)
        using (http)
        {
            using var preflight = await http.SendAsync(Preflight("/v1/styles", App, "POST", "authorization,content-type"));
            Assert.Empty(CorsHeaders(preflight));
            using var info = new HttpRequestMessage(HttpMethod.Get, "/v1/info");
            info.Headers.Add("Origin", App);
            using var answer = await http.SendAsync(info);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Empty(CorsHeaders(answer));
        }

        (host, http) = await HttpApiTests.StartAsync(new() { ["StyleGrpc:Http:CorsOrigins:0"] = "*" });
        await using (host)
        using (http)
        {
            using var preflight = await http.SendAsync(Preflight("/v1/styles", "http://anything.example", "POST", "authorization,content-type"));
            Assert.Equal(["*"], Values(preflight, "Access-Control-Allow-Origin"));
            Assert.Equal(AllowedHeaders, Values(preflight, "Access-Control-Allow-Headers"));
        }
    }

    [Theory]
    [InlineData("application/grpc-web")]
    [InlineData("application/grpc-web-text")]
    public async Task GrpcWeb_GetServerInfo_OverHttp11_AnswersMessageAndTrailers(string contentType)
    {
        var (host, http) = await HttpApiTests.StartAsync();
        await using var _ = host;
        using var __ = http;
        // An empty GetServerInfoRequest: the frame header alone (not compressed, length 0).
        byte[] frame = [0, 0, 0, 0, 0];
        var text = contentType.EndsWith("-text", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/stylegrpc.v1.StyleTransferService/GetServerInfo")
        {
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(text ? Encoding.ASCII.GetBytes(Convert.ToBase64String(frame)) : frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Add("x-grpc-web", "1");
        // The answer's mode follows Accept (as gRPC-Web clients send it); without it the answer is binary.
        request.Headers.Add("Accept", contentType);

        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (text)
        {
            // gRPC-Web text is each frame base64-encoded on its own, so padding may end a chunk in the middle of the body.
            body = [.. System.Text.RegularExpressions.Regex.Matches(Encoding.ASCII.GetString(body), "[^=]+=*")
                .SelectMany(chunk => Convert.FromBase64String(chunk.Value))];
        }

        // A data frame (flag 0) with the ServerInfo, then the trailers frame (flag 0x80) with grpc-status: 0.
        Assert.Equal(0, body[0]);
        var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1));
        var info = StyleGrpc.Protos.V1.ServerInfo.Parser.ParseFrom(body, 5, length);
        Assert.Equal(StyleGrpc.Engine.StyleTransferEngine.Version, info.Version);
        var trailers = body.AsSpan(5 + length);
        Assert.Equal(0x80, trailers[0]);
        var fields = Encoding.ASCII.GetString(trailers[5..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2, StringSplitOptions.TrimEntries)).ToDictionary(f => f[0], f => f[1]);
        Assert.Equal("0", fields["grpc-status"]);
    }
}
