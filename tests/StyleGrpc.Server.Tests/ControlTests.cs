extern alias server;

using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StyleGrpc.Engine;
using StyleGrpc.Engine.Control;
using StyleGrpc.Engine.Imaging;
using StyleGrpc.Protos.V1;
using server::StyleGrpc.Server.Model;
using server::StyleGrpc.Server.Operations;
using server::StyleGrpc.Server.Services;
using server::StyleGrpc.Server.Settings;
using server::StyleGrpc.Server.Styles;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// Control of where, which colours and at what scale (issue 19) over gRPC and HTTP: regions, colour control and
/// per-component layers run and are recorded; bad fields are named; a spec with regions survives the job store's JSON.
/// One shared server with "starry" and an HTTP face.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ControlTests(HttpServer server) : IClassFixture<HttpServer>
{
    private ServerHost Host => server.Host;

    // A 4:3 mask (tubingen's aspect): white above row `split` of 48, black below.
    internal static ByteString Mask(int split = 24, int width = 64, int height = 48)
    {
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)255, 0, split * width * 3);
        return ByteString.CopyFrom(ImageCodec.Encode(new RgbImage(width, height, pixels)));
    }

    private static string Sha256(ByteString bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes.Span));

    [Fact]
    public async Task Stylize_TwoRegionsWithHistogramMatching_RunsAndRecordsThemOverGrpc()
    {
        var request = Frames.Request(iterations: 3);
        request.Options.ColorControl = ColorControl.HistogramMatch;
        var sky = Mask(24);
        var corner = Mask(12);
        request.Regions.Add(new Region { Mask = sky, StyleImage = Frames.Image("the_scream.jpg"), Weight = 2 });
        request.Regions.Add(new Region { Mask = corner, StyleName = "starry" });

        var frames = await Frames.CollectAsync(Host.Client, request);

        var result = frames[^1].Result;
        Assert.Equal((64, 48), (result.Image.Width, result.Image.Height));
        var record = result.Reproducibility;
        Assert.Equal(ColorControl.HistogramMatch, record.ColorControl);
        Assert.Equal(2, record.Regions.Count);
        Assert.Equal(Sha256(sky), record.Regions[0].MaskSha256);
        Assert.StartsWith("inline:", record.Regions[0].Style);
        Assert.Equal(2, record.Regions[0].Weight);
        Assert.Equal(0.5, record.Regions[0].Area, 2);
        Assert.Equal((Sha256(corner), "styles/starry", 1.0), (record.Regions[1].MaskSha256, record.Regions[1].Style, record.Regions[1].Weight));
        Assert.Equal(0.25, record.Regions[1].Area, 2);
    }

    [Fact]
    public async Task Stylize_KeepOriginalColorsAlone_IsRecordedAsKeepOriginal()
    {
        var request = Frames.Request(iterations: 2);
        request.Options.KeepOriginalColors = true;
        var record = (await Frames.CollectAsync(Host.Client, request))[^1].Result.Reproducibility;
        Assert.Equal(ColorControl.KeepOriginal, record.ColorControl);
        Assert.True(record.KeepOriginalColors);
        Assert.Empty(record.Regions);
    }

    [Fact]
    public async Task Stylize_RegionAndLuminanceOnlyOverHttp_KeepsThePhotosChroma()
    {
        var body = new
        {
            styleName = "starry",
            contentImage = Convert.ToBase64String(Frames.Image("tubingen.jpg").Span),
            options = new { maxSide = 64, iterations = 4, relativeTolerance = 0, colorControl = "COLOR_CONTROL_LUMINANCE_ONLY", outputFormat = "IMAGE_FORMAT_PNG" },
            regions = new[] { new { mask = Convert.ToBase64String(Mask(24).Span), styleImage = Convert.ToBase64String(Frames.Image("the_scream.jpg").Span), weight = 1.5 } },
        };
        var frames = await PostStylizeAsync(body);

        var result = frames[^1]["result"]!;
        Assert.Equal("COLOR_CONTROL_LUMINANCE_ONLY", result["reproducibility"]!["colorControl"]!.GetValue<string>());
        Assert.Equal(1.5, result["reproducibility"]!["regions"]![0]!["weight"]!.GetValue<double>());
        var image = ImageCodec.Decode(Convert.FromBase64String(result["image"]!["data"]!.GetValue<string>()));
        // The photo as the job decoded it (scaled on decode, then resized), so resampling makes no difference of its own.
        var photo = ImageCodec.Resize(ImageCodec.Decode(Frames.Image("tubingen.jpg").Span, long.MaxValue, 64), image.Width, image.Height);
        // The photo's chroma (YUV's U and V) within 1 of 255 levels on average: only luminance was optimised.
        var (u, v) = MeanChromaDifference(image, photo);
        Assert.True(u <= 1 && v <= 1, $"mean chroma difference U {u:F2}, V {v:F2}");
    }

    [Fact]
    public async Task Stylize_BlendWithPerComponentLayersOverHttp_RecordsTheEffectiveLayers()
    {
        var body = new
        {
            blend = new
            {
                components = new object[]
                {
                    new { style = "starry", weight = 1, styleLayers = new[] { new { layer = "conv3_1", weight = 1 } } },
                    new { style = "starry", weight = 3, styleLayers = new[] { new { layer = "relu1_1", weight = 1 } } },
                },
            },
            contentImage = Convert.ToBase64String(Frames.Image("tubingen.jpg").Span),
            options = new { maxSide = 64, iterations = 3, relativeTolerance = 0 },
        };
        var frames = await PostStylizeAsync(body);

        var layers = frames[^1]["result"]!["reproducibility"]!["styleLayers"]!.AsArray()
            .Select(l => (l!["layer"]!.GetValue<string>(), l["weight"]!.GetValue<double>())).ToList();
        Assert.Equal([("conv3_1", 0.25), ("relu1_1", 0.75)], layers);
    }

    public static TheoryData<string, string> InvalidRequests => new()
    {
        { "mask-undecodable", "regions[0].mask" },
        { "mask-aspect", "regions[1].mask" },
        { "weight-negative", "regions[0].weight" },
        { "weight-nan", "regions[0].weight" },
        { "too-many", "regions" },
        { "region-no-style", "regions[0].style" },
        { "region-bad-id", "regions[0].style_name" },
        { "region-blend-layers", "regions[0].blend.components[1].style_layers" },
        { "colour-unknown", "options.color_control" },
        { "colour-contradicts", "options.color_control" },
        { "component-layer", "blend.components[1].style_layers[0].layer" },
        { "component-weight", "blend.components[0].style_layers[0].weight" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Stylize_InvalidControlField_ReturnsInvalidArgumentNamingIt(string problem, string field)
    {
        var request = Frames.Request();
        var region = new Region { Mask = Mask(), StyleName = "starry" };
        request.Regions.Add(region);
        switch (problem)
        {
            case "mask-undecodable": region.Mask = ByteString.CopyFrom(new byte[500]); break;
            case "mask-aspect": request.Regions.Add(new Region { Mask = Mask(24, 64, 64), StyleName = "starry" }); break;
            case "weight-negative": region.Weight = -1; break;
            case "weight-nan": region.Weight = double.NaN; break;
            case "too-many": request.Regions.AddRange(Enumerable.Range(0, 8).Select(_ => region.Clone())); break;
            case "region-no-style": region.ClearStyle(); break;
            case "region-bad-id": region.StyleName = "Not An Id"; break;
            case "region-blend-layers":
                region.Blend = Blend(("starry", 1, null), ("starry", 1, "relu1_1"));
                break;
            case "colour-unknown": request.Options.ColorControl = (ColorControl)99; break;
            case "colour-contradicts": request.Options.ColorControl = ColorControl.LuminanceOnly; request.Options.KeepOriginalColors = true; break;
            case "component-layer": request.Blend = Blend(("starry", 1, "relu1_1"), ("starry", 1, "conv9_9")); break;
            case "component-weight":
                request.Blend = Blend(("starry", 1, "relu1_1"), ("starry", 1, null));
                request.Blend.Components[0].StyleLayers[0].Weight = -2;
                break;
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(Host.Client, request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith(field + ":", ex.Status.Detail);
        Assert.Equal(field, Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task Stylize_RegionWithAnUnknownStyle_ReturnsNotFoundNamingTheRegion()
    {
        var request = Frames.Request();
        request.Regions.Add(new Region { Mask = Mask(), StyleName = "starry" });
        request.Regions.Add(new Region { Mask = Mask(), StyleName = "no-such-style" });

        var ex = await Assert.ThrowsAsync<RpcException>(() => Frames.CollectAsync(Host.Client, request));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.StartsWith("regions[1].style_name:", ex.Status.Detail);
    }

    [Fact]
    public async Task Stylize_MaskOfAnotherAspectOverHttp_Returns400NamingTheField()
    {
        var body = new
        {
            styleName = "starry",
            contentImage = Convert.ToBase64String(Frames.Image("tubingen.jpg").Span),
            regions = new[] { new { mask = Convert.ToBase64String(Mask(24, 64, 64).Span), styleName = "starry" } },
        };
        var response = await server.Http.PostAsJsonAsync("/v1/stylize", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.StartsWith("regions[0].mask:", error["message"]!.GetValue<string>());
        Assert.Equal("regions[0].mask", error["details"]!.AsArray().Single(d => d!["@type"]!.GetValue<string>().EndsWith("google.rpc.BadRequest", StringComparison.Ordinal))!["fieldViolations"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetServerInfo_ReportsMaxRegions()
    {
        var info = await Host.Client.GetServerInfoAsync(new GetServerInfoRequest(), deadline: DateTime.UtcNow + Frames.Timeout);
        Assert.Equal(Host.Services.GetRequiredService<IOptions<StyleGrpcServerOptions>>().Value.MaxRegions, info.Limits.MaxRegions);
        Assert.Equal(8, info.Limits.MaxRegions);
    }

    [Fact]
    public void JobSpecJson_SpecWithRegionsAndControl_RoundTrips()
    {
        var request = Frames.Request();
        request.Options.ColorControl = ColorControl.HistogramMatch;
        request.Blend = Blend(("starry", 1, "relu1_1"), ("starry", 2, null));
        request.Regions.Add(new Region { Mask = Mask(24), StyleImage = Frames.Image("the_scream.jpg"), Weight = 3 });
        request.Regions.Add(new Region { Mask = Mask(12), Blend = Blend(("starry", 1, null), ("starry", 1, null)) });
        var engine = Host.Services.GetRequiredService<ModelHost>().Engine;
        // The server compiles the contract itself: its request type is its own.
        var serverRequest = server::StyleGrpc.Protos.V1.StylizeRequest.Parser.ParseFrom(request.ToByteArray());
        var spec = RequestMapper.ToJob(serverRequest, engine, Host.Services.GetRequiredService<IOptions<StyleGrpcServerOptions>>().Value, new RunLimits());

        var back = Assert.IsType<server::StyleGrpc.Server.Jobs.StylizeJobSpec>(JobSpecJson.Deserialize(JobSpecJson.Serialize(spec), server::StyleGrpc.Server.Jobs.JobKind.Stylize));

        Assert.Equal(2, back.Regions!.Count);
        Assert.Equal(request.Regions[0].Mask.ToByteArray(), back.Regions[0].Mask.ToArray());
        var inline = Assert.IsType<InlineStyle>(back.Regions[0].Style);
        Assert.Equal(("regions[0].style_image", 3.0), (inline.Field, back.Regions[0].Weight));
        Assert.Equal(request.Regions[0].StyleImage.ToByteArray(), inline.Image.ToArray());
        Assert.Equal(["starry", "starry"], back.Regions[1].Style.RegisteredIds);
        Assert.True(Assert.IsType<RegisteredStyles>(back.Style).ScaleControlled);
        Assert.Equal(ColourControl.HistogramMatch, back.Plan.Options.ColourControl);
        Assert.Equal(spec.Plan.Options.Regions, back.Plan.Options.Regions);
        Assert.Equal(spec.Plan.StyleLayers, back.Plan.StyleLayers);
        Assert.Equal(spec.Plan.BlendShares!.SelectMany(s => s), back.Plan.BlendShares!.SelectMany(s => s));
        Assert.Equal(spec.Plan.Options.BlendComponents!.Select(c => c.Weight), back.Plan.Options.BlendComponents!.Select(c => c.Weight));
    }

    [Fact]
    public void JobSpecJson_StoresImagesOnceAsBinary_AndStillReadsSpecsWithBase64Images()
    {
        var request = Frames.Request();
        request.Regions.Add(new Region { Mask = Mask(24), StyleImage = Frames.Image("the_scream.jpg") });
        var engine = Host.Services.GetRequiredService<ModelHost>().Engine;
        var serverRequest = server::StyleGrpc.Protos.V1.StylizeRequest.Parser.ParseFrom(request.ToByteArray());
        var spec = (server::StyleGrpc.Server.Jobs.StylizeJobSpec)RequestMapper.ToJob(serverRequest, engine,
            Host.Services.GetRequiredService<IOptions<StyleGrpcServerOptions>>().Value, new RunLimits());
        var images = spec.Content.Length + request.Regions[0].StyleImage.Length + request.Regions[0].Mask.Length;

        var stored = JobSpecJson.Serialize(spec);
        var legacy = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(spec, new System.Text.Json.JsonSerializerOptions { IncludeFields = true });

        // The images' own bytes, once each, and a few KiB of plan: not base64 (a third larger) as before.
        Assert.Equal(1, Occurrences(stored, spec.Content.Span));
        Assert.InRange(stored.Length - images, 0, 16 * 1024);
        Assert.True(legacy.Length > images * 4 / 3, $"legacy {legacy.Length} bytes for {images} bytes of images");
        foreach (var form in new[] { stored, legacy })
        {
            var back = Assert.IsType<server::StyleGrpc.Server.Jobs.StylizeJobSpec>(JobSpecJson.Deserialize(form, server::StyleGrpc.Server.Jobs.JobKind.Stylize));
            Assert.Equal(spec.Content.ToArray(), back.Content.ToArray());
            Assert.Equal(request.Regions[0].StyleImage.ToByteArray(), Assert.IsType<InlineStyle>(back.Regions![0].Style).Image.ToArray());
            Assert.Equal(request.Regions[0].Mask.ToByteArray(), back.Regions[0].Mask.ToArray());
        }
        Assert.Throws<InvalidDataException>(() => JobSpecJson.Deserialize(stored.AsMemory(0, stored.Length - 10), server::StyleGrpc.Server.Jobs.JobKind.Stylize));
    }

    private static int Occurrences(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        var count = 0;
        for (var at = haystack.AsSpan().IndexOf(needle); at >= 0; at = haystack.AsSpan(at + 1).IndexOf(needle) is var next and >= 0 ? at + 1 + next : -1)
        {
            count++;
        }
        return count;
    }

    private static StyleBlend Blend(params (string Style, double Weight, string? Layer)[] parts)
    {
        var blend = new StyleBlend();
        foreach (var (style, weight, layer) in parts)
        {
            var component = new StyleBlend.Types.Component { Style = style, Weight = weight };
            if (layer is not null)
            {
                component.StyleLayers.Add(new Protos.V1.LayerWeight { Layer = layer, Weight = 1 });
            }
            blend.Components.Add(component);
        }
        return blend;
    }

    private async Task<List<JsonObject>> PostStylizeAsync(object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/stylize") { Content = JsonContent.Create(body) };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var frames = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.True(frames[^1].ContainsKey("result"), text[..Math.Min(500, text.Length)]);
        return frames;
    }

    private static (double U, double V) MeanChromaDifference(RgbImage a, RgbImage b)
    {
        double su = 0, sv = 0;
        for (var i = 0; i < a.Pixels.Length; i += 3)
        {
            double U(byte[] p) => -0.14713 * p[i] - 0.28886 * p[i + 1] + 0.436 * p[i + 2];
            double V(byte[] p) => 0.615 * p[i] - 0.51499 * p[i + 1] - 0.10001 * p[i + 2];
            su += Math.Abs(U(a.Pixels) - U(b.Pixels));
            sv += Math.Abs(V(a.Pixels) - V(b.Pixels));
        }
        var n = a.Pixels.Length / 3;
        return (su / n, sv / n);
    }
}
