using System.Text.Json;
using StyleGrpc.Server.Jobs;

namespace StyleGrpc.Server.Operations;

/// <summary>A job's checked request (and plan) and its record as JSON, as stores keep them (images as base64).</summary>
public static class JobSpecJson
{
    private static readonly JsonSerializerOptions Options = new() { IncludeFields = true };

    /// <summary>The spec as its own type's JSON (its kind is kept in the job's record).</summary>
    public static byte[] Serialize(JobSpec spec) => JsonSerializer.SerializeToUtf8Bytes(spec, spec.GetType(), Options);

    /// <summary>A spec of a <paramref name="kind"/> job.</summary>
    public static JobSpec Deserialize(ReadOnlySpan<byte> json, JobKind kind) =>
        (kind == JobKind.Training
            ? JsonSerializer.Deserialize<TrainingJobSpec>(json, Options)
            : (JobSpec?)JsonSerializer.Deserialize<StylizeJobSpec>(json, Options)) ?? throw new InvalidDataException("empty job spec");

    public static byte[] Serialize(JobRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    public static JobRecord DeserializeRecord(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<JobRecord>(json, Options) ?? throw new InvalidDataException("empty job record");
}
