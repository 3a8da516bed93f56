using StyleGrpc.Engine.Networks;
using StyleGrpc.Engine.Networks.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Tests.Networks;

[Collection(TorchCollection.Name)]
public sealed class WeightsFileTests
{
    private const string Stem = "vgg19-seed0-conv1_1-conv3_1";

    [Theory]
    [InlineData(".pth", WeightsFormat.PyTorchZip)]
    [InlineData(".legacy.pth", WeightsFormat.PyTorchLegacy)]
    [InlineData(".legacy2017a.pth", WeightsFormat.PyTorchLegacy)]
    [InlineData(".legacy2017b.pth", WeightsFormat.PyTorchLegacy)]
    [InlineData(".safetensors", WeightsFormat.Safetensors)]
    public void DetectFormat_ReferenceFiles_RecognisesEach(string suffix, WeightsFormat expected)
    {
        Assert.Equal(expected, WeightsFile.DetectFormat(TestData.Reference(Stem + suffix)));
    }

    [Theory]
    [InlineData(".legacy.pth")]
    [InlineData(".legacy2017a.pth")]
    [InlineData(".legacy2017b.pth")]
    [InlineData(".safetensors")]
    public void Load_EveryFormat_GivesTensorsIdenticalToZipPth(string suffix)
    {
        using var reference = Vgg19Network.Load(TestData.Reference(Stem + ".pth"), "relu3_1");
        using var other = Vgg19Network.Load(TestData.Reference(Stem + suffix), "relu3_1");
        var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var actual = other.named_parameters().ToList();
        Assert.Equal(10, actual.Count);
        foreach (var (name, parameter) in actual)
        {
            using var same = expected[name].eq(parameter).all();
            Assert.True(same.item<bool>(), $"{name} differs");
            Assert.False(parameter.requires_grad);
        }
    }

    [Fact]
    public void Load_ZipPth_MatchesKnownValues()
    {
        using var net = Vgg19Network.Load(TestData.Reference(Stem + ".pth"), "relu3_1");
        var weight = net.named_parameters().Single(p => p.name == "features.0.weight").parameter;
        Assert.Equal(new long[] { 64, 3, 3, 3 }, weight.shape);
        // Kaiming-normal init for conv layers in torchvision's VGG: std = sqrt(2 / (64·3·3)) ≈ 0.059.
        Assert.InRange(weight.std().item<float>(), 0.04f, 0.08f);
        var bias = net.named_parameters().Single(p => p.name == "features.0.bias").parameter;
        Assert.Equal(0f, bias.abs().sum().item<float>());
    }

    [Fact]
    public void Load_TorchSharpFormat_RoundTrips()
    {
        var dir = TestData.NewTempDirectory();
        var path = Path.Combine(dir, "vgg.dat");
        // A plain module tree in torchvision's layout, written by TorchSharp's own save (a loaded
        // Vgg19Network keeps its weights channels-last, which TorchSharp's format cannot store).
        using (var features = nn.Sequential(
            ("0", nn.Conv2d(3, 64, 3, padding: 1)), ("1", nn.ReLU()), ("2", nn.Conv2d(64, 64, 3, padding: 1)), ("3", nn.ReLU()),
            ("4", nn.MaxPool2d(2, 2)), ("5", nn.Conv2d(64, 128, 3, padding: 1)), ("6", nn.ReLU()),
            ("7", nn.Conv2d(128, 128, 3, padding: 1)), ("8", nn.ReLU()), ("9", nn.MaxPool2d(2, 2)), ("10", nn.Conv2d(128, 256, 3, padding: 1))))
        using (var tree = nn.Sequential(("features", features)))
        {
            WeightsFile.LoadInto(tree, TestData.Reference(Stem + ".safetensors"));
            tree.save(path);
        }
        Assert.Equal(WeightsFormat.TorchSharp, WeightsFile.DetectFormat(path));
        using var reloaded = Vgg19Network.Load(path, "relu3_1");
        using var reference = Vgg19Network.Load(TestData.Reference(Stem + ".pth"), "relu3_1");
        using var a = reloaded.named_parameters().Single(p => p.name == "features.10.weight").parameter.sum();
        using var b = reference.named_parameters().Single(p => p.name == "features.10.weight").parameter.sum();
        Assert.Equal(b.item<float>(), a.item<float>());
    }

    [Theory]
    [InlineData(".pth")]
    [InlineData(".legacy.pth")]
    [InlineData(".safetensors")]
    public void Load_DeeperThanFile_FailsNamingMissingKeys(string suffix)
    {
        var ex = Assert.Throws<ModelLoadException>(() => Vgg19Network.Load(TestData.Reference(Stem + suffix), "relu4_1"));
        Assert.Contains("features.12.weight", ex.Message);
        Assert.Contains("features.19.bias", ex.Message);
    }

    [Fact]
    public void Load_MisshapedKey_FailsNamingIt()
    {
        var dir = TestData.NewTempDirectory();
        var path = Path.Combine(dir, "bad.safetensors");
        var dict = TorchSharp.PyBridge.Safetensors.LoadStateDict(TestData.Reference(Stem + ".safetensors"));
        dict["features.2.weight"].Dispose();
        dict["features.2.weight"] = zeros(64, 32, 3, 3);
        TorchSharp.PyBridge.Safetensors.SaveStateDict(path, dict);
        var ex = Assert.Throws<ModelLoadException>(() => Vgg19Network.Load(path, "relu3_1"));
        Assert.Contains("features.2.weight", ex.Message);
        Assert.Contains("[64,32,3,3]", ex.Message);
    }

    [Fact]
    public void Load_WrongSha256_Fails()
    {
        var ex = Assert.Throws<ModelLoadException>(() => Vgg19Network.Load(TestData.Reference(Stem + ".pth"), "relu3_1", expectedSha256: "00000000"));
        Assert.Contains("SHA-256", ex.Message);
    }

    [Fact]
    public void Load_GarbageFile_FailsWithModelLoadException()
    {
        var dir = TestData.NewTempDirectory();
        var path = Path.Combine(dir, "garbage.pth");
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 % 251)).ToArray());
        Assert.Throws<ModelLoadException>(() => Vgg19Network.Load(path, "relu3_1"));
    }

    [Fact]
    public void AveragePooling_ChangesFeaturesOnlyAfterThePool()
    {
        using var max = Vgg19Network.Load(TestData.Reference(Stem + ".pth"), "conv3_1");
        using var average = Vgg19Network.Load(TestData.Reference(Stem + ".pth"), "conv3_1", PoolingKind.Average);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = rand(1, 3, 32, 32, generator: new Generator(5));
        var a = max.Extract(image, ["conv1_2", "conv2_1"]);
        var b = average.Extract(image, ["conv1_2", "conv2_1"]);
        Assert.True(a["conv1_2"].eq(b["conv1_2"]).all().item<bool>());
        Assert.False(a["conv2_1"].allclose(b["conv2_1"]));
        Assert.Equal(16, b["conv2_1"].shape[2]);
    }

    [Fact]
    public void Network_Info_NamesVggAndHash()
    {
        using var net = Vgg19Network.Load(TestData.Reference(Stem + ".pth"), "relu3_1");
        Assert.Equal("vgg19", net.Info.Name);
        Assert.False(net.Info.IsOfflineDefault);
        Assert.Equal(64, net.Info.WeightsSha256.Length);
        Assert.Equal(["seed"], net.Presets.Select(p => p.Name));
        Assert.Equal("relu3_1", net.LayerNames[^1]);
    }
}
