using System.Buffers.Binary;
using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Networks.Weights;

/// <summary>
/// Reads <c>torch.save</c>'s legacy (pre-zip) format, which torchvision's 2017 model files use and
/// PyBridge does not. The file is a sequence of pickles — magic number, protocol version, system
/// info, the state dict (storages as persistent ids), the list of storage keys — followed by each
/// storage's raw data (int64 element count, then little-endian elements) in that list's order.
/// Tensors appear in the three forms PyTorch wrote over the years: <c>_rebuild_tensor_v2</c>,
/// <c>_rebuild_tensor</c>, and <c>torch.FloatTensor()</c> followed by BUILD.
/// </summary>
public static class LegacyTorchFileReader
{
    private static readonly System.Numerics.BigInteger MagicNumber = System.Numerics.BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly Dictionary<string, (ScalarType Type, int Size)> StorageTypes = new()
    {
        ["FloatStorage"] = (ScalarType.Float32, 4),
        ["DoubleStorage"] = (ScalarType.Float64, 8),
        ["HalfStorage"] = (ScalarType.Float16, 2),
        ["BFloat16Storage"] = (ScalarType.BFloat16, 2),
        ["LongStorage"] = (ScalarType.Int64, 8),
        ["IntStorage"] = (ScalarType.Int32, 4),
        ["ShortStorage"] = (ScalarType.Int16, 2),
        ["CharStorage"] = (ScalarType.Int8, 1),
        ["ByteStorage"] = (ScalarType.Byte, 1),
        ["BoolStorage"] = (ScalarType.Bool, 1),
    };

