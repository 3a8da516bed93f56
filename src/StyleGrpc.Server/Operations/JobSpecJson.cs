using System.Buffers.Binary;
using System.Text.Json;
using StyleGrpc.Server.Jobs;

namespace StyleGrpc.Server.Operations;

/// <summary>
/// A job's checked request (and plan) and its record, as stores keep them. A spec is stored as <c>SGJ1</c>, the length of
/// its JSON, the JSON (each image or mask in it an index, <see cref="JobSpecBlobs"/>), then each blob's length and bytes:
/// images stay binary and are stored once. Specs stored as plain JSON (images as base64) by earlier versions are read too.
/// </summary>
public static class JobSpecJson
{
    private static readonly byte[] Magic = "SGJ1"u8.ToArray();
    private static readonly JsonSerializerOptions Options = new() { IncludeFields = true, Converters = { new JobSpecBlobs() } };

    /// <summary>The spec as its own type's JSON with its images beside it (its kind is kept in the job's record).</summary>
    public static byte[] Serialize(JobSpec spec)
    {
        var blobs = new List<ReadOnlyMemory<byte>>();
        var json = JobSpecBlobs.With(blobs, () => JsonSerializer.SerializeToUtf8Bytes(spec, spec.GetType(), Options));
        var stored = new byte[Magic.Length + 4 + json.Length + 4 + blobs.Sum(b => 4 + b.Length)];
        var at = 0;
        void Put(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(stored.AsSpan(at));
            at += bytes.Length;
        }
        void PutLength(int length)
        {
            BinaryPrimitives.WriteInt32LittleEndian(stored.AsSpan(at), length);
            at += 4;
        }
        Put(Magic);
        PutLength(json.Length);
        Put(json);
        PutLength(blobs.Count);
        foreach (var blob in blobs)
        {
            PutLength(blob.Length);
            Put(blob.Span);
        }
        return stored;
    }

    /// <summary>A spec of a <paramref name="kind"/> job, as <see cref="Serialize(JobSpec)"/> stored it (or as plain JSON).</summary>
    public static JobSpec Deserialize(ReadOnlyMemory<byte> stored, JobKind kind)
    {
        var blobs = new List<ReadOnlyMemory<byte>>();
        var json = stored;
        if (stored.Span.StartsWith(Magic))
        {
            var at = Magic.Length;
            int Length()
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(stored.Span[at..]);
                at += 4;
                return length >= 0 && at + length <= stored.Length ? length : throw new InvalidDataException("the stored job spec is cut short");
            }
            var jsonLength = Length();
            json = stored.Slice(at, jsonLength);
            at += jsonLength;
            for (var count = Length(); blobs.Count < count;)
            {
                var length = Length();
                blobs.Add(stored.Slice(at, length));
                at += length;
            }
        }
        return JobSpecBlobs.With(blobs, () => kind switch
        {
            JobKind.Training => JsonSerializer.Deserialize<TrainingJobSpec>(json.Span, Options),
            JobKind.Video => JsonSerializer.Deserialize<VideoJobSpec>(json.Span, Options),
            _ => (JobSpec?)JsonSerializer.Deserialize<StylizeJobSpec>(json.Span, Options),
        } ?? throw new InvalidDataException("empty job spec"));
    }

    public static byte[] Serialize(JobRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    public static byte[] Serialize(JobNotification notification) => JsonSerializer.SerializeToUtf8Bytes(notification, Options);

    public static JobNotification DeserializeNotification(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<JobNotification>(json, Options) ?? throw new InvalidDataException("empty job notification");

    public static JobRecord DeserializeRecord(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<JobRecord>(json, Options) ?? throw new InvalidDataException("empty job record");
}
