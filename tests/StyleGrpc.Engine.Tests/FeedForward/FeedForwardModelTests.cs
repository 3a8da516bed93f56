using StyleGrpc.Engine.FeedForward;
using StyleGrpc.Engine.Imaging;
using TorchSharp;
using Xunit.Abstractions;

namespace StyleGrpc.Engine.Tests.FeedForward;

[Collection(TorchCollection.Name)]
public sealed class FeedForwardModelTests(FeedForwardFixture fixture, ITestOutputHelper output) : IClassFixture<FeedForwardFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // A trained network (a few iterations: the weights are no longer the initial ones) in stored form.
    private byte[] TrainedWeights() => new FeedForwardTrainer(fixture.Engine.Engine)
        .Train(fixture.Photos, fixture.Engine.Targets, FeedForwardFixture.Small with { Iterations = 4 }, null, null, CancellationToken.None).Weights;

    private static RgbImage Photo(int width, int height) =>
        ImageCodec.Resize(ImageCodec.Decode(File.ReadAllBytes(TestData.Image("storm.jpg"))), width, height);

    [Fact]
    public void Load_TrainedWeights_StylisesAsTheTrainingsNetworkAndRoundTrips()
    {
        var weights = TrainedWeights();
        using var model = FeedForwardModel.Load(weights);
        var content = Photo(70, 50);
        var first = model.Stylize(content, 0, CancellationToken.None);

        Assert.Equal(fixture.Engine.Engine.Network.Info.Fingerprint, model.Network);
        Assert.Equal(FeedForwardFixture.Small.Architecture, model.Architecture);
        Assert.Equal((70, 50), (first.Width, first.Height));
        // Not a copy of the content nor a flat image.
        Assert.NotEqual(content.Pixels, first.Pixels);
        Assert.True(first.Pixels.Distinct().Count() > 20);
        // Stored form → model → stored form is the same bytes, and a second load stylises identically.
        Assert.Equal(weights, model.ToBytes());
        using var again = FeedForwardModel.Load(model.ToBytes());
        Assert.Equal(first.Pixels, again.Stylize(content, 0, CancellationToken.None).Pixels);
    }

    [Fact]
    public void Load_DamagedOrForeignBytes_ThrowsInvalidData()
    {
        var weights = TrainedWeights();
        var flipped = (byte[])weights.Clone();
        flipped[weights.Length / 2] ^= 0x01;
        Assert.Throws<InvalidDataException>(() => FeedForwardModel.Load(flipped));
        Assert.Throws<InvalidDataException>(() => FeedForwardModel.Load(weights.AsSpan(0, weights.Length - 1)));
        Assert.Throws<InvalidDataException>(() => FeedForwardModel.Load(weights.AsSpan(0, 30)));
        Assert.Throws<InvalidDataException>(() => FeedForwardModel.Load([]));
        Assert.Throws<InvalidDataException>(() => FeedForwardModel.Load(File.ReadAllBytes(TestData.Image("tubingen.jpg"))));
    }

    [Theory]
    [InlineData(200, 150, 64)]
    [InlineData(203, 97, 48)]
    public void Stylize_Tiled_EqualsUntiledWithinTheTolerance(int width, int height, int tile)
    {
        using var model = FeedForwardModel.Load(TrainedWeights());
        var content = Photo(width, height);
        var whole = model.Stylize(content, 0, CancellationToken.None);
        var tiled = model.Stylize(content, tile, CancellationToken.None);

        var differences = whole.Pixels.Zip(tiled.Pixels, (a, b) => Math.Abs(a - b)).ToList();
        output.WriteLine($"max byte difference {differences.Max()}, bytes differing {differences.Count(d => d > 0)} of {differences.Count}");
        Assert.Equal((width, height), (tiled.Width, tiled.Height));
        Assert.True(differences.Max() <= FeedForwardModel.TiledTolerance, $"max difference {differences.Max()}");
        Assert.True(differences.Count(d => d > 0) < differences.Count / 100);
    }

    [Fact]
    public void Stylize_TiledWithTooSmallAHalo_WouldDiffer()
    {
        // The check above can fail: naive tiling (each tile normalised by its own statistics) is far off.
        using var model = FeedForwardModel.Load(TrainedWeights());
        var content = Photo(200, 150);
        var whole = model.Stylize(content, 0, CancellationToken.None);
        var naive = new byte[content.Pixels.Length];
        foreach (var (x, y) in new[] { (0, 0), (100, 0), (0, 75), (100, 75) })
        {
            var part = new RgbImage(100, 75, [.. Enumerable.Range(0, 75).SelectMany(r => content.Pixels.Skip(((y + r) * 200 + x) * 3).Take(300))]);
            var styled = model.Stylize(part, 0, CancellationToken.None);
            for (var r = 0; r < 75; r++)
            {
                Array.Copy(styled.Pixels, r * 300, naive, ((y + r) * 200 + x) * 3, 300);
            }
        }
        Assert.True(whole.Pixels.Zip(naive, (a, b) => Math.Abs(a - b)).Max() > 10 * FeedForwardModel.TiledTolerance);
    }

    [Fact]
    public async Task StylizeOnWorker_Cancelled_ThrowsAndLeavesNoTensors()
    {
        using var model = FeedForwardModel.Load(TrainedWeights());
        var content = Photo(96, 64);
        var before = await StyleTransferEngine.LiveTensorsOnWorkersAsync().WaitAsync(Timeout);
        var result = await model.StylizeOnWorkerAsync(content, 32, CancellationToken.None).WaitAsync(Timeout);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => model.StylizeOnWorkerAsync(content, 32, new CancellationToken(true)).WaitAsync(Timeout));
        Assert.Equal((96, 64), (result.Width, result.Height));
        Assert.Equal(before, await StyleTransferEngine.LiveTensorsOnWorkersAsync().WaitAsync(Timeout));

        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        model.Stylize(content, 32, CancellationToken.None);
        model.Stylize(content, 0, CancellationToken.None);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Stylize_TinyAndOddSizes_KeepTheirSize()
    {
        using var model = FeedForwardModel.Load(TrainedWeights());
        foreach (var (w, h) in new[] { (1, 1), (3, 7), (17, 5) })
        {
            var result = model.Stylize(Photo(w, h), 0, CancellationToken.None);
            Assert.Equal((w, h), (result.Width, result.Height));
        }
    }

    [Fact]
    public void EstimatedBytes_TiledIsBoundedByTheTile()
    {
        var tiled4096 = FeedForwardModel.EstimatedBytes(4096, 4096, 512);
        var tiled8192 = FeedForwardModel.EstimatedBytes(8192, 8192, 512);
        var untiled4096 = FeedForwardModel.EstimatedBytes(4096, 4096, 0);
        Assert.True(untiled4096 > 5 * tiled4096);
        // Growing the image 4× in pixels adds only what is held per image pixel: the whole-image byte buffers (9 bytes) and
        // what the allocator keeps between sweeps (40 bytes).
        Assert.Equal(49L * (8192 * 8192 - 4096 * 4096), tiled8192 - tiled4096);
        Assert.Equal(FeedForwardModel.EstimatedBytes(512, 512, 0), FeedForwardModel.EstimatedBytes(512, 512, 512));
    }

    [Fact]
    public void Run_Tiled_FloatOutputEqualsUntiledWithinFloat32Rounding()
    {
        // Before rounding to bytes: the tiled output differs from the untiled one by float32 rounding only.
        var (network, _) = StyleNetworkWeights.Read(TrainedWeights());
        using (network)
        {
            network.eval();
            var content = Photo(200, 150);
            float[] Output(int tile)
            {
                var values = new float[3 * 200 * 150];
                ExactTiling.Run(network, content, tile, (x, y, part) =>
                {
                    var (h, w) = ((int)part.shape[2], (int)part.shape[3]);
                    var data = part.contiguous().data<float>().ToArray();
                    for (var c = 0; c < 3; c++)
                    {
                        for (var row = 0; row < h; row++)
                        {
                            Array.Copy(data, (c * h + row) * w, values, (c * 150 + y + row) * 200 + x, w);
                        }
                    }
                }, CancellationToken.None);
                return values;
            }
            var whole = Output(0);
            var tiled = Output(64);
            var largest = whole.Zip(tiled, (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"largest difference {largest:E2} (output values in [0, 1])");
            Assert.True(largest < 1e-4, $"largest difference {largest}");
            Assert.True(whole.Max() - whole.Min() > 0.1);
        }
    }
}
