using System.Buffers.Binary;
using System.Security.Cryptography;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace StyleGrpc.Engine.Networks.Weights;

/// <summary>
/// Reads weights files in every format users meet and copies the tensors a module needs into it.
/// Keys are checked: every parameter of the module must be found with its exact shape, else the
/// load fails naming the keys. Extra keys (a classifier, say) are ignored.
/// </summary>
public static class WeightsFile
{
    private static readonly string[] KeyPrefixes = ["module.", "model."];

    /// <summary>Detects the format from the file's first bytes.</summary>
    public static WeightsFormat DetectFormat(string path)
    {
        using var stream = OpenRead(path);
        Span<byte> head = stackalloc byte[16];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
        {
            return WeightsFormat.PyTorchZip;
        }
        if (read >= 2 && head[0] == 0x80 && head[1] <= 5)
        {
            return WeightsFormat.PyTorchLegacy;
        }
        if (read >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(head) < 100_000_000 && head[8] == (byte)'{')
        {
            return WeightsFormat.Safetensors;
        }
        return WeightsFormat.TorchSharp;
    }

    /// <summary>Computes the file's SHA-256 and, when <paramref name="expected"/> is given, checks it (a prefix is enough).</summary>
    public static string VerifySha256(string path, string? expected)
    {
        using var stream = OpenRead(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (!string.IsNullOrWhiteSpace(expected) && !sha.StartsWith(expected.Trim().ToLowerInvariant(), StringComparison.Ordinal))
        {
            throw new ModelLoadException($"{path}: SHA-256 {sha} does not match the expected {expected}");
        }
        return sha;
    }

    /// <summary>Loads every parameter of <paramref name="module"/> from <paramref name="path"/>.</summary>
    public static void LoadInto(nn.Module module, string path)
    {
        var needed = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var format = DetectFormat(path);
        try
        {
            switch (format)
            {
                case WeightsFormat.PyTorchZip:
                    LoadPyTorchZip(module, needed, path);
                    break;
                case WeightsFormat.PyTorchLegacy:
                    CopyFromStateDict(needed, path, keys => LegacyTorchFileReader.Read(path, keys));
                    break;
                case WeightsFormat.Safetensors:
                    CopyFromStateDict(needed, path, keys => Safetensors.LoadStateDict(path, keys.ToList()));
                    break;
                case WeightsFormat.TorchSharp:
                    LoadTorchSharp(module, needed.Keys, path);
                    break;
            }
        }
        catch (Exception ex) when (ex is not ModelLoadException)
        {
            throw new ModelLoadException($"{path}: cannot read {format} weights: {ex.Message}", ex);
        }
    }

    // PyBridge streams only the tensors not skipped, so a full torchvision file costs ~80 MB, not 548.
    private static void LoadPyTorchZip(nn.Module module, Dictionary<string, Parameter> needed, string path)
    {
        HashSet<string> fileKeys;
        using (var stream = OpenRead(path))
        {
            fileKeys = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true, skipTensorRead: true)
                .Keys.Cast<object>().Select(k => k.ToString()!).ToHashSet();
        }
        ThrowIfMissing(path, needed.Keys.Where(k => !fileKeys.Contains(k)));
        var loaded = new Dictionary<string, bool>();
        module.load_py(path, strict: false, skip: fileKeys.Where(k => !needed.ContainsKey(k)).ToList(), loadedParameters: loaded);
        ThrowIfMissing(path, needed.Keys.Where(k => !loaded.GetValueOrDefault(k)));
    }

    private static void ThrowIfMissing(string path, IEnumerable<string> missingKeys)
    {
        var missing = missingKeys.ToList();
        if (missing.Count > 0)
        {
            throw new ModelLoadException($"{path}: missing keys {string.Join(", ", missing)}");
        }
    }

    // File keys may carry a wrapper prefix ("module." from DataParallel, "model." from some exports).
    private static Dictionary<string, string> MapKeys(IEnumerable<string> needed, IEnumerable<string> fileKeys)
    {
        var available = fileKeys.ToHashSet();
        var map = new Dictionary<string, string>();
        foreach (var key in needed)
        {
            var match = new[] { key }.Concat(KeyPrefixes.Select(p => p + key)).FirstOrDefault(available.Contains);
            if (match is not null)
            {
                map[key] = match;
            }
        }
        return map;
    }

    private static void CopyFromStateDict(Dictionary<string, Parameter> needed, string path,
        Func<IReadOnlyCollection<string>, Dictionary<string, Tensor>> read)
    {
        var keys = ListKeys(path);
        CopyInto(needed, path, keys, read);
    }

    private static List<string> ListKeys(string path) => DetectFormat(path) switch
    {
        WeightsFormat.Safetensors => SafetensorsKeys(path),
        WeightsFormat.PyTorchLegacy => LegacyTorchFileReader.ListKeys(path),
        _ => throw new InvalidOperationException("unreachable"),
    };

    private static void CopyInto(Dictionary<string, Parameter> needed, string path, IReadOnlyCollection<string> fileKeys,
        Func<IReadOnlyCollection<string>, Dictionary<string, Tensor>> read)
    {
        var map = MapKeys(needed.Keys, fileKeys);
        ThrowIfMissing(path, needed.Keys.Where(k => !map.ContainsKey(k)));
        var tensors = read(map.Values.ToList());
        try
        {
            var wrongShape = new List<string>();
            foreach (var (key, fileKey) in map)
            {
                var source = tensors[fileKey];
                var target = needed[key];
                if (!source.shape.SequenceEqual(target.shape))
                {
                    wrongShape.Add($"{fileKey} is [{string.Join(",", source.shape)}], expected [{string.Join(",", target.shape)}]");
                    continue;
                }
                using (no_grad())
                {
                    if (source.dtype == target.dtype)
                    {
                        target.copy_(source);
                    }
                    else
                    {
                        using var converted = source.to_type(target.dtype);
                        target.copy_(converted);
                    }
                }
            }
            if (wrongShape.Count > 0)
            {
                throw new ModelLoadException($"{path}: mis-shaped keys: {string.Join("; ", wrongShape)}");
            }
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    private static void LoadTorchSharp(nn.Module module, IReadOnlyCollection<string> needed, string path)
    {
        var loaded = new Dictionary<string, bool>();
        var skip = module.state_dict().Keys.Where(k => !needed.Contains(k)).ToList();
        module.load(path, strict: false, skip: skip, loadedParameters: loaded);
        ThrowIfMissing(path, needed.Where(k => !loaded.GetValueOrDefault(k)));
    }

    private static List<string> SafetensorsKeys(string path)
    {
        using var stream = OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        var header = new byte[length];
        stream.ReadExactly(header);
        using var json = System.Text.Json.JsonDocument.Parse(header);
        return json.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "__metadata__").ToList();
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: cannot open weights file: {ex.Message}", ex);
        }
    }
}
