namespace StyleGrpc.Server.Storage;

/// <summary>One persisted <see cref="Engine.StyleTargets"/> blob and what it was computed with.</summary>
public sealed record TargetsFile(string Key, string Network, string Preset, int StyleSize, IReadOnlyList<string> Layers, string Sha256, long Bytes);