    // Razorvine's constructor registry is process-wide and PyBridge registers its own entries for the
    // zip format. Ours wrap whatever is there and act only on values our persistent loader produced,
    // so PyBridge keeps working unchanged.
    static LegacyTorchFileReader()
    {
        RuntimeHelpers.RunClassConstructor(typeof(TorchSharp.PyBridge.PyTorchUnpickler).TypeHandle);
        var registry = (IDictionary<string, IObjectConstructor>?)typeof(Unpickler)
            .GetField("objectConstructors", BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null);
        IObjectConstructor? Existing(string module, string name) =>
            registry is not null && registry.TryGetValue(module + "." + name, out var c) ? c : null;
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensorConstructor(Existing("torch._utils", "_rebuild_tensor_v2")));
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", new RebuildTensorConstructor(Existing("torch._utils", "_rebuild_tensor")));
        if (Existing("torch", "FloatTensor") is null)
        {
            Unpickler.registerConstructor("torch", "FloatTensor", new EmptyTensorConstructor());
        }
        if (Existing("collections", "OrderedDict") is null)
        {
            Unpickler.registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
        }
    }

    /// <summary>Lists the state dict's keys without reading tensor data.</summary>
    public static List<string> ListKeys(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream).Keys.ToList();
    }

    /// <summary>Reads the tensors named in <paramref name="keys"/>; storages of other keys are skipped, not loaded.</summary>
    public static Dictionary<string, Tensor> Read(string path, IReadOnlyCollection<string> keys)
    {
        using var stream = File.OpenRead(path);
        var entries = ReadHeader(stream);
        var storageOrder = (IList)Unpickle(stream);
        var wanted = entries.Where(e => keys.Contains(e.Key)).ToList();
        var wantedStorages = wanted.Select(e => e.Value.Storage.Key).ToHashSet();
        var storageTypes = entries.Values.GroupBy(e => e.Storage.Key).ToDictionary(g => g.Key, g => g.First().Storage);
        var storages = new Dictionary<string, byte[]>();
        Span<byte> countBytes = stackalloc byte[8];
        foreach (string key in storageOrder)
        {
            stream.ReadExactly(countBytes);
            var count = BinaryPrimitives.ReadInt64LittleEndian(countBytes);
            var elementSize = storageTypes.TryGetValue(key, out var type) ? type.Size : throw new InvalidDataException($"storage {key} has no known type");
            var bytes = checked(count * elementSize);
            if (!wantedStorages.Contains(key))
            {
                stream.Seek(bytes, SeekOrigin.Current);
                continue;
            }
            var data = new byte[bytes];
            stream.ReadExactly(data);
            storages[key] = data;
        }
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, entry) in wanted)
        {
            result[name] = entry.ToTensor(storages[entry.Storage.Key]);
        }
        return result;
    }

    private static Dictionary<string, TensorReference> ReadHeader(Stream stream)
    {
        var magic = Unpickle(stream);
        if (magic is not System.Numerics.BigInteger big || big != MagicNumber)
        {
            throw new InvalidDataException("not a legacy torch.save file (magic number mismatch)");
        }
        var protocol = Convert.ToInt32(Unpickle(stream), System.Globalization.CultureInfo.InvariantCulture);
        if (protocol != 1001)
        {
            throw new InvalidDataException($"unsupported legacy protocol version {protocol}");
        }
        _ = Unpickle(stream);
        var stateDict = Unpickle(stream) as IDictionary ?? throw new InvalidDataException("the state dict is not a dictionary");
        var entries = new Dictionary<string, TensorReference>();
        foreach (DictionaryEntry entry in stateDict)
        {
            if (entry.Value is TensorReference tensor)
            {
                entries[(string)entry.Key] = tensor;
            }
        }
        return entries;
    }

    private static object Unpickle(Stream stream)
    {
        using var unpickler = new StorageAwareUnpickler();
        return unpickler.load(stream);
    }

    private sealed class StorageAwareUnpickler : Unpickler
    {
        protected override object persistentLoad(object pid)
        {
            if (pid is object[] { Length: >= 5 } tuple && (string)tuple[0] == "storage" && tuple[1] is ClassDictConstructor { module: "torch" } cls
                && StorageTypes.TryGetValue(cls.name, out var type))
            {
                if (tuple.Length > 5 && tuple[5] is not null)
                {
                    throw new NotSupportedException("storage views (PyTorch 0.1 shared storages) are not supported");
                }
                return new StorageReference((string)tuple[2], type.Type, type.Size);
            }
            throw new InvalidDataException("unexpected persistent id in legacy torch file");
        }
    }

    private sealed record StorageReference(string Key, ScalarType Type, int Size);

    /// <summary>A tensor still to be materialised: its storage, offset, shape and strides.</summary>
    private sealed class TensorReference
    {
        public StorageReference Storage { get; private set; } = null!;

        public long Offset { get; private set; }

        public long[] Shape { get; private set; } = [];

        public long[] Strides { get; private set; } = [];

        // Called by the unpickler's BUILD opcode for the torch.FloatTensor() form.
#pragma warning disable IDE1006, CA1707 // Python's name, looked up by Razorvine.
        public void __setstate__(object[] state) => Set(state);
#pragma warning restore IDE1006, CA1707

        public void Set(object[] args)
        {
            Storage = (StorageReference)args[0];
            Offset = Convert.ToInt64(args[1], System.Globalization.CultureInfo.InvariantCulture);
            Shape = ToLongs(args[2]);
            Strides = ToLongs(args[3]);
        }

        public Tensor ToTensor(byte[] storage)
        {
            var elementCount = storage.Length / Storage.Size;
            using var flat = empty([elementCount], Storage.Type);
            flat.bytes = storage;
            return flat.as_strided(Shape, Strides, Offset).contiguous();
        }

        private static long[] ToLongs(object value) =>
            ((object[])value).Select(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private sealed class RebuildTensorConstructor(IObjectConstructor? inner) : IObjectConstructor
    {
        public object construct(object[] args)
        {
            if (args.Length > 0 && args[0] is StorageReference)
            {
                var tensor = new TensorReference();
                tensor.Set(args);
                return tensor;
            }
            return inner?.construct(args) ?? throw new NotSupportedException("torch._utils tensor rebuild outside a legacy file");
        }
    }

    private sealed class EmptyTensorConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new TensorReference();
    }

    private sealed class OrderedDictConstructor : IObjectConstructor
    {
        public object construct(object[] args) => new Hashtable();
    }
}
