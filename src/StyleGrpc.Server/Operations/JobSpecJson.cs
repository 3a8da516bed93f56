using System.Text.Json;
using StyleGrpc.Server.Jobs;

namespace StyleGrpc.Server.Operations;

/// <summary>A job's checked request and plan as JSON, as stores keep it (images as base64).</summary>
public static class JobSpecJson
{
    private static readonly JsonSerializerOptions Options = new() { IncludeFields = true };

    public static byte[] Serialize(StylizeJobSpec spec) => JsonSerializer.SerializeToUtf8Bytes(spec, Options);

    public static StylizeJobSpec Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<StylizeJobSpec>(json, Options) ?? throw new InvalidDataException("empty job spec");

    public static byte[] Serialize(JobRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    public static JobRecord DeserializeRecord(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<JobRecord>(json, Options) ?? throw new InvalidDataException("empty job record");
}
