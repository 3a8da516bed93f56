using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace StyleGrpc.Engine.Networks.Onnx;

/// <summary>
/// Builds TorchSharp modules from a basic-block ResNet stored as ONNX (the CNTK export in
/// Microsoft.ML.DnnImageFeaturizer.ResNet18). The graph is walked from the input: stem conv → BatchNorm
/// → ReLU → MaxPool, then block after block (the 3×3 conv consuming the current tensor, its BatchNorm,
/// ReLU, the second conv and BatchNorm, the Add, the ReLU; a 1×1 conv on the same input is the
/// projection shortcut). Mapping by graph edges, not node order, because the export lists some
/// projection convs before their block's main path.
/// </summary>
internal sealed class OnnxResNetReader
{
    private readonly Dictionary<string, TensorProto> initializers;
    private readonly Dictionary<string, List<NodeProto>> consumers = [];

    private OnnxResNetReader(GraphProto graph)
    {
        initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }
                list.Add(node);
            }
        }
        InputName = graph.Input.Select(i => i.Name).First(n => !initializers.ContainsKey(n));
    }

    private string InputName { get; }

    /// <summary>The parsed network: stem conv and BatchNorm, and blocks grouped into stages.</summary>
    public sealed record Result(Conv2d StemConv, BatchNorm2d StemBn, IReadOnlyList<IReadOnlyList<ResNetBasicBlock>> Stages);

    public static Result Read(string path)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new ModelLoadException($"{path}: cannot read ONNX model: {ex.Message}", ex);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new ModelLoadException($"{path}: the ONNX file has no graph");
        }
        try
        {
            return new OnnxResNetReader(model.Graph).Build();
        }
        catch (InvalidOperationException ex)
        {
            throw new ModelLoadException($"{path}: not a basic-block ResNet as expected: {ex.Message}", ex);
        }
    }

    private Result Build()
    {
        var stemConvNode = Consumer(InputName, "Conv");
        var stemBnNode = Consumer(stemConvNode.Output[0], "BatchNormalization");
        var stemRelu = Consumer(stemBnNode.Output[0], "Relu");
        var pool = Consumer(stemRelu.Output[0], "MaxPool");
        var stages = new List<List<ResNetBasicBlock>>();
        var x = pool.Output[0];
        var blockIndex = 0;
        while (consumers.TryGetValue(x, out var next) && next.Any(n => n.OpType == "Conv"))
        {
            var convs = next.Where(n => n.OpType == "Conv").ToList();
            var main = convs.Single(n => Ints(n, "kernel_shape")[0] == 3);
            var projection = convs.SingleOrDefault(n => Ints(n, "kernel_shape")[0] == 1);
            var bn1 = Consumer(main.Output[0], "BatchNormalization");
            var relu = Consumer(bn1.Output[0], "Relu");
            var conv2 = Consumer(relu.Output[0], "Conv");
            var bn2 = Consumer(conv2.Output[0], "BatchNormalization");
            var add = Consumer(bn2.Output[0], "Add");
            var outRelu = Consumer(add.Output[0], "Relu");
            Sequential? downsample = null;
            if (projection is not null)
            {
                var projectionBn = Consumer(projection.Output[0], "BatchNormalization");
                downsample = Sequential(("0", Conv(projection)), ("1", BatchNorm(projectionBn)));
            }
            if (projection is not null || stages.Count == 0)
            {
                stages.Add([]);
            }
            stages[^1].Add(new ResNetBasicBlock($"block{blockIndex++}", Conv(main), BatchNorm(bn1), Conv(conv2), BatchNorm(bn2), downsample));
            x = outRelu.Output[0];
        }
        if (stages.Count == 0)
        {
            throw new InvalidOperationException("no residual blocks found after the stem");
        }
        return new Result(Conv(stemConvNode), BatchNorm(stemBnNode), stages);
    }

    private NodeProto Consumer(string tensor, string opType) =>
        consumers.GetValueOrDefault(tensor)?.SingleOrDefault(n => n.OpType == opType)
        ?? throw new InvalidOperationException($"no {opType} consumes {tensor}");

    private Conv2d Conv(NodeProto node)
    {
        var weight = Initializer(node.Input[1]);
        var kernel = Ints(node, "kernel_shape");
        var strides = Ints(node, "strides");
        var pads = Ints(node, "pads");
        // ONNX pads are [top, left, bottom, right]; the export pads stride-2 layers asymmetrically,
        // which equals symmetric padding of the leading amount whenever the input side is even.
        var conv = Conv2d(weight.shape[1], weight.shape[0], kernel[0], stride: strides[0], padding: pads.Count > 0 ? pads[0] : 0,
            bias: node.Input.Count > 2);
        using (no_grad())
        {
            conv.weight!.copy_(weight);
            if (node.Input.Count > 2)
            {
                conv.bias!.copy_(Initializer(node.Input[2]));
            }
        }
        weight.Dispose();
        return conv;
    }

    private BatchNorm2d BatchNorm(NodeProto node)
    {
        using var scale = Initializer(node.Input[1]);
        using var bias = Initializer(node.Input[2]);
        using var mean = Initializer(node.Input[3]);
        using var variance = Initializer(node.Input[4]);
        var epsilon = node.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
        var bn = BatchNorm2d(scale.shape[0], eps: epsilon);
        using (no_grad())
        {
            bn.weight!.copy_(scale);
            bn.bias!.copy_(bias);
            bn.running_mean!.copy_(mean);
            bn.running_var!.copy_(variance);
        }
        return bn;
    }

    private Tensor Initializer(string name)
    {
        var proto = initializers.GetValueOrDefault(name) ?? throw new InvalidOperationException($"initializer {name} is missing");
        if (proto.DataType != 1)
        {
            throw new InvalidOperationException($"initializer {name} has data type {proto.DataType}, expected float32");
        }
        var shape = proto.Dims.ToArray();
        var count = shape.Aggregate(1L, (a, b) => a * b);
        float[] values;
        if (proto.FloatData.Count > 0)
        {
            values = [.. proto.FloatData];
        }
        else
        {
            values = new float[count];
            proto.RawData.Span.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        if (values.Length != count)
        {
            throw new InvalidOperationException($"initializer {name} holds {values.Length} values for shape [{string.Join(",", shape)}]");
        }
        return tensor(values, shape);
    }

    private static IReadOnlyList<long> Ints(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints ?? (IReadOnlyList<long>)[];
}
