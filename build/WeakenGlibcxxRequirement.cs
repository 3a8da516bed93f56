using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks one symbol-version requirement of libLibTorchSharp.so weak (VER_FLG_WEAK) when the
/// system's libstdc++ does not provide that version. Only 64-bit little-endian ELF is handled;
/// anything else is left untouched.
/// </summary>
public class WeakenGlibcxxRequirement : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required] public string[] Directories { get; set; } = Array.Empty<string>();
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        if (SystemLibStdCxxHas(Version))
        {
            Log.LogMessage(MessageImportance.Low, $"System libstdc++ provides {Version}; libLibTorchSharp.so left as shipped.");
            return true;
        }
        foreach (var dir in Directories.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                var result = Patch(file, Version);
                Log.LogMessage(MessageImportance.Normal, $"{file}: {result}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static bool SystemLibStdCxxHas(string version)
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        };
        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            return false;
        }
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        var bytes = File.ReadAllBytes(path);
        return IndexOf(bytes, needle) >= 0;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }
            if (j == needle.Length)
            {
                return i;
            }
        }
        return -1;
    }

    private static string Patch(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
        {
            return "not a 64-bit little-endian ELF; skipped";
        }
        var shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (var s = 0; s < shnum; s++)
        {
            var sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed)
            {
                continue;
            }
            var offset = (long)BitConverter.ToUInt64(elf, (int)sh + 24);
            var link = BitConverter.ToUInt32(elf, (int)sh + 40);
            var strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + link * shentsize) + 24);
            var vn = offset;
            while (true)
            {
                int cnt = BitConverter.ToUInt16(elf, (int)vn + 2);
                var aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                for (var a = 0; a < cnt; a++)
                {
                    var name = ReadCString(elf, strtab + BitConverter.ToUInt32(elf, (int)aux + 8));
                    if (name == version)
                    {
                        var flagsAt = (int)aux + 4;
                        var flags = BitConverter.ToUInt16(elf, flagsAt);
                        if ((flags & VerFlgWeak) != 0)
                        {
                            return $"{version} already weak";
                        }
                        var patched = (ushort)(flags | VerFlgWeak);
                        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
                        {
                            stream.Position = flagsAt;
                            stream.Write(BitConverter.GetBytes(patched), 0, 2);
                        }
                        return $"{version} marked weak";
                    }
                    var next = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (next == 0)
                    {
                        break;
                    }
                    aux += next;
                }
                var vnNext = BitConverter.ToUInt32(elf, (int)vn + 12);
                if (vnNext == 0)
                {
                    break;
                }
                vn += vnNext;
            }
        }
        return $"no {version} requirement; unchanged";
    }

    private static string ReadCString(byte[] data, long at)
    {
        var end = at;
        while (end < data.Length && data[end] != 0)
        {
            end++;
        }
        return Encoding.ASCII.GetString(data, (int)at, (int)(end - at));
    }
}
