using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using Google.Protobuf.Reflection;

namespace StyleGrpc.Server.Tests;

/// <summary>
/// The contract is usable from any language: plain protoc (the one Grpc.Tools ships) compiles protos/stylegrpc with
/// <c>-I protos</c> alone, the vendored protos/google being what makes that work.
/// </summary>
public sealed class ContractTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Protoc_RepositoryProtosOnly_CompilesTheContractForPython()
    {
        var output = TestData.NewTempDirectory();
        var descriptors = Path.Combine(output, "contract.pb");
        var protos = Path.Combine(TestData.RepositoryRoot, "protos");

        var result = await ProtocAsync(
            ["-I", protos, "-I", GrpcTools.WellKnownTypes, $"--descriptor_set_out={descriptors}", "--include_imports", $"--python_out={output}",
                .. ContractFiles(protos)]);

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.True(File.Exists(Path.Combine(output, "stylegrpc", "v1", "style_transfer_pb2.py")));
        var files = FileDescriptorSet.Parser.ParseFrom(await File.ReadAllBytesAsync(descriptors)).File;
        var transfer = Assert.Single(files.Where(f => f.Package == "stylegrpc.v1").SelectMany(f => f.Service), s => s.Name == "StyleTransferService");
        Assert.Contains(transfer.Method, m => m.Name == "SubmitStylize" && m.OutputType == ".google.longrunning.Operation");
        var operations = Assert.Single(files.Where(f => f.Package == "google.longrunning").SelectMany(f => f.Service), s => s.Name == "Operations");
        Assert.Contains(operations.Method, m => m.Name == "GetOperation");
    }

    [Fact]
    public async Task Protoc_WithoutVendoredGoogleProtos_FailsOnTheMissingImports()
    {
        // Only the contract and the well-known types that ship with protoc: what a clone would have without protos/google.
        var protos = TestData.NewTempDirectory();
        foreach (var file in ContractFiles(Path.Combine(TestData.RepositoryRoot, "protos")))
        {
            var target = Path.Combine(protos, Path.GetRelativePath(Path.Combine(TestData.RepositoryRoot, "protos"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var output = TestData.NewTempDirectory();

        var result = await ProtocAsync(["-I", protos, "-I", GrpcTools.WellKnownTypes, $"--python_out={output}", .. ContractFiles(protos)]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("google/api/annotations.proto", result.Errors);
    }

    private static string[] ContractFiles(string protos) =>
        [.. Directory.GetFiles(Path.Combine(protos, "stylegrpc"), "*.proto", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private static async Task<(int ExitCode, string Errors)> ProtocAsync(string[] arguments)
    {
        var start = new ProcessStartInfo(GrpcTools.Protoc) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(Timeout);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await errors + await output);
    }

    /// <summary>The Grpc.Tools package the build restored: the version from Directory.Packages.props, in the NuGet package folder.</summary>
    private static class GrpcTools
    {
        private static readonly string Root = FindRoot();

        public static string Protoc { get; } = Path.Combine(Root, "tools", Platform(), OperatingSystem.IsWindows() ? "protoc.exe" : "protoc");

        /// <summary>google/protobuf/*.proto only: the well-known types every protoc ships with.</summary>
        public static string WellKnownTypes { get; } = Path.Combine(Root, "build", "native", "include");

        private static string FindRoot()
        {
            var props = XDocument.Load(Path.Combine(TestData.RepositoryRoot, "Directory.Packages.props"));
            var version = props.Descendants("GrpcVersion").Single().Value;
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages))
            {
                packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            }
            var root = Path.Combine(packages, "grpc.tools", version);
            return Directory.Exists(root) ? root : throw new InvalidOperationException($"Grpc.Tools {version} not restored at {root}");
        }

        // The folder names Grpc.Tools uses for its protoc builds.
        private static string Platform()
        {
            var architecture = RuntimeInformation.OSArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.X86 => "x86",
                Architecture.Arm64 => "arm64",
                var other => throw new PlatformNotSupportedException($"Grpc.Tools ships no protoc for {other}"),
            };
            return OperatingSystem.IsWindows() ? $"windows_{architecture}"
                : OperatingSystem.IsMacOS() ? "macosx_universal"
                : $"linux_{architecture}";
        }
    }
}
